import { z } from 'zod';
import { intSetting, parseSettings } from '../core/settings';

/** RandomSearch `policy:` keys. */
export const randomPolicy = z.strictObject({
  /** How many trials to run (Vega's `num_sample`). */
  num_sample: intSetting(1).default(100),
  /** A fixed training budget per trial; absent means the trainer's own `epochs`. */
  epochs: intSetting(1).optional(),
});

export type RandomPolicy = z.infer<typeof randomPolicy>;

export function parseRandomSettings(raw: unknown, path: string) {
  return parseSettings(raw, randomPolicy, path);
}
