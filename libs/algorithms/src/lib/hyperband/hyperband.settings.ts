import { z } from 'zod';
import { fidelityPolicy } from '../core/fidelity';
import { intSetting, parseSettings } from '../core/settings';

/** Hyperband `policy:` keys. */
export const hyperbandPolicy = z.strictObject({
  ...fidelityPolicy,
  /** How many times to run the whole set of brackets (Vega's `repeat_times`). */
  repeat_times: intSetting(1).default(1),
});

export type HyperbandPolicy = z.infer<typeof hyperbandPolicy>;

export function parseHyperbandSettings(raw: unknown, path: string) {
  return parseSettings(raw, hyperbandPolicy, path);
}
