import { SearchSpace } from '@vela/search-space';
import { driveSearch } from '../../testing';
import { createSearchAlgorithm } from '../core/create';
import '../../registry';

const space = SearchSpace.fromConfig({
  hyperparameters: [
    { key: 'opt', type: 'CATEGORY', range: ['SGD', 'Adam'] },
    { key: 'momentum', type: 'FLOAT', range: [0, 0.9], slice: 2 },
    { key: 'lr', type: 'FLOAT_EXP', range: [0.001, 0.1], slice: 3 },
  ],
  condition: [{ child: 'momentum', parent: 'opt', type: 'EQUAL', range: ['SGD'] }],
  forbidden: [{ opt: 'Adam', lr: 0.1 }],
});

describe('GridAlgorithm', () => {
  it('walks the whole grid once, in order, then completes', () => {
    const algorithm = createSearchAlgorithm({ type: 'GridSearch' }, space, { seed: 1 });
    const { suggestions } = driveSearch(algorithm, { parallel: 3 });
    expect(algorithm.isCompleted).toBe(true);
    expect(suggestions.map((s) => s.point)).toEqual([...space.grid()]);
    expect(suggestions).toHaveLength(2 * 3 + 2);
    expect(suggestions.map((s) => s.info?.['gridIndex'])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('stops at num_sample and refuses an unbounded grid without one', () => {
    expect(createSearchAlgorithm({ type: 'grid', policy: { num_sample: 3 } }, space).suggest(10)).toHaveLength(3);
    const huge = SearchSpace.fromConfig({ hyperparameters: [{ key: 'mask', type: 'BINARY_CODE', range: [30] }] });
    expect(() => createSearchAlgorithm({ type: 'grid' }, huge)).toThrow('the grid has more than 1000000 points');
    expect(createSearchAlgorithm({ type: 'grid', policy: { num_sample: 2 } }, huge).suggest(2)).toHaveLength(2);
  });
});
