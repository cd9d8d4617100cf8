import { z } from 'zod';
import { QuotaSyntaxError, parseQuota } from '../quota';
import { nonEmptyString, nonNegativeInteger, positiveInteger, section } from './schema-kit';

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** A wall-clock budget: seconds as a number, or `90s`, `30m`, `2h`, `1d`. Read as seconds. */
const durationSeconds = z.union([z.number().gt(0), z.string()]).transform((value, context) => {
  if (typeof value === 'number') return value;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$/.exec(value);
  if (!match || Number(match[1]) <= 0) {
    context.addIssue({ code: 'custom', message: `expected a duration such as 90s, 30m, 2h or 1d (or seconds as a number), found '${value}'` });
    return z.NEVER;
  }
  return Number(match[1]) * DURATION_UNITS[match[2]];
});

/** `general.quota`: a constraint string parsed into an expression (never evaluated as code). */
const quotaSchema = z.string().transform((text, context) => {
  try {
    return { text, expression: parseQuota(text) };
  } catch (error) {
    if (!(error instanceof QuotaSyntaxError)) throw error;
    context.addIssue({ code: 'custom', message: `in '${text}' at column ${error.column}: ${error.detail} (a quota reads like "flops < 1.6 and params < 1e10")` });
    return z.NEVER;
  }
});

export const OBJECTIVE_GOALS = ['MAXIMIZE', 'MINIMIZE'] as const;

/** Run limits (Vela's, in the spirit of Katib's maxTrialCount / maxFailedTrialCount / parallelTrialCount). Absent means unlimited. */
const limitsSchema = section({
  /** Trials per search step. */
  max_trials: positiveInteger.optional(),
  /** Failed trials in the whole run before it fails (counted by every step). */
  max_failed_trials: nonNegativeInteger.optional(),
  /** Trials of one step running at once. */
  trials_in_flight: positiveInteger.optional(),
  /** Attempts after the first when an attempt fails or its lease goes stale. */
  max_retries: nonNegativeInteger.optional(),
  /** Wall-clock budget of the whole run: search steps stop taking new trials once it is spent (train and benchmark steps run to their end). */
  max_duration: durationSeconds.optional(),
  /** A search step stops once a trial's objective reaches this value. */
  target: section({
    key: nonEmptyString,
    value: z.number(),
    goal: z.preprocess((goal) => (typeof goal === 'string' ? goal.toUpperCase() : goal), z.enum(OBJECTIVE_GOALS)).default('MAXIMIZE'),
  }).optional(),
}).transform(({ max_duration, ...rest }) => ({ ...rest, max_duration_s: max_duration }));

const devicesPerTrainer = nonNegativeInteger;

/** Vega's default task folder. */
export const DEFAULT_LOCAL_BASE_PATH = './tasks';
export const DEFAULT_OUTPUT_SUBPATH = 'output';

/**
 * `general:`. `local_base_path` comes resolved from the loader (it also fills placeholders);
 * `devices_per_trainer` (Vega's, also under `worker:`) is what each trial asks of a worker.
 */
export function generalSchema(localBasePath: string, outputPath: string) {
  return section({
    seed: nonNegativeInteger.optional(),
    devices_per_trainer: devicesPerTrainer.optional(),
    worker: section({ devices_per_trainer: devicesPerTrainer.optional() }).optional(),
    local_base_path: nonEmptyString.optional(),
    task: section({ local_base_path: nonEmptyString.optional(), output_subpath: nonEmptyString.optional() }).optional(),
    quota: quotaSchema.optional(),
    limits: limitsSchema.prefault({}),
  }).transform((general) => ({
    seed: general.seed ?? 0,
    devices_per_trainer: general.devices_per_trainer ?? general.worker?.devices_per_trainer ?? 1,
    local_base_path: localBasePath,
    output_path: outputPath,
    quota: general.quota,
    limits: general.limits,
  }));
}

export function joinPath(base: string, child: string): string {
  return `${base.replace(/\/+$/, '')}/${child.replace(/^\/+/, '')}`;
}

export type GeneralConfig = z.output<ReturnType<typeof generalSchema>>;
