import { z } from 'zod';
import { fidelityPolicy } from '../core/fidelity';
import { intSetting, parseSettings } from '../core/settings';

/** ASHA `policy:` keys (Vega's AshaHpo). */
export const ashaPolicy = z.strictObject({
  ...fidelityPolicy,
  /** How many configurations to start at the first rung. */
  config_count: intSetting(1).default(100),
});

export type AshaPolicy = z.infer<typeof ashaPolicy>;

export function parseAshaSettings(raw: unknown, path: string) {
  return parseSettings(raw, ashaPolicy, path);
}
