import { SearchSpace } from '@vela/search-space';
import { driveSearch } from '../../testing';
import { createSearchAlgorithm } from '../core/create';
import '../../registry';

const space = SearchSpace.fromConfig({ hyperparameters: [{ key: 'x', type: 'FLOAT', range: [0, 1] }] });

describe('HyperbandAlgorithm', () => {
  it('runs brackets of successive halving with promotions from the rung records', () => {
    const algorithm = createSearchAlgorithm({ type: 'Hyperband', policy: { total_epochs: 9 } }, space, { seed: 1 });
    const { suggestions } = driveSearch(algorithm, { parallel: 4, objective: (p, epoch) => (p['x'] as number) * (epoch / (epoch + 1)) });
    expect(algorithm.isCompleted).toBe(true);
    const count = (bracket: number, epochs: number) => suggestions.filter((s) => s.info?.['bracket'] === bracket && s.budget?.epochs === epochs).length;
    // (s_max + 1) = 3 brackets for budgets [1, 3, 9]: 9 → 3 → 1, 5 → 1, and 3 at full budget.
    expect([count(0, 1), count(0, 3), count(0, 9)]).toEqual([9, 3, 1]);
    expect([count(1, 3), count(1, 9)]).toEqual([5, 1]);
    expect(count(2, 9)).toBe(3);
    const promotions = suggestions.filter((s) => s.continues);
    expect(promotions).toHaveLength(5);
    for (const p of promotions) {
      expect(p.trialId).toBe(p.continues?.trialId);
      expect(p.continues?.checkpoint).toBe(`ckpt/${p.trialId}/${p.continues?.epoch}`);
    }
    // The promoted trial of bracket 0's first rung is the best of its 9 (the largest x).
    const firstRung = suggestions.filter((s) => s.info?.['bracket'] === 0 && s.budget?.epochs === 1);
    const best = [...firstRung].sort((a, b) => (b.point['x'] as number) - (a.point['x'] as number)).slice(0, 3).map((s) => s.trialId);
    expect(suggestions.filter((s) => s.info?.['bracket'] === 0 && s.budget?.epochs === 3).map((s) => s.trialId).sort()).toEqual(best.sort());
  });
});
