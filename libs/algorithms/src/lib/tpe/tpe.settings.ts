import { z } from 'zod';
import { booleanSetting, intSetting, numberSetting, parseSettings } from '../core/settings';

/** TPE `policy:` keys (Optuna's TPESampler arguments, in Vega's snake case). */
export const tpePolicy = z.strictObject({
  num_sample: intSetting(1).default(100),
  /** Random trials before TPE starts modelling. */
  n_startup_trials: intSetting(0).default(10),
  /** Candidates drawn from l(x) per suggestion; the one maximising l(x)/g(x) wins. */
  n_ei_candidates: intSetting(1, 10_000).default(24),
  /** Joint kernels per group of parameters (true) or one independent estimator per parameter. */
  multivariate: booleanSetting().default(true),
  /** Trials in flight count as bad results (so parallel suggestions spread out). */
  constant_liar: booleanSetting().default(true),
  prior_weight: numberSetting(0, undefined, true).default(1),
  /** Fraction of completed trials in the good group (at most `max_below` of them). */
  gamma: numberSetting(0, 1, true).default(0.15),
  max_below: intSetting(1).default(25),
  /** Kernel bandwidths: `neighbour` (gaps to neighbouring observations, per dimension) or `scott` (Optuna's multivariate rule). */
  bandwidth: z.enum(['neighbour', 'scott'], { error: 'must be neighbour or scott' }).default('neighbour'),
  /** Fraction of the candidates drawn one dimension at a time (recombining good trials' coordinates). */
  recombination: numberSetting(0, 1).default(1),
  epochs: intSetting(1).optional(),
});

export type TpePolicy = z.infer<typeof tpePolicy>;

export function parseTpeSettings(raw: unknown, path: string) {
  return parseSettings(raw, tpePolicy, path);
}
