import { SearchSpace } from '@vela/search-space';
import { ALL_TYPES_SPACE } from '@vela/search-space/testing';
import { createSearchAlgorithm } from '../core/create';
import '../../registry';

const space = SearchSpace.fromConfig(ALL_TYPES_SPACE);

describe('RandomAlgorithm', () => {
  it('is found under its Vega name and reads policy.num_sample and epochs', () => {
    const algorithm = createSearchAlgorithm({ type: 'RandomSearch', policy: { num_sample: 3, epochs: 2 } }, space, { seed: 1 });
    const suggestions = algorithm.suggest(10);
    expect(suggestions).toHaveLength(3);
    expect(suggestions.every((s) => s.budget?.epochs === 2)).toBe(true);
  });

  it('reports bad settings with the key and the allowed range, all at once', () => {
    expect(() => createSearchAlgorithm({ type: 'random', policy: { num_sample: 0, epoch: 3 }, objective_key: 'acc' }, space)).toThrow(
      [
        '3 problems:',
        "search_algorithm.objective_key: unknown key (did you mean 'objective_keys'?); allowed: type, policy, objective_keys",
        'search_algorithm.policy.num_sample: must be an integer >= 1, got 0',
        "search_algorithm.policy.epoch: unknown key (did you mean 'epochs'?); known: num_sample, epochs",
      ].join('\n  '),
    );
    expect(() => createSearchAlgorithm({ type: 'RandomSerch' }, space)).toThrow("search_algorithm.type: unknown search algorithm 'RandomSerch'; did you mean 'RandomSearch'?");
  });
});
