import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Record as RecordProto } from '@vela/contracts';
import type { OutputSource } from '@vela/config';
import { objectivesToProto, type ObjectiveSpec } from '../objectives';
import type { StepContext } from '../step-context';
import { StepFailedError } from './step-executor';

/** A model a step takes from elsewhere: its desc, hyperparameters and (when trained) checkpoint. */
export interface ChosenModel {
  readonly desc: Record<string, unknown>;
  readonly hyperparameters: Record<string, unknown>;
  readonly checkpointArtifactId?: string;
  /** Where it came from, for messages and outputs. */
  readonly origin: string;
}

/**
 * The best models of an earlier step: its pareto front over its own objectives, from
 * Report (DESIGN.md: a later step takes the best descs of an earlier one).
 */
export async function paretoModelsOf(context: StepContext, stepName: string, count?: number): Promise<ChosenModel[]> {
  const source = await context.prisma.step.findUnique({ where: { runId_name: { runId: context.run.id, name: stepName } } });
  if (!source) throw new StepFailedError(`step '${stepName}' is not part of this run`);
  const objectives = source.objectives as unknown as ObjectiveSpec[];
  const { points } = await context.report.paretoFront({
    runId: context.run.id,
    stepId: stepName,
    objectives: objectivesToProto(objectives),
    count,
  });
  const checkpoints = new Map(
    (await context.prisma.trial.findMany({ where: { id: { in: points.map((point) => point.record!.trialId) } }, select: { id: true, checkpointArtifactId: true } })).map((trial) => [
      trial.id,
      trial.checkpointArtifactId ?? undefined,
    ]),
  );
  return points.map((point) => modelOfRecord(point.record!, checkpoints.get(point.record!.trialId), `${stepName} trial ${point.record!.trialNumber}`));
}

function modelOfRecord(record: RecordProto, checkpointArtifactId: string | undefined, origin: string): ChosenModel {
  return { desc: record.desc ?? {}, hyperparameters: record.hyperparameters ?? {}, checkpointArtifactId, origin };
}

/** Models written by Vega or an earlier Vela run: `desc_<id>.json` with an optional `hps_<id>.json` beside it. */
export async function folderModels(folder: string): Promise<ChosenModel[]> {
  const names = await readdir(folder).catch(() => {
    throw new StepFailedError(`models_folder '${folder}' cannot be read`);
  });
  const models: ChosenModel[] = [];
  for (const name of names.filter((file) => /^desc_.+\.json$/.test(file)).sort()) {
    const id = name.slice('desc_'.length, -'.json'.length);
    const desc = JSON.parse(await readFile(join(folder, name), 'utf8'));
    const hps = names.includes(`hps_${id}.json`) ? JSON.parse(await readFile(join(folder, `hps_${id}.json`), 'utf8')) : {};
    models.push({ desc, hyperparameters: hps, origin: join(folder, name) });
  }
  return models;
}

/** Models from a `models_folder` / `*_file` source: an earlier step's pareto front, or files. */
export async function modelsFrom(context: StepContext, source: OutputSource, count?: number): Promise<ChosenModel[]> {
  if (source.step) return paretoModelsOf(context, source.step, count);
  if (source.path.endsWith('.json')) {
    return [{ desc: JSON.parse(await readFile(source.path, 'utf8')), hyperparameters: {}, origin: source.path }];
  }
  return folderModels(source.path);
}

/** Deep merge of plain objects (`override` wins), for base descs and hyperparameters under searched ones. */
export function deepMerge(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = merged[key];
    merged[key] = isPlain(current) && isPlain(value) ? deepMerge(current, value) : value;
  }
  return merged;
}

function isPlain(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
