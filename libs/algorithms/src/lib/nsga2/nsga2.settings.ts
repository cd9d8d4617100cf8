import { z } from 'zod';
import { intSetting, numberSetting, parseSettings } from '../core/settings';

/** NSGA-II `policy:` keys. */
export const nsga2Policy = z.strictObject({
  /** Population size N. */
  num_individual: intSetting(2).default(20),
  /** Generations after the random first one. */
  num_generation: intSetting(1).default(10),
  crossover_rate: numberSetting(0, 1).default(0.9),
  /** Per-gene mutation probability (default 1/genes). */
  mutation_rate: numberSetting(0, 1).optional(),
  /** Distribution index of simulated binary crossover. */
  eta_crossover: numberSetting(0).default(15),
  /** Distribution index of polynomial mutation. */
  eta_mutation: numberSetting(0).default(20),
  epochs: intSetting(1).optional(),
});

export type Nsga2Policy = z.infer<typeof nsga2Policy>;

export function parseNsga2Settings(raw: unknown, path: string) {
  return parseSettings(raw, nsga2Policy, path, { codec: true });
}
