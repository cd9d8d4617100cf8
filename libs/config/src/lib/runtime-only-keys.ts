import { type ConfigPath, formatPath, isPlainMapping } from './config-path';
import { DATASET_MODES } from './schema/step.schema';
import type { SourceMap } from './source-map';

/** A key Vela accepts but does not act on, and what it does instead. */
export interface ConfigWarning {
  /** The first place the key was written, e.g. `general.backend`. */
  readonly path: string;
  readonly line?: number;
  /** Every place the same key was written (the warning is given once for all of them). */
  readonly paths: readonly string[];
  readonly message: string;
}

const SAME_AS_CAPACITY = 'Vela places each trial on a registered worker with free capacity (GPUs or CPU slots)';
const TFJS_DEVICE = 'Vela trains with TensorFlow.js on the device of the worker that leases the trial';

/**
 * Keys that matter only to Vega's Python runtime, per section, with what Vela does instead.
 * They are removed before validation, with one warning per key.
 */
export const RUNTIME_ONLY_KEYS = {
  root: {
    register: 'Vela finds plug-ins in its registry, filled when their libs are imported; there are no Python modules to register',
  },
  general: {
    backend: `${TFJS_DEVICE} (tfjs-node where installed, else the WebAssembly backend)`,
    device_category: SAME_AS_CAPACITY,
    parallel_search: `${SAME_AS_CAPACITY}; general.limits.trials_in_flight caps how many run at once`,
    parallel_fully_train: `${SAME_AS_CAPACITY}; general.limits.trials_in_flight caps how many run at once`,
    cluster: 'Vela workers register with the pipeline service over gRPC; no cluster list is needed',
    logger: "Vela's services log to their standard output",
    requires: 'Vela does not install Python packages',
    ms_execute_mode: 'MindSpore settings do not apply to TensorFlow.js',
    dataset_sink_mode: 'MindSpore settings do not apply to TensorFlow.js',
    env: "workers run with their own host's environment",
  },
  worker: {
    timeout: 'a trial holds a lease renewed by its worker; an expired lease returns the trial to the queue',
    eval_count: 'Vela evaluates on the worker that trains the trial',
    evaluate_timeout: 'Vela evaluates on the worker that trains the trial',
  },
  task: {
    task_id: 'Vela names each run itself (runs/{run})',
  },
  trainer: {
    cuda: TFJS_DEVICE,
    amp: TFJS_DEVICE,
    opt_level: TFJS_DEVICE,
    distributed: 'each trial trains in one process on one worker',
    sync_batchnorm: 'each trial trains in one process on one worker',
    is_detection_trainer: 'Vela has no detection trainer; the trainer type decides the training loop',
  },
  dataset_mode: {
    num_workers: 'Vela loads data in the training process',
    pin_memory: 'Vela loads data in the training process',
    distributed: 'each trial trains in one process on one worker',
    download: 'Vela never downloads data at run time; data_path must hold the files',
  },
  evaluator: {
    device_evaluator: 'Vela evaluates on the worker that trains the trial and measures latency there',
  },
  host_evaluator: {
    cuda: TFJS_DEVICE,
  },
} as const satisfies Record<string, Record<string, string>>;

type SectionKind = keyof typeof RUNTIME_ONLY_KEYS;

/** The mappings that can hold runtime-only keys, located in the (unresolved) config tree. */
function sectionsOf(root: Record<string, unknown>): { kind: SectionKind; path: ConfigPath }[] {
  const sections: { kind: SectionKind; path: ConfigPath }[] = [
    { kind: 'root', path: [] },
    { kind: 'general', path: ['general'] },
    { kind: 'worker', path: ['general', 'worker'] },
    { kind: 'task', path: ['general', 'task'] },
  ];
  for (const [step, body] of Object.entries(root)) {
    if (step === 'general' || step === 'pipeline' || !isPlainMapping(body)) continue;
    sections.push({ kind: 'trainer', path: [step, 'trainer'] }, { kind: 'evaluator', path: [step, 'evaluator'] }, { kind: 'host_evaluator', path: [step, 'evaluator', 'host_evaluator'] });
    sections.push({ kind: 'dataset_mode', path: [step, 'dataset'] });
    for (const mode of DATASET_MODES) sections.push({ kind: 'dataset_mode', path: [step, 'dataset', mode] });
  }
  return sections;
}

function mappingAt(root: Record<string, unknown>, path: ConfigPath): Record<string, unknown> | undefined {
  let current: unknown = root;
  for (const segment of path) current = isPlainMapping(current) ? current[segment as string] : undefined;
  return isPlainMapping(current) ? current : undefined;
}

/** Removes runtime-only keys from `root` (in place) and returns one warning per key. */
export function stripRuntimeOnlyKeys(root: Record<string, unknown>, sources: SourceMap): ConfigWarning[] {
  const found = new Map<string, { reason: string; places: ConfigPath[] }>();
  for (const { kind, path } of sectionsOf(root)) {
    const section = mappingAt(root, path);
    if (!section) continue;
    const reasons: Readonly<Record<string, string>> = RUNTIME_ONLY_KEYS[kind];
    for (const key of Object.keys(section)) {
      if (!Object.hasOwn(reasons, key)) continue;
      const group = `${kind}.${key}`;
      const entry = found.get(group) ?? { reason: reasons[key], places: [] };
      entry.places.push([...path, key]);
      found.set(group, entry);
      delete section[key];
    }
  }
  return [...found.values()].map(({ reason, places }) => {
    const [first, ...others] = places;
    const origin = sources.originOf(first);
    const more = others.length ? ` (and ${others.map(formatPath).join(', ')})` : '';
    return {
      path: formatPath(first),
      line: origin?.kind === 'file' ? origin.line : undefined,
      paths: places.map(formatPath),
      message: `${sources.describe(first)}${more}: ignored, as it matters only to Vega's Python runtime; ${reason}`,
    };
  });
}
