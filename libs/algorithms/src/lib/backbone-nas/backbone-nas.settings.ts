import { z } from 'zod';
import { intSetting, numberSetting, parseSettings } from '../core/settings';

/** BackboneNas `policy:` keys (Vega's). */
export const backboneNasPolicy = z.strictObject({
  /** Genes changed when mutating the best architecture. */
  num_mutate: intSetting(1).default(10),
  /** Probability of a random architecture instead of a mutation. */
  random_ratio: numberSetting(0, 1).default(0.2),
  epochs: intSetting(1).optional(),
});

/** BackboneNas `range:` keys (Vega's). */
export const backboneNasRange = z.strictObject({
  /** Architectures in all. */
  max_sample: intSetting(1).default(100),
  /** Random architectures before mutating. */
  min_sample: intSetting(1).default(10),
});

export type BackboneNasPolicy = z.infer<typeof backboneNasPolicy>;

export function parseBackboneNasSettings(raw: unknown, path: string) {
  return parseSettings(raw, backboneNasPolicy, path, { codec: true, sections: { range: backboneNasRange } });
}
