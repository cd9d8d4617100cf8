import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ArtifactKind, UploadArtifactRequest, type Record as RecordProto } from '@vela/contracts';
import type { OutputSource, PipelineStepConfig } from '@vela/config';
import { objectivesToProto, type ObjectiveSpec } from '../objectives';
import type { StepContext } from '../step-context';
import { StepFailedError } from './step-executor';

/** A model a step takes from elsewhere: its desc, hyperparameters and (when trained) checkpoint. */
export interface ChosenModel {
  readonly desc: Record<string, unknown>;
  readonly hyperparameters: Record<string, unknown>;
  readonly checkpointArtifactId?: string;
  /** Trained weights in a models folder (`model_<id>.ckpt`), not yet stored in Report (storedWeights). */
  readonly weightsFile?: string;
  /** Where it came from, for messages and outputs. */
  readonly origin: string;
}

/** Upload chunks: Report takes up to 1 MiB per message. */
const UPLOAD_CHUNK_BYTES = 1 << 20;

/**
 * The best models of an earlier step: its pareto front over its own objectives, from
 * Report (DESIGN.md: a later step takes the best descs of an earlier one).
 */
async function paretoModelsOf(context: StepContext, stepName: string, count?: number): Promise<ChosenModel[]> {
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

/**
 * Models written by Vega or an earlier Vela run: `desc_<id>.json` with an optional
 * `hps_<id>.json` and trained weights `model_<id>.ckpt` beside it (`count` at most). Errors
 * name `key`, the config key that named the folder.
 */
async function folderModels(folder: string, key: string, count?: number): Promise<ChosenModel[]> {
  const names = await readdir(folder).catch((error: NodeJS.ErrnoException) => {
    throw new StepFailedError(`${key}: '${folder}' cannot be read as a models folder: ${error.code === 'ENOENT' ? 'no such folder' : error.code === 'ENOTDIR' ? 'not a folder' : error.message}`);
  });
  const models: ChosenModel[] = [];
  for (const name of names.filter((file) => /^desc_.+\.json$/.test(file)).sort().slice(0, count)) {
    const id = name.slice('desc_'.length, -'.json'.length);
    const desc = await readJsonObject(join(folder, name), key, 'a desc');
    const hps = names.includes(`hps_${id}.json`) ? await readJsonObject(join(folder, `hps_${id}.json`), key, 'hyperparameters') : {};
    const weightsFile = names.includes(`model_${id}.ckpt`) ? join(folder, `model_${id}.ckpt`) : undefined;
    models.push({ desc, hyperparameters: hps, weightsFile, origin: join(folder, name) });
  }
  return models;
}

/** A JSON file holding an object (`what` it should hold), or a StepFailedError naming `key` and the file. */
async function readJsonObject(path: string, key: string, what: string): Promise<Record<string, unknown>> {
  const text = await readFile(path, 'utf8').catch((error: Error) => {
    throw new StepFailedError(`${key}: cannot read '${path}': ${error.message}`);
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new StepFailedError(`${key}: '${path}' is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new StepFailedError(`${key}: '${path}' must hold an object of ${what}`);
  return value as Record<string, unknown>;
}

/**
 * A model whose weights are a file (from a models folder) with them stored in Report as a
 * checkpoint of this run, which workers then load; the same upload again (a restarted
 * master) returns the artifact stored first.
 */
export async function storedWeights(context: StepContext, model: ChosenModel): Promise<ChosenModel> {
  if (model.checkpointArtifactId || !model.weightsFile) return model;
  const bytes = await readFile(model.weightsFile).catch((error: Error) => {
    throw new StepFailedError(`${model.weightsFile} cannot be read: ${error.message}`);
  });
  const metadata = {
    artifact: { runId: context.run.id, kind: ArtifactKind.ARTIFACT_KIND_CHECKPOINT, fileName: basename(model.weightsFile), sizeBytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') },
    requestId: `${context.run.id}/${context.step.name}/${model.weightsFile}`,
  };
  const requests = [UploadArtifactRequest.fromPartial({ metadata })];
  for (let at = 0; at < bytes.length; at += UPLOAD_CHUNK_BYTES) requests.push(UploadArtifactRequest.fromPartial({ chunk: bytes.subarray(at, at + UPLOAD_CHUNK_BYTES) }));
  const { artifact } = await context.report.uploadArtifact(requests);
  return { ...model, checkpointArtifactId: artifact!.id };
}

/**
 * Models from a `models_folder` / `*_file` source named by `key` (`count` at most): an earlier
 * step's pareto front, or files. A source that holds none fails the step naming the key: an
 * empty pareto front must not become an empty desc or empty hyperparameters without a word.
 */
async function modelsFrom(context: StepContext, source: OutputSource, key: string, count?: number): Promise<ChosenModel[]> {
  const models = source.step
    ? await paretoModelsOf(context, source.step, count)
    : source.path.endsWith('.json')
      ? [{ desc: await readJsonObject(source.path, key, 'a desc'), hyperparameters: {}, origin: source.path }]
      : await folderModels(source.path, key, count);
  if (models.length === 0) throw new StepFailedError(`${key}: ${source.step ? `step '${source.step}' has no result to take` : `'${source.path}' holds no model`}`);
  return models;
}

/**
 * The hyperparameters an `hps_file` names: a JSON file of them (as Vega writes `hps_<id>.json`),
 * else those of the first model of its source (an earlier step's best, a folder's first).
 */
export async function hyperparametersFrom(context: StepContext, source: OutputSource, key: string): Promise<Record<string, unknown>> {
  if (source.step || !source.path.endsWith('.json')) return (await modelsFrom(context, source, key, 1))[0].hyperparameters;
  return readJsonObject(source.path, key, 'hyperparameters');
}

/** Where a step's config says its models come from: an inline desc or a source, under its key. */
export type ModelPlace = { readonly key: string; readonly desc: Record<string, unknown> } | { readonly key: string; readonly source: OutputSource };

/**
 * The keys that name a step's models, Vega's and Vela's spellings alike, in Vega's order of
 * precedence (`pipe_step.models_folder` over `model.model_desc_file` over `model.model_desc`):
 * Vega's own fully-train examples set more than one.
 */
export const MODEL_KEYS = [
  ['pipe_step', 'models_folder'],
  ['model', 'models_folder'],
  ['model', 'model_desc_file'],
  ['model', 'model_desc'],
  ['trainer', 'model_desc_file'],
  ['trainer', 'model_desc'],
] as const;
/** The keys that name a step's hyperparameters, the first set taken. */
const HPS_KEYS = [
  ['trainer', 'hps_file'],
  ['model', 'hps_file'],
] as const;

/** The value of the first of `keys` the step sets, with its full key (`nas.model.model_desc`). */
function firstSet(step: PipelineStepConfig, keys: readonly (readonly [string, string])[]): { key: string; value: unknown } | undefined {
  for (const [section, name] of keys) {
    const value = (step as unknown as Record<string, Record<string, unknown> | undefined>)[section]?.[name];
    if (value !== undefined) return { key: `${step.name}.${section}.${name}`, value };
  }
  return undefined;
}

/** Where the step's models come from, or undefined when its config names none. */
export function modelPlaceOf(step: PipelineStepConfig): ModelPlace | undefined {
  const set = firstSet(step, MODEL_KEYS);
  if (!set) return undefined;
  return set.key.endsWith('.model_desc') ? { key: set.key, desc: set.value as Record<string, unknown> } : { key: set.key, source: set.value as OutputSource };
}

/**
 * The hyperparameters the step's `hps_file` gives ({} when it names none), less
 * `trainer.epochs`: as in Vega, the step's own epochs count.
 */
export async function stepHyperparameters(context: StepContext): Promise<Record<string, unknown>> {
  const set = firstSet(context.stepConfig, HPS_KEYS);
  if (!set) return {};
  const { trainer, ...rest } = await hyperparametersFrom(context, set.value as OutputSource, set.key);
  if (!isPlain(trainer)) return trainer === undefined ? rest : { ...rest, trainer };
  const { epochs: _epochs, ...trainerRest } = trainer;
  return { ...rest, trainer: trainerRest };
}

/**
 * The models the step's config names (an inline desc, a file, a folder, an earlier step's
 * pareto front, `count` of them at most), each with its own hyperparameters; empty when the
 * config names no model. A source that holds none fails the step naming its key.
 */
export async function namedModels(context: StepContext, count?: number): Promise<ChosenModel[]> {
  const place = modelPlaceOf(context.stepConfig);
  if (!place) return [];
  if ('desc' in place) return [{ desc: place.desc, hyperparameters: {}, origin: place.key }];
  return modelsFrom(context, place.source, place.key, count);
}

/**
 * The models a train or benchmark step runs: namedModels, with the step's `hps_file`
 * hyperparameters under each model's own (as Vega's trainer lays a model's hps over the file's).
 */
export async function stepModels(context: StepContext): Promise<ChosenModel[]> {
  const models = await namedModels(context);
  const hyperparameters = models.length ? await stepHyperparameters(context) : {};
  return models.map((model) => ({ ...model, hyperparameters: deepMerge(hyperparameters, model.hyperparameters) }));
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
