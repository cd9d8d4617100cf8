// One registration line per algorithm and codec (STYLE.md: adding one is a folder plus a line here).
import { registerer } from '@vela/registry';
import { GridAlgorithm } from './lib/grid/grid.algorithm';
import { RandomAlgorithm } from './lib/random/random.algorithm';
import { TpeAlgorithm } from './lib/tpe/tpe.algorithm';

const algorithm = registerer('search_algorithm');

algorithm('random', (c) => new RandomAlgorithm(c), { aliases: ['RandomSearch'], description: 'Uniform random sampling', capabilities: { conditions: true, multiObjective: false, multiFidelity: false } });
algorithm('grid', (c) => new GridAlgorithm(c), { aliases: ['GridSearch'], description: 'Exhaustive grid over the space', capabilities: { conditions: true, multiObjective: false, multiFidelity: false } });
algorithm('tpe', (c) => new TpeAlgorithm(c), { aliases: ['TPE', 'TpeHpo'], description: 'Tree-structured Parzen Estimator (multivariate, grouped, constant liar)', capabilities: { conditions: true, multiObjective: false, multiFidelity: false } });
