import { z } from 'zod';
import { intSetting, parseSettings } from '../core/settings';

/** GridSearch `policy:` keys. */
export const gridPolicy = z.strictObject({
  /** Stop after this many grid points (default: the whole grid). */
  num_sample: intSetting(1).optional(),
  epochs: intSetting(1).optional(),
});

export type GridPolicy = z.infer<typeof gridPolicy>;

export function parseGridSettings(raw: unknown, path: string) {
  return parseSettings(raw, gridPolicy, path);
}
