import { Point, SearchSpace } from '@vela/search-space';
import { driveSearch, pointNoise } from '../../testing';
import { createSearchAlgorithm } from '../core/create';
import '../../registry';

/** A discrete network-like space: 8 choices of 4 options, as depth/width/kernel/op choices. */
const keys = ['d1', 'd2', 'd3', 'w1', 'w2', 'w3', 'k1', 'op'];
const space = SearchSpace.fromConfig({
  modules: ['backbone'],
  backbone: Object.fromEntries(keys.map((key) => [key, [0, 1, 2, 3]])),
});

/** An NK-style landscape: each gene's contribution depends on it and its neighbour. */
function accuracy(p: Point): number {
  const genes = keys.map((key) => p[`network.backbone.${key}`] as number);
  let total = 0;
  genes.forEach((g, i) => (total += pointNoise({ i, g, next: genes[(i + 1) % genes.length] }, 'nk')));
  return total / genes.length;
}

function best(type: string, settings: object, seed: number): number {
  const algorithm = createSearchAlgorithm({ type, ...settings }, space, { seed });
  const { observations } = driveSearch(algorithm, { parallel: 2, trials: 80, objective: (p) => accuracy(p) });
  return Math.max(...observations.filter((o) => o.final).map((o) => o.objectives?.[0].value ?? -Infinity));
}

describe('evolutionary algorithms against random on a discrete network-like space', () => {
  const seeds = [0, 1, 2, 3, 4];
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[2];
  const random = median(seeds.map((seed) => best('random', { policy: { num_sample: 80 } }, seed)));

  it.each([
    ['EvolutionAlgorithm', { policy: { num_individual: 10, num_generation: 7 } }],
    ['RegularizedEvolution', { policy: { num_sample: 80, num_individual: 12, sample_size: 4 } }],
    ['BackboneNas', { policy: { num_mutate: 1 }, range: { max_sample: 80, min_sample: 10 } }],
  ])('%s beats random at 80 trials (median of 5 seeds)', (type, settings) => {
    expect(median(seeds.map((seed) => best(type, settings, seed)))).toBeGreaterThan(random);
  });

  it('suggests codes with their decoded points and generations', () => {
    const algorithm = createSearchAlgorithm({ type: 'evolution', policy: { num_individual: 3, num_generation: 2 } }, space, { seed: 1 });
    const { suggestions } = driveSearch(algorithm, { parallel: 2 });
    expect(suggestions).toHaveLength(9);
    expect(suggestions.map((s) => s.info?.['generation'])).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    for (const s of suggestions) expect(s.code).toHaveLength(8);
  });
});
