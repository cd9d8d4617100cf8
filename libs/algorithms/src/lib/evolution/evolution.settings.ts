import { z } from 'zod';
import { intSetting, numberSetting, parseSettings } from '../core/settings';

/** EvolutionAlgorithm `policy:` keys (Vega's EA family). */
export const evolutionPolicyShape = {
  /** Individuals per generation (the population). */
  num_individual: intSetting(1).default(10),
  /** Generations after the random ones. */
  num_generation: intSetting(1).default(10),
  /** Random individuals first (default: num_individual). */
  random_samples: intSetting(1).optional(),
  /** Per-gene mutation probability (default 1/genes; at least one gene always mutates). */
  mutation_rate: numberSetting(0, 1).optional(),
  /** Probability that a child mixes two parents (uniform crossover) before mutation. */
  crossover_rate: numberSetting(0, 1).default(0.6),
  /** Parents are the winners of tournaments of this size among the best `num_individual`. */
  tournament_size: intSetting(1).default(2),
  epochs: intSetting(1).optional(),
};

export const evolutionPolicy = z.strictObject(evolutionPolicyShape);
export type EvolutionPolicy = z.infer<typeof evolutionPolicy>;

export function parseEvolutionSettings(raw: unknown, path: string) {
  return parseSettings(raw, evolutionPolicy, path, { codec: true });
}
