import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { ListRecordsRequest, type Record as RecordProto } from '@vela/contracts';
import { objectivesToProto, type ObjectiveSpec } from './objectives';
import type { StepContext } from './step-context';

export interface StepOutputs {
  readonly folder: string;
  readonly results: number;
  /** Trial numbers on the step's pareto front. */
  readonly pareto: readonly number[];
}

/**
 * A step's output folder as Vega writes it: `output.csv` and `reports.json` with every
 * trial's result, and for the pareto front `desc_<n>.json`, `hps_<n>.json`,
 * `performance_<n>.json` and the trained weights `model_<n>.ckpt` (n = trial number), so a
 * later run can take them as `models_folder`.
 */
export async function writeStepOutputs(context: StepContext): Promise<StepOutputs> {
  const folder = context.step.outputDir ?? join(context.run.outputDir ?? '.', context.step.name);
  await mkdir(folder, { recursive: true });
  const results: RecordProto[] = [];
  let pageToken = '';
  do {
    const page = await context.report.listRecords(
      ListRecordsRequest.fromPartial({ filter: { runId: context.run.id, stepId: context.step.name, resultsOnly: true }, pageSize: 1000, pageToken }),
    );
    results.push(...page.records);
    pageToken = page.nextPageToken;
  } while (pageToken);
  results.sort((a, b) => a.trialNumber - b.trialNumber);

  const objectives = context.objectives;
  const metrics = [...new Set(results.flatMap((record) => Object.keys(record.performance)))].sort();
  // The record's own measures, unless an objective already gives its column (a header names each column once).
  const measures = (['flops', 'params', 'latency_ms'] as const).filter((measure) => !objectives.some((objective) => objective.key === measure));
  const header = ['trial', 'trial_id', 'attempt', 'epoch', ...objectives.map((objective) => objective.key), ...metrics.map((metric) => `performance.${metric}`), ...measures, 'desc', 'hyperparameters'];
  const rows = results.map((record) => [
    record.trialNumber,
    record.trialId,
    record.attempt,
    record.epoch,
    ...objectives.map((objective) => record.objectives.find((o) => o.key === objective.key)?.value ?? ''),
    ...metrics.map((metric) => record.performance[metric] ?? ''),
    ...measures.map((measure) => ({ flops: record.flops, params: record.params, latency_ms: record.latencyMs })[measure] ?? ''),
    JSON.stringify(record.desc ?? {}),
    JSON.stringify(record.hyperparameters ?? {}),
  ]);
  await writeFile(join(folder, 'output.csv'), [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n');
  await writeFile(join(folder, 'reports.json'), JSON.stringify(results.map(reportOf), null, 2) + '\n');

  const pareto = objectives.length ? await front(context, objectives) : [];
  const checkpoints = new Map(
    (await context.prisma.trial.findMany({ where: { id: { in: pareto.map((record) => record.trialId) } }, select: { id: true, checkpointArtifactId: true } })).map((trial) => [trial.id, trial.checkpointArtifactId]),
  );
  await removeStaleModels(folder, new Set(pareto.map((record) => record.trialNumber)));
  for (const record of pareto) {
    const n = record.trialNumber;
    await writeFile(join(folder, `desc_${n}.json`), JSON.stringify(record.desc ?? {}, null, 2) + '\n');
    await writeFile(join(folder, `hps_${n}.json`), JSON.stringify(record.hyperparameters ?? {}, null, 2) + '\n');
    await writeFile(join(folder, `performance_${n}.json`), JSON.stringify(reportOf(record).performance, null, 2) + '\n');
    const checkpoint = checkpoints.get(record.trialId);
    if (checkpoint) await download(context, checkpoint, join(folder, `model_${n}.ckpt`));
  }
  return { folder, results: results.length, pareto: pareto.map((record) => record.trialNumber) };
}

/** A model file of a step's folder: `desc_<n>.json`, `hps_<n>.json`, `performance_<n>.json`, `model_<n>.ckpt`. */
const MODEL_FILE = /^(?:(?:desc|hps|performance)_(\d+)\.json|model_(\d+)\.ckpt)$/;

/**
 * Removes the model files of trials not on this front: an earlier run into the same folder
 * left them, and a later run taking the folder as `models_folder` would take them too.
 */
async function removeStaleModels(folder: string, front: ReadonlySet<number>): Promise<void> {
  for (const name of await readdir(folder)) {
    const match = MODEL_FILE.exec(name);
    if (match && !front.has(Number(match[1] ?? match[2]))) await rm(join(folder, name), { force: true });
  }
}

async function front(context: StepContext, objectives: readonly ObjectiveSpec[]): Promise<RecordProto[]> {
  const { points } = await context.report.paretoFront({
    runId: context.run.id,
    stepId: context.step.name,
    objectives: objectivesToProto(objectives),
  });
  return points.map((point) => point.record!);
}

async function download(context: StepContext, artifactId: string, path: string): Promise<void> {
  const file = createWriteStream(path);
  for await (const message of context.report.downloadArtifact({ name: `artifacts/${artifactId}` })) {
    if (message.chunk && !file.write(message.chunk)) await new Promise<void>((resolve) => file.once('drain', () => resolve()));
  }
  file.end();
  await finished(file);
}

function reportOf(record: RecordProto) {
  return {
    trial: record.trialNumber,
    trial_id: record.trialId,
    attempt: record.attempt,
    epoch: record.epoch,
    desc: record.desc ?? {},
    hyperparameters: record.hyperparameters ?? {},
    performance: { ...record.performance, ...Object.fromEntries(record.objectives.map((objective) => [objective.key, objective.value])), flops: record.flops, params: record.params, latency_ms: record.latencyMs },
    backend: record.backend,
    device: record.device,
  };
}

function csvCell(value: unknown): string {
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
