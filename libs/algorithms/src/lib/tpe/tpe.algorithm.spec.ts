import { Point, SearchSpace } from '@vela/search-space';
import { createSearchAlgorithm } from '../core/create';
import { SearchAlgorithm } from '../core/types';
import '../../registry';

const space = SearchSpace.fromConfig({
  hyperparameters: [
    { key: 'x', type: 'FLOAT', range: [-5, 10] },
    { key: 'y', type: 'FLOAT', range: [0, 15] },
    { key: 'kind', type: 'CATEGORY', range: ['a', 'b', 'c'] },
  ],
});

/** Branin plus a penalty unless kind is 'b'. */
function objective(p: Point): number {
  const x = p['x'] as number;
  const y = p['y'] as number;
  const branin = (y - (5.1 / (4 * Math.PI ** 2)) * x ** 2 + (5 / Math.PI) * x - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x) + 10;
  return branin + (p['kind'] === 'b' ? 0 : 5);
}

function bestAfter(algorithm: SearchAlgorithm, trials: number, parallel = 1): number {
  let best = Infinity;
  for (let t = 0; t < trials; t += parallel) {
    const batch = algorithm.suggest(parallel).map((s, i) => ({ ...s, trialId: `t${t + i}` }));
    algorithm.observe(batch.map((s) => ({ trialId: s.trialId, attempt: 1, epoch: 0, state: 'PENDING' as const, suggestion: s })));
    for (const s of batch) {
      const value = objective(s.point);
      best = Math.min(best, value);
      algorithm.observe([{ trialId: s.trialId, attempt: 1, epoch: 1, state: 'SUCCEEDED', final: true, objectives: [{ key: 'loss', value, goal: 'MINIMIZE' }] }]);
    }
  }
  return best;
}

describe('TpeAlgorithm', () => {
  it('converges well past random search on a short budget (fixed seeds)', () => {
    const seeds = [0, 1, 2, 3, 4];
    const tpe = seeds.map((seed) => bestAfter(createSearchAlgorithm({ type: 'TPE', policy: { num_sample: 40 } }, space, { seed }), 40));
    const random = seeds.map((seed) => bestAfter(createSearchAlgorithm({ type: 'random', policy: { num_sample: 40 } }, space, { seed }), 40));
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[2];
    expect(median(tpe)).toBeLessThan(1.5);
    expect(median(tpe)).toBeLessThan(median(random));
  });

  it('keeps parallel suggestions apart (constant liar) and still converges', () => {
    const algorithm = createSearchAlgorithm({ type: 'tpe', policy: { num_sample: 48 } }, space, { seed: 9 });
    expect(bestAfter(algorithm, 48, 4)).toBeLessThan(3);
  });

  it('validates its policy', () => {
    expect(() => createSearchAlgorithm({ type: 'tpe', policy: { gamma: 0, bandwidth: 'wide' } }, space)).toThrow(
      /search_algorithm\.policy\.gamma: must be a number in \(0, 1\], got 0[\s\S]*search_algorithm\.policy\.bandwidth: must be neighbour or scott, got 'wide'/,
    );
  });
});
