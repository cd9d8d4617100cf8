import { InvalidArgumentError } from '@vela/errors';
import { registry } from '@vela/registry';
import { SearchSpace, isPlainObject, show } from '@vela/search-space';
import { Codec, SearchAlgorithm } from './types';

/**
 * Builds the search algorithm a raw `search_algorithm` config section names (`type:` is
 * looked up in the registry, Vela names and Vega aliases alike), over a space built from the
 * raw `search_space` section:
 *
 * ```ts
 * const space = SearchSpace.fromConfig(step.search_space);
 * const algorithm = createSearchAlgorithm(step.search_algorithm, space, { seed: 7 });
 * ```
 */
export function createSearchAlgorithm(settings: unknown, space: SearchSpace, options: { seed?: number; path?: string } = {}): SearchAlgorithm {
  const path = options.path ?? 'search_algorithm';
  if (!isPlainObject(settings) || typeof settings['type'] !== 'string') {
    throw new InvalidArgumentError(`must be a mapping with a type (e.g. RandomSearch), got ${show(settings)}`, `${path}.type`);
  }
  const entry = registry.get('search_algorithm', settings['type'], `${path}.type`);
  return entry.factory({ space, settings, seed: options.seed ?? 0, path });
}

/** The codec a `codec:` name selects, for the algorithms that use one. */
export function createCodec(name: string, space: SearchSpace, policy: Readonly<Record<string, unknown>>, path: string): Codec {
  return registry.get('codec', name, `${path}.codec`).factory({ space, policy, path });
}
