// Public surface of @vela/networks.
export { ArgReader, describe, type ArgDict } from './lib/arg-reader';
export { LayerFactory, type ConvOptions } from './lib/layers';
export type { NetworkFactory, NetworkModule } from './lib/network.types';
export { NetworkDesc, buildModel, type BuildOptions, type NetworkDescJson } from './lib/network-desc';
export { modelStatistics, type ModelStatistics } from './lib/model-statistics';
