import type { SearchAlgorithm, Suggestion } from '@vela/algorithms';
import type { ConfigCheck, ConfigPath, PipelineStepConfig, VelaConfig } from '@vela/config';
import { buildSearchAlgorithm, REMOTE_ALGORITHM } from '@vela/generator';
import { NetworkDesc } from '@vela/networks';
import { closestMatch } from '@vela/errors';
import { registry } from '@vela/registry';
import { isPlainObject } from '@vela/search-space';
import { buildComponent, DEFAULT_COMPONENTS, type Metric } from '@vela/trainer';
import { objectivesOf } from './objectives';
import { deepMerge, modelPlaceOf } from './steps/model-sources';
import { searchOf } from './steps/search-definition';

type ReportProblem = Parameters<ConfigCheck>[1];

/** The built-in steps that train or evaluate the models their config names. */
const FIXED_MODEL_STEPS = ['TrainPipeStep', 'BenchmarkPipeStep'];

/**
 * What the schema cannot see and a step would otherwise find only when it starts (a typo in
 * `policy`, a condition outside its parent's range, a forbidden list that excludes every
 * point, a network argument out of range, a step with no network): each search step's space
 * and algorithm are built as the generator builds them and asked for their first point, and
 * the network of that point (or a step's given desc) is built as a worker builds it, without
 * training. `vela validate` and CreateRun run it, so such a config is refused, with its lines,
 * before anything runs.
 */
export const checkConfigBuilds: ConfigCheck = (config: VelaConfig, report: ReportProblem): void => {
  checkObjectives(config, report);
  for (const step of config.pipeline) {
    const type = registry.find('pipe_step', step.pipe_step.type)?.name;
    if (step.search_algorithm && step.search_space) {
      const first = firstSuggestion(config, step, report);
      // A plug-in's points are its own (it runs elsewhere); a search that failed is reported.
      if (first) checkNetwork(step, first.desc ?? {}, report);
    } else if (type === 'SearchPipeStep') {
      report([step.name], 'a SearchPipeStep searches: it needs search_algorithm and search_space sections');
    } else if (type && FIXED_MODEL_STEPS.includes(type)) {
      checkNetwork(step, {}, report);
    }
  }
};

/** Keys every record of the built-in trainer holds besides its metrics' (the worker adds `latency_ms` when it evaluates). */
const RECORD_KEYS = ['loss', 'train_loss', 'lr', 'flops', 'params', 'latency_ms'];

/**
 * Each search step's objectives against what its trainer reports, and the run's target against
 * the objectives: a key no record holds would leave the pareto front empty, or never stop the
 * step, with no word. Only a step on the built-in trainer with its built-in callbacks is
 * checked; a plug-in may report keys of its own.
 */
function checkObjectives(config: VelaConfig, report: ReportProblem): void {
  const objectiveKeys = new Set<string>();
  for (const step of config.pipeline) {
    if (!step.search_algorithm) continue;
    const written = step.search_algorithm.objective_keys as readonly string[] | undefined;
    const objectives = objectivesOf(written);
    for (const objective of objectives) objectiveKeys.add(objective.key);
    const reported = reportedKeys(step, report);
    if (!reported) continue;
    objectives.forEach(({ key }, index) => {
      if (reported.includes(key)) return;
      const reports = `(it reports: ${reported.join(', ')})`;
      if (!written) {
        report([step.name, 'search_algorithm'], `objective_keys is not set, so the step optimises '${key}', which its trainer does not report ${reports}; set objective_keys`);
        return;
      }
      const closest = closestMatch(key, reported);
      report([step.name, 'search_algorithm', 'objective_keys', ...(written.length > 1 ? [index] : [])], `'${key}' is not a metric this step's trainer reports${closest ? `; did you mean '${closest}'?` : ''} ${reports}`);
    });
  }
  const target = config.general.limits.target;
  if (target && objectiveKeys.size > 0 && !objectiveKeys.has(target.key)) {
    report(['general', 'limits', 'target', 'key'], `'${target.key}' is not an objective of any search step (objective_keys: ${[...objectiveKeys].join(', ')}), so no trial can reach the target`);
  }
}

/** The keys the step's records hold: its metrics', on validation and training, and the record's own; undefined when a plug-in may add more. */
function reportedKeys(step: PipelineStepConfig, report: ReportProblem): string[] | undefined {
  const trainer = step.trainer;
  if (!onBuiltInTrainer(step) || trainer?.callbacks?.length) return undefined;
  const keys: string[] = [];
  const metrics = (trainer?.metric as readonly unknown[] | undefined) ?? [DEFAULT_COMPONENTS.metric];
  for (const [index, raw] of metrics.entries()) {
    const field = metrics.length > 1 ? `trainer.metric[${index}]` : 'trainer.metric';
    let metric: Metric;
    try {
      metric = buildComponent('metric', raw, field, (entry, args) => entry.factory(args));
    } catch (error) {
      reportError(error, [step.name], report);
      return undefined;
    }
    // A fresh metric's summary names its keys; a plug-in's that names none (or cannot) before any update leaves them unknown.
    const summary = (() => {
      try {
        return metric.summary();
      } catch {
        return undefined;
      }
    })();
    if (!summary || Object.keys(summary).length === 0) return undefined;
    keys.push(...Object.keys(summary));
  }
  if (keys.length === 0) return undefined;
  return [...keys, ...keys.map((key) => `train_${key}`), ...RECORD_KEYS];
}

