import { z } from 'zod';
import { intSetting, numberSetting, parseSettings } from '../core/settings';

/** PBT `policy:` keys (Vega's PBTHpo: `each_epochs`, `config_count`, `total_rungs`). */
export const pbtPolicy = z.strictObject({
  /** Epochs each member trains between two exploit/explore steps. */
  each_epochs: intSetting(1).default(3),
  /** Population size. */
  config_count: intSetting(2).default(16),
  /** Rounds of training (so each lineage trains each_epochs × total_rungs epochs). */
  total_rungs: intSetting(1).default(20),
  /** Fraction of the population replaced each round (bottom) and copied from (top). */
  exploit_fraction: numberSetting(0, 0.5, true).default(0.2),
  /** Probability that explore resamples a parameter instead of perturbing it. */
  resample_probability: numberSetting(0, 1).default(0.25),
  /** Factors a numeric parameter is multiplied by when perturbed. */
  perturb_factors: z.array(numberSetting(0, undefined, true), { error: 'must be a list of positive numbers' }).min(1, 'must list at least one factor').default([0.8, 1.2]),
});

export type PbtPolicy = z.infer<typeof pbtPolicy>;

export function parsePbtSettings(raw: unknown, path: string) {
  return parseSettings(raw, pbtPolicy, path);
}
