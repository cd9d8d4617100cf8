import { registry } from '@vela/registry';
import { SearchSpace } from '@vela/search-space';
import { algorithmCapabilityTable } from './capabilities';
import { createSearchAlgorithm } from './create';
import '../../registry';

describe('createSearchAlgorithm', () => {
  it('builds a search from the raw config sections, as the generator does', () => {
    const step = {
      search_space: {
        type: 'SearchSpace',
        hyperparameters: [
          { key: 'trainer.optimizer.params.lr', type: 'FLOAT_EXP', range: [1e-5, 0.1] },
          { key: 'dataset.batch_size', type: 'CATEGORY', range: [32, 64, 128] },
        ],
      },
      search_algorithm: { type: 'AshaHpo', objective_keys: 'accuracy', policy: { total_epochs: 9, config_count: 4 } },
    };
    const algorithm = createSearchAlgorithm(step.search_algorithm, SearchSpace.fromConfig(step.search_space), { seed: 7 });
    expect(algorithm.name).toBe('asha');
    const [first] = algorithm.suggest(1);
    expect(first.budget).toEqual({ epochs: 1 });
    expect(first.hyperparameters).toEqual({
      trainer: { optimizer: { params: { lr: first.point['trainer.optimizer.params.lr'] } } },
      dataset: { batch_size: first.point['dataset.batch_size'] },
    });
  });

  it('names the field when the section or its type is wrong', () => {
    const space = SearchSpace.fromConfig({ hyperparameters: [{ key: 'x', type: 'FLOAT', range: [0, 1] }] });
    expect(() => createSearchAlgorithm({ policy: {} }, space)).toThrow('search_algorithm.type: must be a mapping with a type');
    expect(() => createSearchAlgorithm({ type: 'Ashaa' }, space, { path: 'hpo.search_algorithm' })).toThrow("hpo.search_algorithm.type: unknown search algorithm 'Ashaa'; did you mean 'asha'?");
  });

  it('generates the capability table from the registry, marking experimental entries', () => {
    registry.register('search_algorithm', 'throwaway', (c) => createSearchAlgorithm({ type: 'random' }, c.space), { experimental: true, capabilities: { conditions: false } });
    try {
      const table = algorithmCapabilityTable();
      expect(table).toContain('| `tpe` | `TPE`, `TpeHpo` | ✓ |');
      expect(table).toContain('| `throwaway` (experimental) |');
    } finally {
      registry.unregister('search_algorithm', 'throwaway');
    }
  });
});
