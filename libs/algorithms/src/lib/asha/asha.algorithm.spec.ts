import { SearchSpace } from '@vela/search-space';
import { createSearchAlgorithm } from '../core/create';
import '../../registry';

const space = SearchSpace.fromConfig({ hyperparameters: [{ key: 'x', type: 'FLOAT', range: [0, 1] }] });

describe('AshaAlgorithm', () => {
  it('promotes the top third of a rung as soon as it has results, without waiting for the rest', () => {
    const algorithm = createSearchAlgorithm({ type: 'AshaHpo', policy: { total_epochs: 9, config_count: 9 } }, space, { seed: 2 });
    const first = algorithm.suggest(3).map((s, i) => ({ ...s, trialId: `t${i}` }));
    algorithm.observe(first.map((s) => ({ trialId: s.trialId, attempt: 1, epoch: 0, state: 'PENDING' as const, suggestion: s })));
    algorithm.observe(
      first.map((s, i) => ({ trialId: s.trialId, attempt: 1, epoch: 1, state: 'SUCCEEDED' as const, final: true, checkpoint: `c${i}`, objectives: [{ key: 'loss', value: [0.5, 0.1, 0.9][i], goal: 'MINIMIZE' as const }] })),
    );
    const [promotion] = algorithm.suggest(1);
    expect(promotion).toMatchObject({ trialId: 't1', budget: { epochs: 3 }, rung: 1, continues: { trialId: 't1', epoch: 1, checkpoint: 'c1' } });
  });
});
