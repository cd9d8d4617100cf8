import { z } from 'zod';
import { fidelityPolicy } from '../core/fidelity';
import { intSetting, numberSetting, parseSettings } from '../core/settings';

/** BOHB `policy:` keys (Vega's BohbHpo). */
export const bohbPolicy = z.strictObject({
  ...fidelityPolicy,
  repeat_times: intSetting(1).default(1),
  /** Fraction of configurations drawn at random, whatever the model says (BOHB's ρ). */
  random_fraction: numberSetting(0, 1).default(1 / 3),
  /** Results a budget needs before its model is used (default: parameters + 1). */
  min_points_in_model: intSetting(2).optional(),
  n_ei_candidates: intSetting(1, 10_000).default(24),
});

export type BohbPolicy = z.infer<typeof bohbPolicy>;

export function parseBohbSettings(raw: unknown, path: string) {
  return parseSettings(raw, bohbPolicy, path);
}
