import { Point, SearchSpace } from '@vela/search-space';
import { driveSearch } from '../../testing';
import { createSearchAlgorithm } from '../core/create';
import '../../registry';

const dims = 6;
const space = SearchSpace.fromConfig({ hyperparameters: Array.from({ length: dims }, (_, i) => ({ key: `x${i}`, type: 'FLOAT', range: [0, 1] })) });

/** ZDT1: both objectives minimised, Pareto front f2 = 1 - sqrt(f1) at x1..x5 = 0. */
function zdt1(p: Point): number[] {
  const x = Array.from({ length: dims }, (_, i) => p[`x${i}`] as number);
  const g = 1 + (9 * x.slice(1).reduce((s, v) => s + v, 0)) / (dims - 1);
  return [x[0], g * (1 - Math.sqrt(x[0] / g))];
}

/** Hypervolume of 2-d minimisation points against the reference (1.1, 11). */
function hypervolume(points: number[][]): number {
  const front = points.filter(([a, b]) => a < 1.1 && b < 11).sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  let volume = 0;
  let bestF2 = 11;
  front.forEach(([f1, f2], i) => {
    if (f2 >= bestF2) return;
    const nextF1 = front.slice(i + 1).find((p) => p[1] < f2)?.[0] ?? 1.1;
    volume += (nextF1 - f1) * (11 - f2);
    bestF2 = f2;
  });
  return volume;
}

function run(type: string, settings: object, seed: number): number {
  const algorithm = createSearchAlgorithm({ type, ...settings }, space, { seed });
  const { observations } = driveSearch(algorithm, {
    parallel: 4,
    trials: 120,
    objective: (p) => zdt1(p),
    objectives: [
      { key: 'f1', goal: 'MINIMIZE' },
      { key: 'f2', goal: 'MINIMIZE' },
    ],
  });
  return hypervolume(observations.filter((o) => o.final).map((o) => (o.objectives ?? []).map((v) => v.value)));
}

describe('Nsga2Algorithm', () => {
  it('reaches a larger ZDT1 hypervolume than random search at equal evaluations', () => {
    const seeds = [0, 1, 2];
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[1];
    // Without objective_keys NSGA-II optimises every objective the records report.
    const nsga = median(seeds.map((seed) => run('NSGAII', { policy: { num_individual: 20, num_generation: 5 } }, seed)));
    const random = median(seeds.map((seed) => run('random', { policy: { num_sample: 120 } }, seed)));
    expect(nsga).toBeGreaterThan(random);
  });
});
