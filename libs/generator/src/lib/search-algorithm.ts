import { createSearchAlgorithm, type Observation, type SearchAlgorithm, type Suggestion } from '@vela/algorithms';
import type { DomainObservation, DomainSuggestion, SearchDefinition } from '@vela/contracts';
import { InvalidArgumentError } from '@vela/errors';
import { registry } from '@vela/registry';
import { isUuid } from '@vela/records';
import { SearchSpace, show } from '@vela/search-space';
// Registers `remote` before any search is built.
import { REMOTE_ALGORITHM } from './remote.algorithm';

// @vela/contracts describes the algorithms' Suggestion and Observation by their shape (it
// cannot depend on @vela/algorithms); this stops compiling when the two drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type ContractsMatchAlgorithms = Assert<Same<Suggestion, DomainSuggestion> & Same<Observation, DomainObservation>>;

/** A lower-cased uuid, or INVALID_ARGUMENT naming `field`. */
export function checkId(value: string | undefined, field: string, what: string): string {
  if (!value) throw new InvalidArgumentError('is required', field);
  if (!isUuid(value)) throw new InvalidArgumentError(`must be ${what} id (a uuid), got '${value}'`, field);
  return value.toLowerCase();
}

/**
 * The `search_algorithm` section the algorithm is built from: the settings with the search's
 * algorithm as `type` and, unless the settings name them, the search's objectives as
 * `objective_keys` (so the algorithm optimises what the step optimises). A plug-in (`remote`)
 * also gets the objectives with their goals, which its contract carries.
 */
export function algorithmSection(definition: SearchDefinition): Record<string, unknown> {
  const declared = definition.settings['type'];
  if (declared !== undefined && declared !== definition.algorithm) {
    throw new InvalidArgumentError(`names ${show(declared)} but the search's algorithm is '${definition.algorithm}'; leave it out or make them equal`, 'search.settings.type');
  }
  const objectiveKeys = definition.settings['objective_keys'] ?? (definition.objectives.length > 0 ? definition.objectives.map((o) => o.key) : undefined);
  const remote = registry.find('search_algorithm', definition.algorithm)?.name === REMOTE_ALGORITHM;
  return {
    ...definition.settings,
    type: definition.algorithm,
    ...(objectiveKeys === undefined ? {} : { objective_keys: objectiveKeys }),
    ...(remote && definition.settings['objectives'] === undefined ? { objectives: definition.objectives.map((o) => ({ key: o.key, goal: o.goal })) } : {}),
  };
}

/**
 * A fresh algorithm for a search: its space and settings checked by the libs (errors name the
 * config key, e.g. `search_algorithm.policy.num_sample` or `search_space.hyperparameters[0].range`),
 * seeded with the search's seed, having seen nothing yet.
 */
export function buildSearchAlgorithm(definition: SearchDefinition): SearchAlgorithm {
  if (!Number.isSafeInteger(definition.seed)) throw new InvalidArgumentError(`must be an integer of at most 53 bits, got ${show(definition.seed)}`, 'search.seed');
  const space = SearchSpace.fromConfig(definition.searchSpace, 'search_space');
  return createSearchAlgorithm(algorithmSection(definition), space, { seed: definition.seed, path: 'search_algorithm' });
}
