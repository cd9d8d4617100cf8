import { SearchSpace } from '@vela/search-space';
import { driveSearch, pointNoise } from '../../testing';
import { createSearchAlgorithm } from '../core/create';
import '../../registry';

/** Vega's PruneEA config shape, scaled down: 8 + 4 channels. */
const space = SearchSpace.fromConfig({ type: 'SearchSpace', modules: ['backbone'], backbone: { name: 'PruneResNet', base_chn: [4, 4], base_chn_node: [4], num_classes: 10 } });
const settings = { type: 'PruneEA', codec: 'PruneCodec', policy: { length: 12, num_generation: 4, num_individual: 6, random_samples: 8 }, objective_keys: ['accuracy', 'flops'] };

describe('PruneEaAlgorithm', () => {
  it('suggests channel masks as descs, ranked by Pareto front for accuracy versus flops', () => {
    const algorithm = createSearchAlgorithm(settings, space, { seed: 1 });
    const { suggestions } = driveSearch(algorithm, {
      parallel: 2,
      objective: (p) => {
        const code = p['network.backbone.encoding'] as number[];
        const kept = code.reduce((a, b) => a + b, 0) / code.length;
        return [kept * (0.8 + 0.2 * pointNoise(p)), kept];
      },
      objectives: [
        { key: 'accuracy', goal: 'MAXIMIZE' },
        { key: 'flops', goal: 'MINIMIZE' },
      ],
    });
    expect(algorithm.isCompleted).toBe(true);
    expect(suggestions).toHaveLength(8 + 4 * 6);
    for (const s of suggestions) {
      const backbone = s.desc?.['backbone'] as Record<string, unknown>;
      expect(backbone['name']).toBe('PruneResNet');
      expect(backbone['encoding']).toEqual(s.code);
      expect((backbone['chn'] as number[]).every((c) => c >= 1)).toBe(true);
    }
  });

  it('checks policy.length against the backbone', () => {
    expect(() => createSearchAlgorithm({ ...settings, policy: { ...settings.policy, length: 464 } }, space)).toThrow(
      'search_algorithm.policy.length: must equal the channels of base_chn and base_chn_node (12), got 464',
    );
  });
});
