// Public surface of @vela/algorithms.
import './registry';

export * from './lib/core/types';
export * from './lib/core/settings';
export * from './lib/core/trial-book';
export * from './lib/core/base.algorithm';
export * from './lib/core/create';
export * from './lib/random/random.algorithm';
export * from './lib/grid/grid.algorithm';
export * from './lib/tpe/tpe.algorithm';
export * from './lib/tpe/tpe-sampler';
export * from './lib/tpe/parzen-estimator';
export * from './lib/core/fidelity';
export * from './lib/asha/asha.algorithm';
export * from './lib/hyperband/hyperband.algorithm';
export * from './lib/bohb/bohb.algorithm';
export * from './lib/codecs/space.codec';
export * from './lib/codecs/prune.codec';
export * from './lib/codecs/backbone-nas.codec';
export * from './lib/evolution/codec.algorithm';
export * from './lib/evolution/evolution.algorithm';
export * from './lib/prune-ea/prune-ea.algorithm';
export * from './lib/regularized-evolution/regularized-evolution.algorithm';
export * from './lib/backbone-nas/backbone-nas.algorithm';
export * from './lib/nsga2/nsga2.algorithm';
export * from './lib/pbt/pbt.algorithm';
export * from './lib/stopping/stopping-rule';
export * from './lib/stopping/stopping.settings';
