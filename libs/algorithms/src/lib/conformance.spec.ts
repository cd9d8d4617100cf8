import { NETWORK_SPACE } from '@vela/search-space/testing';
import { describeSearchAlgorithmConformance } from '../testing';
import '../index';

/** A small PruneResNet-style backbone: 4 + 3 + 2 + 3 = 12 channels. */
const PRUNE_SPACE = { type: 'SearchSpace', modules: ['backbone'], backbone: { type: 'PruneResNet', base_chn: [4, 3], base_chn_node: [2, 3], num_classes: 10 } };
const TWO_OBJECTIVES = [
  { key: 'accuracy', goal: 'MAXIMIZE' as const },
  { key: 'flops', goal: 'MINIMIZE' as const },
];

describeSearchAlgorithmConformance({
  settings: {
    random: { policy: { num_sample: 20 } },
    grid: { policy: { num_sample: 20 } },
    tpe: { policy: { num_sample: 30 } },
    asha: { policy: { total_epochs: 9, config_count: 20 } },
    hyperband: { policy: { total_epochs: 9 } },
    bohb: { policy: { total_epochs: 9, min_points_in_model: 3 } },
    evolution: { policy: { num_individual: 5, num_generation: 3 } },
    prune_ea: { codec: 'PruneCodec', policy: { length: 12, num_individual: 5, num_generation: 3, random_samples: 6 }, objective_keys: ['accuracy', 'flops'] },
    regularized_evolution: { policy: { num_sample: 25, num_individual: 6, sample_size: 3 } },
    backbone_nas: { policy: { num_mutate: 2 }, range: { max_sample: 20, min_sample: 5 } },
    pbt: { policy: { each_epochs: 2, config_count: 5, total_rungs: 4 } },
    nsga2: { policy: { num_individual: 6, num_generation: 3 }, objective_keys: ['accuracy', 'flops'] },
  },
  spaces: { prune_ea: PRUNE_SPACE, backbone_nas: NETWORK_SPACE },
  smallSpaces: { prune_ea: PRUNE_SPACE, backbone_nas: { modules: ['backbone'], backbone: { depth: [18, 34], width: [16, 32, 64] } } },
  objectives: { prune_ea: TWO_OBJECTIVES, nsga2: TWO_OBJECTIVES },
});
