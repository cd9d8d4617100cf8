import { describeSearchAlgorithmConformance } from '../testing';
import '../index';

describeSearchAlgorithmConformance({
  settings: {
    random: { policy: { num_sample: 20 } },
    grid: { policy: { num_sample: 20 } },
  },
});
