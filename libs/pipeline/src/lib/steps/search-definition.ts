import type { PipelineStepConfig } from '@vela/config';

/** What a search step's config defines for the generator's CreateSearch. */
export interface StepSearch {
  /** The registered algorithm (`search_algorithm.type`). */
  readonly algorithm: string;
  /** The algorithm's settings: the section less the seed (the search's own field) and early stopping (the master applies it). */
  readonly settings: Record<string, unknown>;
  readonly searchSpace: Record<string, unknown>;
  /** `search_algorithm.seed`, else `general.seed`. */
  readonly seed: number;
}

/** The search a step defines; the step must have `search_algorithm` and `search_space`. */
export function searchOf(step: PipelineStepConfig, generalSeed: number): StepSearch {
  const { type, seed, early_stopping: _earlyStopping, ...rest } = step.search_algorithm as { type: string; seed?: number; early_stopping?: unknown } & Record<string, unknown>;
  return { algorithm: type, settings: { type, ...rest }, searchSpace: step.search_space as Record<string, unknown>, seed: seed ?? generalSeed };
}
