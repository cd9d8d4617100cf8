import { InvalidArgumentError, ValidationErrors, closestMatch } from '@vela/errors';
import { isPlainObject, show } from '@vela/search-space';
import { z } from 'zod';
import { intSetting, numberSetting } from '../core/settings';

/** Names of the stopping rules, with Optuna's and Katib's spellings as aliases. */
export const STOPPING_RULES: Readonly<Record<string, 'median' | 'percentile'>> = {
  median: 'median',
  MedianPruner: 'median',
  medianstop: 'median',
  percentile: 'percentile',
  PercentilePruner: 'percentile',
};

/** Stopping rule settings. Defaults are Optuna's MedianPruner/PercentilePruner's. */
export const stoppingSettings = z.strictObject({
  type: z.string(),
  /** Stop a trial whose best value so far is worse than this percentile of the others at the same epoch (50 for median). */
  percentile: numberSetting(0, 100).optional(),
  /** Completed trials needed before any trial is stopped (Optuna's n_startup_trials; Katib's min_trials_required is 3). */
  startup_trials: intSetting(0).default(5),
  /** Epochs before which no trial is stopped (Optuna's n_warmup_steps; Katib's start_step is 4). */
  warmup_steps: intSetting(0).default(0),
  /** Completed trials that must have reported the epoch being judged. */
  min_trials: intSetting(1).default(1),
  /** Compare with the others' value at the epoch (Optuna) or their running average up to it (Katib's median stop). */
  compare: z.enum(['value', 'running_average'], { error: 'must be value or running_average' }).default('value'),
  /** The objective judged (default: the first each record reports). */
  objective_key: z.string().min(1, 'must be a metric name').optional(),
});

export type StoppingSettings = z.infer<typeof stoppingSettings> & { readonly rule: 'median' | 'percentile'; readonly percentile: number };

/** Parses a stopping rule section, every problem at once, each naming its key. */
export function parseStoppingSettings(raw: unknown, path = 'early_stopping'): StoppingSettings {
  if (!isPlainObject(raw)) throw new InvalidArgumentError(`must be a mapping with a type (median or percentile), got ${show(raw)}`, path);
  const type = String(raw['type'] ?? '');
  const rule = STOPPING_RULES[type] ?? STOPPING_RULES[Object.keys(STOPPING_RULES).find((name) => name.toLowerCase() === type.toLowerCase()) ?? ''];
  const problems: string[] = [];
  if (!rule) {
    const closest = closestMatch(type, Object.keys(STOPPING_RULES));
    problems.push(`${path}.type: unknown stopping rule ${show(raw['type'])}${closest ? ` (did you mean '${closest}'?)` : ''}; known: ${Object.keys(STOPPING_RULES).join(', ')}`);
  }
  const result = stoppingSettings.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          const closest = closestMatch(key, Object.keys(stoppingSettings.shape));
          problems.push(`${path}.${key}: unknown key${closest ? ` (did you mean '${closest}'?)` : ''}`);
        }
      } else problems.push(`${path}.${issue.path.join('.')}: ${issue.message}, got ${show(raw[String(issue.path[0])])}`);
    }
  }
  if (rule === 'percentile' && raw['percentile'] === undefined) problems.push(`${path}.percentile: the percentile rule needs a percentile in [0, 100]`);
  if (problems.length > 0 || !result.success) throw new ValidationErrors(problems);
  return { ...result.data, rule: rule as 'median' | 'percentile', percentile: rule === 'median' ? 50 : (result.data.percentile as number) };
}