/** The search's first point; undefined when the search cannot be built or suggests nothing (reported), or is a plug-in's (its settings checked, no point asked). */
function firstSuggestion(config: VelaConfig, step: PipelineStepConfig, report: ReportProblem): Suggestion | undefined {
  const search = searchOf(step, config.general.seed);
  let algorithm: SearchAlgorithm;
  try {
    const objectives = objectivesOf(search.settings['objective_keys'] as string | string[] | undefined);
    algorithm = buildSearchAlgorithm({ runId: '', step: step.name, ...search, settings: search.settings as never, searchSpace: search.searchSpace as never, objectives });
  } catch (error) {
    reportError(error, [step.name], report);
    return undefined;
  }
  // A plug-in's settings are checked; its points come from another process, asked when the step runs.
  if (registry.find('search_algorithm', search.algorithm)?.name === REMOTE_ALGORITHM) return undefined;
  try {
    const [suggestion] = algorithm.suggest(1);
    if (!suggestion) report([step.name, 'search_space'], 'the search suggests no point at all: its conditions and forbidden list leave nothing to try');
    return suggestion;
  } catch (error) {
    reportError(error, [step.name], report);
    return undefined;
  }
}

/**
 * The network a step's first trial trains: the desc the step names, with the searched part of
 * the first point laid over it. A desc from an earlier step or a file is not known before the
 * run, and is left to the step.
 */
function checkNetwork(step: PipelineStepConfig, searched: Record<string, unknown>, report: ReportProblem): void {
  // A plug-in trainer may build its own model from what it is given.
  if (!onBuiltInTrainer(step)) return;
  const place = modelPlaceOf(step);
  if (place && !('desc' in place)) return;
  if (!place && Object.keys(searched).length === 0) {
    const task = registry.find('pipe_step', step.pipe_step.type)?.name === 'BenchmarkPipeStep' ? 'evaluate' : 'train';
    report([step.name], `names no model to ${task}: set model.model_desc, or take models with model.model_desc_file or pipe_step.models_folder`);
    return;
  }
  try {
    new NetworkDesc(deepMerge(place?.desc ?? {}, searched));
  } catch (error) {
    const field = parsePath((error as { field?: string }).field ?? '');
    const searchedValue = field.length > 0 && hasPath(searched, field);
    // A module section of the space is where its arguments and choices are written.
    const inSpaceSection = field.length > 0 && isPlainObject((step.search_space as Record<string, unknown> | undefined)?.[field[0] as string]);
    if (inSpaceSection && (searchedValue || !place)) reportError(error, [step.name, 'search_space'], report);
    else if (searchedValue) report([step.name, 'search_space'], `the network of the search's first point does not build: ${(error as Error).message}`);
    else reportError(error, place ? place.key.split('.') : [step.name], report, 'desc');
  }
}

/** Whether the step trains with the built-in trainer, which builds the desc it is given (a plug-in may build its own). */
export function onBuiltInTrainer(step: PipelineStepConfig): boolean {
  return !step.trainer?.type || registry.find('trainer', step.trainer.type)?.name === 'Trainer';
}

function hasPath(value: unknown, path: readonly (string | number)[]): boolean {
  let current = value;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null || !(segment in current)) return false;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return true;
}

/**
 * A lib's error at the path its message begins with (`search_algorithm.policy.num_sample:
 * ...`), under `base`; `rootName` is what the lib calls `base` itself (a desc is `desc`).
 */
function reportError(error: unknown, base: ConfigPath, report: ReportProblem, rootName?: string): void {
  if (!(error instanceof Error)) throw error;
  const messages = (error as { problems?: readonly string[] }).problems ?? [error.message];
  for (const message of messages) {
    const placed = PLACED.exec(message);
    if (!placed) {
      report(base, message);
      continue;
    }
    const [, head, note, tail, detail] = placed;
    const segments = [...parsePath(head), ...parsePath(tail)];
    report([...base, ...(segments[0] === rootName ? segments.slice(1) : segments)], note ? `${detail} (${note.trim().slice(1, -1)})` : detail);
  }
}

/** `search_space.condition[0] (key 'x').range[0]: detail` → the path's head, the note, the path's tail, the detail. */
const PLACED = /^([A-Za-z_]\w*(?:\.\w+|\[\d+\])*)((?: \([^)]*\))?)((?:\.\w+|\[\d+\])*): ([\s\S]*)$/;

function parsePath(text: string): (string | number)[] {
  return [...text.matchAll(/(\w+)|\[(\d+)\]/g)].map((match) => (match[2] !== undefined ? Number(match[2]) : match[1]));
}
