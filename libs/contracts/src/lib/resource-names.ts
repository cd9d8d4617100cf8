import { InvalidArgumentError, didYouMean } from '@vela/errors';

/**
 * Resource names of Vela's API (docs/resource-model.md), built and parsed only here (as
 * Vizier's `resources.py`). Parsing never trusts its input: every failure is an
 * `InvalidArgumentError` naming the request field that held the name.
 */

/** The wildcard step of `runs/{run}/steps/-`, which ListTrials reads as "every step" (AIP-159). */
export const ALL_STEPS = '-';

/**
 * One id segment: UUIDs, step names such as `fully_train`, and worker ids chosen by the
 * worker (`gpu-host-1.lab`). Segments also become folder names, so no `/`, `:` or spaces.
 */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const MAX_SEGMENT_LENGTH = 128;
const COLLECTIONS = ['runs', 'steps', 'trials', 'searches', 'workers', 'artifacts'];

export interface RunName {
  readonly run: string;
}
export interface StepName extends RunName {
  readonly step: string;
}
export interface TrialName extends StepName {
  readonly trial: string;
}
export interface SearchName {
  readonly search: string;
}
export interface WorkerName {
  readonly worker: string;
}
export interface ArtifactName {
  readonly artifact: string;
}

/** Throws unless `value` is a valid id segment; `field` names where it came from. */
export function assertResourceId(value: string, field: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidArgumentError('must not be empty', field);
  }
  if (value.length > MAX_SEGMENT_LENGTH) {
    throw new InvalidArgumentError(`must be at most ${MAX_SEGMENT_LENGTH} characters, got ${value.length}`, field);
  }
  if (!SEGMENT.test(value)) {
    throw new InvalidArgumentError(
      `must start with a letter, digit or '_' and contain only letters, digits, '.', '_' and '-', got ${JSON.stringify(value)}`,
      field,
    );
  }
  return value;
}

export function runName(run: string): string {
  return `runs/${assertResourceId(run, 'run')}`;
}

export function stepName(run: string, step: string): string {
  return `${runName(run)}/steps/${assertResourceId(step, 'step')}`;
}

export function trialName(run: string, step: string, trial: string): string {
  return `${stepName(run, step)}/trials/${assertResourceId(trial, 'trial')}`;
}

export function searchName(search: string): string {
  return `searches/${assertResourceId(search, 'search')}`;
}

export function workerName(worker: string): string {
  return `workers/${assertResourceId(worker, 'worker')}`;
}

export function artifactName(artifact: string): string {
  return `artifacts/${assertResourceId(artifact, 'artifact')}`;
}

export function parseRunName(name: string, field = 'name'): RunName {
  const [run] = parse(name, ['runs'], field);
  return { run };
}

export function parseStepName(name: string, field = 'name'): StepName {
  const [run, step] = parse(name, ['runs', 'steps'], field);
  return { run, step };
}

export function parseTrialName(name: string, field = 'name'): TrialName {
  const [run, step, trial] = parse(name, ['runs', 'steps', 'trials'], field);
  return { run, step, trial };
}

export function parseSearchName(name: string, field = 'name'): SearchName {
  const [search] = parse(name, ['searches'], field);
  return { search };
}

export function parseWorkerName(name: string, field = 'name'): WorkerName {
  const [worker] = parse(name, ['workers'], field);
  return { worker };
}

export function parseArtifactName(name: string, field = 'name'): ArtifactName {
  const [artifact] = parse(name, ['artifacts'], field);
  return { artifact };
}

/**
 * The parent of ListTrials: `runs/{run}/steps/{step}`, or `runs/{run}/steps/-` for every
 * step of the run (then `step` is undefined).
 */
export function parseTrialsParent(parent: string, field = 'parent'): { readonly run: string; readonly step?: string } {
  if (typeof parent === 'string' && parent.endsWith(`/steps/${ALL_STEPS}`)) {
    return parseRunName(parent.slice(0, -`/steps/${ALL_STEPS}`.length), field);
  }
  return parseStepName(parent, field);
}

function parse(name: string, collections: readonly string[], field: string): string[] {
  const pattern = collections.map((collection) => `${collection}/{${singular(collection)}}`).join('/');
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidArgumentError(`must be a resource name of the form "${pattern}", got an empty string`, field);
  }
  const parts = name.split('/');
  const problem = (detail: string) =>
    new InvalidArgumentError(`must be a resource name of the form "${pattern}", got ${JSON.stringify(name)}: ${detail}`, field);
  if (parts.length !== collections.length * 2) {
    throw problem(`expected ${collections.length * 2} '/'-separated segments, found ${parts.length}`);
  }
  const ids: string[] = [];
  collections.forEach((collection, index) => {
    const given = parts[index * 2];
    if (given !== collection) {
      throw problem(`expected "${collection}" at segment ${index * 2 + 1}, found ${JSON.stringify(given)}${didYouMean(given, COLLECTIONS)}`);
    }
    const id = parts[index * 2 + 1];
    try {
      ids.push(assertResourceId(id, singular(collection)));
    } catch (error) {
      throw problem(error instanceof Error ? error.message : String(error));
    }
  });
  return ids;
}

function singular(collection: string): string {
  return collection === 'searches' ? 'search' : collection.slice(0, -1);
}
