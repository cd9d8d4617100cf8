import { z } from 'zod';
import { intSetting, parseSettings } from '../core/settings';

/** Regularized evolution `policy:` keys. */
export const regularizedEvolutionPolicy = z.strictObject({
  /** Trials in all (the paper's cycles plus the initial population). */
  num_sample: intSetting(1).default(100),
  /** Population size P: the most recent P completed individuals. */
  num_individual: intSetting(2).default(20),
  /** Tournament sample size S. */
  sample_size: intSetting(1).default(5),
  epochs: intSetting(1).optional(),
});

export type RegularizedEvolutionPolicy = z.infer<typeof regularizedEvolutionPolicy>;

export function parseRegularizedEvolutionSettings(raw: unknown, path: string) {
  return parseSettings(raw, regularizedEvolutionPolicy, path, { codec: true });
}
