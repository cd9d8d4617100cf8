// One registration line per algorithm and codec (STYLE.md: adding one is a folder plus a line here).
import { registerer } from '@vela/registry';
import { AshaAlgorithm } from './lib/asha/asha.algorithm';
import { BohbAlgorithm } from './lib/bohb/bohb.algorithm';
import { GridAlgorithm } from './lib/grid/grid.algorithm';
import { HyperbandAlgorithm } from './lib/hyperband/hyperband.algorithm';
import { RandomAlgorithm } from './lib/random/random.algorithm';
import { TpeAlgorithm } from './lib/tpe/tpe.algorithm';

const algorithm = registerer('search_algorithm');

algorithm('random', (c) => new RandomAlgorithm(c), { aliases: ['RandomSearch'], description: 'Uniform random sampling', capabilities: { conditions: true, multiObjective: false, multiFidelity: false } });
algorithm('grid', (c) => new GridAlgorithm(c), { aliases: ['GridSearch'], description: 'Exhaustive grid over the space', capabilities: { conditions: true, multiObjective: false, multiFidelity: false } });
algorithm('tpe', (c) => new TpeAlgorithm(c), { aliases: ['TPE', 'TpeHpo'], description: 'Tree-structured Parzen Estimator (multivariate, grouped, constant liar)', capabilities: { conditions: true, multiObjective: false, multiFidelity: false } });
algorithm('asha', (c) => new AshaAlgorithm(c), { aliases: ['AshaHpo', 'ASHA'], description: 'Asynchronous successive halving over epochs', capabilities: { conditions: true, multiObjective: false, multiFidelity: true } });
algorithm('hyperband', (c) => new HyperbandAlgorithm(c), { aliases: ['HyperbandHpo', 'Hyperband'], description: 'Hyperband brackets of successive halving over epochs', capabilities: { conditions: true, multiObjective: false, multiFidelity: true } });
algorithm('bohb', (c) => new BohbAlgorithm(c), { aliases: ['BohbHpo', 'BOHB'], description: 'Hyperband with TPE-modelled configurations', capabilities: { conditions: true, multiObjective: false, multiFidelity: true } });
