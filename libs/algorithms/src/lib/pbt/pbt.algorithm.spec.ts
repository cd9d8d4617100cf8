import { Point, SearchSpace } from '@vela/search-space';
import { driveSearch } from '../../testing';
import { createSearchAlgorithm } from '../core/create';
import '../../registry';

const space = SearchSpace.fromConfig({
  hyperparameters: [
    { key: 'trainer.optimizer.params.lr', type: 'FLOAT_EXP', range: [1e-4, 1] },
    { key: 'trainer.optimizer.type', type: 'CATEGORY', range: ['SGD', 'Adam', 'RMSprop'] },
  ],
});

/** Accuracy peaks at lr = 0.01 with Adam, and grows with the epochs trained. */
function quality(p: Point): number {
  const lr = p['trainer.optimizer.params.lr'] as number;
  return Math.exp(-((Math.log10(lr) + 2) ** 2)) * (p['trainer.optimizer.type'] === 'Adam' ? 1 : 0.7);
}

describe('PbtAlgorithm', () => {
  const run = () => {
    const algorithm = createSearchAlgorithm({ type: 'PBTHpo', policy: { each_epochs: 2, config_count: 8, total_rungs: 8, exploit_fraction: 0.25 } }, space, { seed: 3 });
    return { algorithm, result: driveSearch(algorithm, { parallel: 8, objective: (p, epoch) => quality(p) * (epoch / (epoch + 4)) }) };
  };

  it('replaces the bottom by explored children of the top, from their checkpoints, and continues the rest', () => {
    const { algorithm, result } = run();
    expect(algorithm.isCompleted).toBe(true);
    const children = result.suggestions.filter((s) => s.parent);
    const continuations = result.suggestions.filter((s) => s.continues);
    expect(children.length).toBe(2 * 7);
    expect(continuations.length).toBe(6 * 7);
    for (const child of children) {
      const parent = child.parent as NonNullable<typeof child.parent>;
      expect(parent.checkpoint).toBe(`ckpt/${parent.trialId}/${parent.epoch}`);
      expect(child.budget?.epochs).toBe(parent.epoch + 2);
      expect(child.trialId).not.toBe(parent.trialId);
    }
    for (const c of continuations) expect(c.trialId).toBe(c.continues?.trialId);
  });

  it('moves the population towards better hyperparameters', () => {
    const { result } = run();
    const initial = result.suggestions.filter((s) => s.rung === 0).map((s) => quality(s.point));
    const last = result.suggestions.filter((s) => s.rung === 7).map((s) => quality(s.point));
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    expect(mean(last)).toBeGreaterThan(mean(initial) + 0.1);
  });
});
