// One registration line per algorithm and codec (STYLE.md: adding one is a folder plus a line here).
// Every entry here is benchmarked in benchmarks/search; a new one carries `experimental: true` until it is.
import { registerer } from '@vela/registry';
import { AshaAlgorithm } from './lib/asha/asha.algorithm';
import { BohbAlgorithm } from './lib/bohb/bohb.algorithm';
import { BackboneNasAlgorithm } from './lib/backbone-nas/backbone-nas.algorithm';
import { createBackboneNasCodec } from './lib/codecs/backbone-nas.codec';
import { createPruneCodec } from './lib/codecs/prune.codec';
import { createSpaceCodec } from './lib/codecs/space.codec';
import { EvolutionAlgorithm } from './lib/evolution/evolution.algorithm';
import { Nsga2Algorithm } from './lib/nsga2/nsga2.algorithm';
import { PbtAlgorithm } from './lib/pbt/pbt.algorithm';
import { PruneEaAlgorithm } from './lib/prune-ea/prune-ea.algorithm';
import { RegularizedEvolutionAlgorithm } from './lib/regularized-evolution/regularized-evolution.algorithm';
import { GridAlgorithm } from './lib/grid/grid.algorithm';
import { HyperbandAlgorithm } from './lib/hyperband/hyperband.algorithm';
import { RandomAlgorithm } from './lib/random/random.algorithm';
import { TpeAlgorithm } from './lib/tpe/tpe.algorithm';

const algorithm = registerer('search_algorithm');
const codec = registerer('codec');

algorithm('random', (c) => new RandomAlgorithm(c), { aliases: ['RandomSearch'], description: 'Uniform random sampling', capabilities: { conditions: true, multiObjective: false, multiFidelity: false } });
algorithm('grid', (c) => new GridAlgorithm(c), { aliases: ['GridSearch'], description: 'Exhaustive grid over the space', capabilities: { conditions: true, multiObjective: false, multiFidelity: false } });
algorithm('tpe', (c) => new TpeAlgorithm(c), { aliases: ['TPE', 'TpeHpo'], description: 'Tree-structured Parzen Estimator (multivariate, grouped, constant liar)', capabilities: { conditions: true, multiObjective: false, multiFidelity: false } });
algorithm('asha', (c) => new AshaAlgorithm(c), { aliases: ['AshaHpo', 'ASHA'], description: 'Asynchronous successive halving over epochs', capabilities: { conditions: true, multiObjective: false, multiFidelity: true } });
algorithm('hyperband', (c) => new HyperbandAlgorithm(c), { aliases: ['HyperbandHpo', 'Hyperband'], description: 'Hyperband brackets of successive halving over epochs', capabilities: { conditions: true, multiObjective: false, multiFidelity: true } });
algorithm('bohb', (c) => new BohbAlgorithm(c), { aliases: ['BohbHpo', 'BOHB'], description: 'Hyperband with TPE-modelled configurations', capabilities: { conditions: true, multiObjective: false, multiFidelity: true } });
algorithm('evolution', (c) => new EvolutionAlgorithm(c), { aliases: ['EvolutionAlgorithm'], description: 'Genetic algorithm over a codec (Vega EA family)', capabilities: { conditions: true, multiObjective: true, multiFidelity: false, codec: 'SpaceCodec' } });
algorithm('prune_ea', (c) => new PruneEaAlgorithm(c), { aliases: ['PruneEA'], description: 'Evolutionary channel pruning (Vega PruneEA)', capabilities: { conditions: false, multiObjective: true, multiFidelity: false, codec: 'PruneCodec' } });
algorithm('regularized_evolution', (c) => new RegularizedEvolutionAlgorithm(c), { aliases: ['RegularizedEvolution', 'AgingEvolution'], description: 'Aging evolution (Real et al. 2019)', capabilities: { conditions: true, multiObjective: false, multiFidelity: false, codec: 'SpaceCodec' } });
algorithm('backbone_nas', (c) => new BackboneNasAlgorithm(c), { aliases: ['BackboneNas'], description: 'Mutation search over backbone choices (Vega BackboneNas)', capabilities: { conditions: true, multiObjective: false, multiFidelity: false, codec: 'BackboneNasCodec' } });
algorithm('nsga2', (c) => new Nsga2Algorithm(c), { aliases: ['NSGAII', 'Nsga2'], description: 'NSGA-II multi-objective evolution', capabilities: { conditions: true, multiObjective: true, multiFidelity: false, codec: 'SpaceCodec' } });
algorithm('pbt', (c) => new PbtAlgorithm(c), { aliases: ['PBTHpo', 'PBT'], description: 'Population based training: exploit/explore over checkpoints', capabilities: { conditions: true, multiObjective: false, multiFidelity: true } });

codec('SpaceCodec', createSpaceCodec, { aliases: ['space'], description: 'One gene per unit-cube coordinate of the space' });
codec('PruneCodec', createPruneCodec, { description: 'Channel masks of a PruneResNet-style backbone (Vega)' });
codec('BackboneNasCodec', createBackboneNasCodec, { description: 'The network.* choices of the space (Vega)' });
