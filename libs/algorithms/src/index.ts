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
