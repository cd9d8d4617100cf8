import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { status } from '@grpc/grpc-js';
import { Run, RunState, StepState, TrialCounts, TrialState, runName, stepName, type Step } from '@vela/contracts';
import { isUuid } from '@vela/records';
import type { CommandOutput } from './command-output';
import { ServiceCallError, type ServiceConnection } from './connection';
import { CliError, EXIT } from './exit-codes';
import { cancelledOnly, enumLabel, formatAgo, formatDuration, formatTime, inFlight, unsuccessfulCounts } from './format';
import { formatTable } from './table';
import { readConfigFile } from './validate';

/** How many runs a prefix is matched against. */
const PREFIX_SEARCH_LIMIT = 1000;
const ACTIVE_STATES = [RunState.RUN_STATE_PENDING, RunState.RUN_STATE_RUNNING];

/**
 * The run a user means: its id, `runs/<id>`, or a unique prefix of the id (as git takes a
 * commit), so the short ids people copy from `vela runs` work.
 */
export async function findRun(connection: ServiceConnection, reference: string): Promise<Run> {
  const id = reference.replace(/^runs\//, '');
  if (isUuid(id)) {
    const found = await connection
      .pipeline((client) => client.getRun({ name: runName(id.toLowerCase()) }, connection.callOptions))
      .catch((error: unknown) => (error instanceof ServiceCallError && error.code === status.NOT_FOUND ? undefined : Promise.reject(error)));
    if (found?.run) return found.run;
    throw unknownRun(reference);
  }
  const { runs } = await connection.pipeline((client) => client.listRuns({ filter: undefined, pageSize: PREFIX_SEARCH_LIMIT, pageToken: '' }, connection.callOptions));
  const matches = runs.filter((run) => run.id.startsWith(id.toLowerCase()));
  if (matches.length === 1 && id) return matches[0];
  if (matches.length > 1 && id) {
    throw new CliError(`'${reference}' matches ${matches.length} runs (${matches.slice(0, 3).map((run) => run.id).join(', ')}${matches.length > 3 ? ', ...' : ''}); give more of the id`, EXIT.usage);
  }
  throw unknownRun(reference);
}

function unknownRun(reference: string): CliError {
  return new CliError(`run '${reference}' not found; \`vela runs\` lists the runs`);
}

/** Parses `--state running,failed` into RunStates. */
export function parseRunStates(text: string): RunState[] {
  return text
    .split(',')
    .filter(Boolean)
    .map((name) => {
      const state = RunState[`RUN_STATE_${name.trim().toUpperCase()}` as keyof typeof RunState];
      if (state === undefined || state === RunState.RUN_STATE_UNSPECIFIED) {
        throw new CliError(`unknown run state '${name}'; choose from pending, running, succeeded, failed, cancelled`, EXIT.usage);
      }
      return state;
    });
}

/** `vela runs`: the newest runs, one line each. */
export async function listRuns(connection: ServiceConnection, options: { limit: number; states?: RunState[] }): Promise<CommandOutput> {
  const { runs, totalSize } = await connection.pipeline((client) =>
    client.listRuns({ filter: { states: options.states ?? [], displayNameContains: '' }, pageSize: options.limit, pageToken: '' }, connection.callOptions),
  );
  const lines = runs.length
    ? formatTable(
        [
          { header: 'RUN', value: (run: Run) => run.id },
          { header: 'STATE', value: (run: Run) => enumLabel(RunState, run.state) },
          { header: 'STEP', value: stepProgress },
          { header: 'TRIALS', value: trialSummary },
          { header: 'CREATED', value: (run: Run) => formatAgo(run.createTime) },
          { header: 'NAME', value: (run: Run) => run.displayName },
        ],
        runs,
      )
    : ['no runs yet; start one with `vela run <config.yml>`'];
  if (totalSize > runs.length) lines.push(`(${runs.length} of ${totalSize} runs; --limit shows more)`);
  return { json: { runs: runs.map(summaryJson), totalSize }, lines };
}

/** `vela status RUN`: the run, its steps with trial counts by state, and why pending trials wait. */
export async function runStatus(connection: ServiceConnection, reference: string): Promise<CommandOutput> {
  const run = await findRun(connection, reference);
  const waiting = await waitReasons(connection, run);
  return { json: { run: Run.toJSON(run), waiting }, lines: statusLines(run, waiting) };
}

/** `vela status`: the active runs in full, else the latest run. */
export async function activeRunsStatus(connection: ServiceConnection): Promise<CommandOutput> {
  const active = await connection.pipeline((client) => client.listRuns({ filter: { states: ACTIVE_STATES, displayNameContains: '' }, pageSize: 20, pageToken: '' }, connection.callOptions));
  const runs = active.runs.length ? active.runs : (await connection.pipeline((client) => client.listRuns({ filter: undefined, pageSize: 1, pageToken: '' }, connection.callOptions))).runs;
  if (!runs.length) return { json: { runs: [] }, lines: ['no runs yet; start one with `vela run <config.yml>`'] };
  const lines: string[] = active.runs.length ? [] : ['no active runs; the latest:', ''];
  const json: unknown[] = [];
  for (const run of runs) {
    const waiting = await waitReasons(connection, run);
    if (json.length) lines.push('');
    lines.push(...statusLines(run, waiting));
    json.push({ run: Run.toJSON(run), waiting });
  }
  if (active.totalSize > active.runs.length) lines.push('', `(${active.runs.length} of ${active.totalSize} active runs; \`vela runs --state running\` lists them)`);
  return { json: { runs: json }, lines };
}

/** `vela cancel RUN`: cancels through the master (pending trials cancelled, running ones told to stop). */
/**
 * `vela submit <config.yml>`: creates a run on a running master (a deployment's, see the
 * README's Scaling out), which validates the config as `vela validate` does and drives the
 * run on its workers; the command returns once the run is created.
 */
export async function submitRun(connection: ServiceConnection, path: string, overrides: readonly string[] = []): Promise<CommandOutput> {
  const configYaml = await readConfigFile(path);
  const { run } = await connection.pipeline((client) =>
    client.createRun({ configYaml, overrides: [...overrides], displayName: basename(path), requestId: randomUUID(), validateOnly: false }, connection.callOptions),
  );
  const created = run!;
  return {
    json: { run: summaryJson(created) },
    lines: [`run ${created.id} ${enumLabel(RunState, created.state)}: ${created.steps.map((step) => step.id).join(' → ')}; follow it with \`vela status ${created.id}\``],
  };
}

export async function cancelRun(connection: ServiceConnection, reference: string, reason: string): Promise<CommandOutput> {
  const found = await findRun(connection, reference);
  const { run } = await connection.pipeline((client) => client.cancelRun({ name: found.name, reason }, connection.callOptions));
  const cancelled = run!;
  const state = enumLabel(RunState, cancelled.state);
  const line =
    found.state === RunState.RUN_STATE_PENDING || found.state === RunState.RUN_STATE_RUNNING
      ? `run ${cancelled.id} ${state}; running trials stop at their next step boundary`
      : `run ${cancelled.id} was already ${state}; nothing to cancel`;
  return { json: { run: summaryJson(cancelled) }, lines: [line] };
}

function statusLines(run: Run, waiting: Record<string, string[]>): string[] {
  const end = run.endTime ?? new Date();
  const lines = [
    `run ${run.id}  ${enumLabel(RunState, run.state)}${run.displayName ? `  ${run.displayName}` : ''}`,
    `  created  ${formatTime(run.createTime)}${run.startTime ? `, ${run.endTime ? 'took' : 'running for'} ${formatDuration(end.getTime() - run.startTime.getTime())}` : ''}`,
  ];
  if (run.outputDir) lines.push(`  output   ${run.outputDir}`);
  if (run.error) lines.push(`  ${run.state === RunState.RUN_STATE_CANCELLED ? 'reason' : 'error '}   ${run.error}`);
  lines.push('');
  const count = (header: string, pick: (counts: TrialCounts | undefined) => number) => ({
    header,
    value: (step: Step) => String(pick(step.trialCounts)),
    align: 'right' as const,
  });
  const stored = (key: 'pending' | 'leased' | 'running' | 'succeeded' | 'failed') => count(key.toUpperCase(), (counts) => counts?.[key] ?? 0);
  lines.push(
    ...formatTable(
      [
        { header: 'STEP', value: (step: Step) => step.id },
        { header: 'TYPE', value: (step: Step) => step.pipeStepType },
        { header: 'STATE', value: (step: Step) => enumLabel(StepState, step.state) },
        stored('pending'),
        stored('leased'),
        stored('running'),
        stored('succeeded'),
        stored('failed'),
        count('STOPPED EARLY', (counts) => counts?.earlyStopped ?? 0),
        count('CANCELLED', cancelledOnly),
      ],
      run.steps,
    ),
  );
  for (const step of run.steps) {
    if (step.error) lines.push(`${step.id} failed: ${step.error}`);
    if (step.endReason) lines.push(`${step.id} ended early: ${step.endReason}`);
    for (const reason of waiting[step.id] ?? []) lines.push(`${step.id} waits: ${reason}`);
  }
  return lines;
}

/**
 * Why each step's pending trials wait: the step's own reason, else the distinct reasons of
 * its pending trials (a trial may wait for resources no worker offers).
 */
async function waitReasons(connection: ServiceConnection, run: Run): Promise<Record<string, string[]>> {
  const reasons: Record<string, string[]> = {};
  for (const step of run.steps) {
    if (!step.trialCounts?.pending) continue;
    if (step.waitReason) {
      reasons[step.id] = [step.waitReason];
      continue;
    }
    const { trials } = await connection.pipeline((client) =>
      client.listTrials({ parent: stepName(run.id, step.id), filter: { states: [TrialState.TRIAL_STATE_PENDING] }, pageSize: 100, pageToken: '' }, connection.callOptions),
    );
    const distinct = [...new Set(trials.map((trial) => trial.waitReason).filter(Boolean))];
    if (distinct.length) reasons[step.id] = distinct;
  }
  return reasons;
}

/** `2/4 nas`: steps finished of all, and the step in progress. */
function stepProgress(run: Run): string {
  const done = run.steps.filter((step) => step.state === StepState.STEP_STATE_SUCCEEDED).length;
  const current = run.steps.find((step) => step.state === StepState.STEP_STATE_RUNNING || step.state === StepState.STEP_STATE_FAILED);
  return `${done}/${run.steps.length}${current ? ` ${current.id}` : ''}`;
}

/** `12 done, 2 in flight, 1 failed, 3 stopped early, 4 cancelled` over all steps (the zero counts left out, but done). */
function trialSummary(run: Run): string {
  const summed = TrialCounts.fromPartial({});
  for (const step of run.steps) for (const key of Object.keys(summed) as (keyof TrialCounts)[]) summed[key] += step.trialCounts?.[key] ?? 0;
  const flying = inFlight(summed);
  return [`${summed.succeeded} done`, flying ? `${flying} in flight` : '', ...unsuccessfulCounts(summed)].filter(Boolean).join(', ');
}

/** A run for `--json` lists: without the config texts, which `vela status RUN --json` has. */
function summaryJson(run: Run): unknown {
  const { configYaml: _configYaml, resolvedConfig: _resolvedConfig, ...summary } = Run.toJSON(run) as Record<string, unknown>;
  return summary;
}
