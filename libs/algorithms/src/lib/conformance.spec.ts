import { describeSearchAlgorithmConformance } from '../testing';
import '../index';

describeSearchAlgorithmConformance({
  settings: {
    random: { policy: { num_sample: 20 } },
    grid: { policy: { num_sample: 20 } },
    tpe: { policy: { num_sample: 30 } },
    asha: { policy: { total_epochs: 9, config_count: 20 } },
    hyperband: { policy: { total_epochs: 9 } },
    bohb: { policy: { total_epochs: 9, min_points_in_model: 3 } },
  },
});
