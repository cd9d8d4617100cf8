import { Point, SearchSpace } from '@vela/search-space';
import { driveSearch, pointNoise } from '../../testing';
import { createSearchAlgorithm } from './create';
import { rungBudgets } from './fidelity';
import '../../registry';

describe('rungBudgets', () => {
  it('spaces rungs by eta up to the largest budget', () => {
    expect(rungBudgets(1, 81, 3)).toEqual([1, 3, 9, 27, 81]);
    expect(rungBudgets(1, 9, 3)).toEqual([1, 3, 9]);
    expect(rungBudgets(2, 50, 3)).toEqual([6, 17, 50]);
    expect(rungBudgets(5, 5, 3)).toEqual([5]);
  });
});

const space = SearchSpace.fromConfig({
  hyperparameters: [
    { key: 'x', type: 'FLOAT', range: [0, 1] },
    { key: 'y', type: 'FLOAT', range: [0, 1] },
    { key: 'z', type: 'FLOAT', range: [0, 1] },
    { key: 'w', type: 'FLOAT', range: [0, 1] },
  ],
});

/** The full-budget loss of a point: a smooth bowl with its minimum 0 at (0.3, 0.7, 0.5, 0.2). */
const trueLoss = (p: Point) => ((p['x'] as number) - 0.3) ** 2 + ((p['y'] as number) - 0.7) ** 2 + ((p['z'] as number) - 0.5) ** 2 + ((p['w'] as number) - 0.2) ** 2;

/** Cheap fidelities are biased (a per-point offset shrinking as 1/epoch) and noisier. */
const multiFidelity = (p: Point, epoch: number) => trueLoss(p) + (0.1 * pointNoise(p, 'bias')) / epoch + (0.1 * (pointNoise({ ...p, epoch }, 'noise') - 0.5)) / Math.sqrt(epoch);

const MAX_EPOCHS = 27;

/** The true loss of the best trial trained to the full budget, at a total of `epochBudget` epochs. */
function bestAtFullBudget(type: string, seed: number, epochBudget: number): number {
  const policy = type === 'random' ? { num_sample: 1000, epochs: MAX_EPOCHS } : { total_epochs: MAX_EPOCHS, ...(type === 'asha' ? { config_count: 1000 } : { repeat_times: 10 }) };
  const algorithm = createSearchAlgorithm({ type, policy }, space, { seed });
  const { observations } = driveSearch(algorithm, { parallel: 4, epochBudget, objective: multiFidelity, objectives: [{ key: 'loss', goal: 'MINIMIZE' }] });
  let best = Infinity;
  for (const o of observations) if (o.final && o.epoch === MAX_EPOCHS) best = Math.min(best, trueLoss(o.suggestion ? o.suggestion.point : (observations.find((p) => p.trialId === o.trialId && p.suggestion)?.suggestion?.point as Point)));
  return best;
}

describe('multi-fidelity algorithms against random search at equal total epochs', () => {
  const seeds = [0, 1, 2];
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[1];
  const budget = MAX_EPOCHS * 12;
  const random = median(seeds.map((seed) => bestAtFullBudget('random', seed, budget)));

  it.each([['asha'], ['hyperband'], ['bohb']])('%s finds a better full-budget trial than random', (type) => {
    const found = median(seeds.map((seed) => bestAtFullBudget(type, seed, budget)));
    expect(found).toBeLessThan(random);
  });
});
