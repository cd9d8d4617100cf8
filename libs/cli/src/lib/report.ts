import { ParetoPoint, Record as RecordProto, RecordOrder, StepState, TrialState, type Run, type Step } from '@vela/contracts';
import type { CommandOutput } from './command-output';
import type { ServiceConnection } from './connection';
import { CliError, EXIT } from './exit-codes';
import { enumLabel, formatNumber, objectiveLabel, objectiveValue } from './format';
import { findRun } from './runs';
import { formatTable } from './table';

const PAGE_SIZE = 1000;

/**
 * `vela report RUN [--step S] [--pareto]`: each step's trial results from Report (the last
 * epoch of each trial's successful attempt) and its failed attempts with their errors and the
 * end of their logs, or with `--pareto` only the results on the step's pareto front over its
 * objectives.
 */
export async function runReport(connection: ServiceConnection, reference: string, options: { step?: string; pareto?: boolean }): Promise<CommandOutput> {
  const run = await findRun(connection, reference);
  const steps = selectSteps(run, options.step);
  const json: unknown[] = [];
  const lines: string[] = [];
  for (const step of steps) {
    if (lines.length) lines.push('');
    if (options.pareto) {
      const points = step.objectives.length
        ? (await connection.report((client) => client.paretoFront({ runId: run.id, stepId: step.id, objectives: step.objectives }, connection.callOptions))).points
        : [];
      json.push({ step: step.id, objectives: step.objectives.map((objective) => objectiveLabel(objective)), points: points.map((point) => ParetoPoint.toJSON(point)) });
      lines.push(`${step.id} (${step.pipeStepType}, ${enumLabel(StepState, step.state)}): pareto front over ${step.objectives.map(objectiveLabel).join(', ') || 'no objectives'}`);
      lines.push(...indent(points.length ? resultsTable(step, points.map((point) => point.record!)) : ['no results yet']));
    } else {
      const [records, failures] = await Promise.all([stepRecords(connection, run, step, { resultsOnly: true }), stepRecords(connection, run, step, { failed: true })]);
      json.push({ step: step.id, records: records.map((record) => RecordProto.toJSON(record)), failures: failures.map((record) => RecordProto.toJSON(record)) });
      const failed = step.trialCounts?.failed ?? 0;
      lines.push(`${step.id} (${step.pipeStepType}, ${enumLabel(StepState, step.state)}): ${records.length} result(s)${failed ? `, ${failed} trial(s) failed` : ''}`);
      lines.push(...indent(records.length ? resultsTable(step, records) : ['no results yet']));
      if (failures.length) lines.push(...indent(failureLines(failures)));
    }
  }
  return { json: { run: run.id, steps: json }, lines };
}

/** Results as a table: trial, attempt, epoch, each objective of the step, and size where known. */
export function resultsTable(step: Step, records: readonly RecordProto[]): string[] {
  const optional = (header: string, read: (record: RecordProto) => number | undefined, suffix = '') =>
    records.some((record) => read(record) !== undefined) ? [{ header, value: (record: RecordProto) => (read(record) === undefined ? '—' : `${formatNumber(read(record)!)}${suffix}`), align: 'right' as const }] : [];
  const objectiveKeys = new Set(step.objectives.map((objective) => objective.key));
  return formatTable(
    [
      { header: 'TRIAL', value: (record: RecordProto) => String(record.trialNumber), align: 'right' as const },
      { header: 'ATTEMPT', value: (record: RecordProto) => String(record.attempt), align: 'right' as const },
      { header: 'EPOCH', value: (record: RecordProto) => String(record.epoch), align: 'right' as const },
      ...step.objectives.map((objective) => ({
        header: objectiveLabel(objective),
        value: (record: RecordProto) => {
          const value = objectiveValue(record, objective.key);
          return value === undefined ? '—' : formatNumber(value);
        },
        align: 'right' as const,
      })),
      ...(objectiveKeys.has('params') ? [] : optional('PARAMS', (record) => record.params, 'K')),
      ...(objectiveKeys.has('flops') ? [] : optional('FLOPS', (record) => record.flops, 'G')),
    ],
    records,
  );
}

function selectSteps(run: Run, stepId: string | undefined): Step[] {
  if (!stepId) return run.steps;
  const step = run.steps.find((candidate) => candidate.id === stepId);
  if (!step) throw new CliError(`run ${run.id} has no step '${stepId}'; its steps are ${run.steps.map((candidate) => candidate.id).join(', ')}`, EXIT.usage);
  return [step];
}

/** The last lines of a failed attempt's log that the text output shows (`--json` has all the tail Report keeps). */
const FAILURE_LOG_LINES = 3;

/** Each failed attempt: its trial, attempt, epoch and error, and the end of its log. */
function failureLines(failures: readonly RecordProto[]): string[] {
  return [
    'failed attempts:',
    ...failures.flatMap((record) => [
      `  trial ${record.trialNumber} attempt ${record.attempt} (epoch ${record.epoch}): ${record.errorMessage || 'no error recorded'}`,
      ...(record.logTail ?? '').split('\n').filter(Boolean).slice(-FAILURE_LOG_LINES).map((line) => `    | ${line}`),
    ]),
  ];
}

/** A step's records from Report: its results (each trial's last epoch of its successful attempt), or the records of its failed attempts. */
async function stepRecords(connection: ServiceConnection, run: Run, step: Step, which: { resultsOnly: true } | { failed: true }): Promise<RecordProto[]> {
  const records: RecordProto[] = [];
  const filter = 'failed' in which
    ? { runId: run.id, stepId: step.id, trialId: '', trialStates: [TrialState.TRIAL_STATE_FAILED], resultsOnly: false }
    : { runId: run.id, stepId: step.id, trialId: '', trialStates: [], resultsOnly: true };
  let pageToken = '';
  do {
    const page = await connection.report((client) =>
      client.listRecords(
        { filter, pageSize: PAGE_SIZE, pageToken, order: RecordOrder.RECORD_ORDER_TRIAL, orderObjective: undefined },
        connection.callOptions,
      ),
    );
    records.push(...page.records);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return records;
}

function indent(lines: readonly string[]): string[] {
  return lines.map((line) => `  ${line}`);
}
