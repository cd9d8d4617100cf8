import { z } from 'zod';
import { intSetting, parseSettings } from '../core/settings';
import { evolutionPolicyShape } from '../evolution/evolution.settings';

/** PruneEA `policy:` keys: Vega's (`length`, `num_generation`, `num_individual`, `random_samples`) and the EA's. */
export const pruneEaPolicy = z.strictObject({
  ...evolutionPolicyShape,
  /** Code length: the channels of base_chn plus base_chn_node (checked by PruneCodec). */
  length: intSetting(1).optional(),
});

export type PruneEaPolicy = z.infer<typeof pruneEaPolicy>;

export function parsePruneEaSettings(raw: unknown, path: string) {
  return parseSettings(raw, pruneEaPolicy, path, { codec: true });
}
