import type * as tf from '@tensorflow/tfjs';
import type { ArgReader } from './arg-reader';
import type { LayerFactory } from './layers';

/**
 * One module of a desc, built into layers. A module is constructed from its arguments (which
 * it validates in the constructor, so a bad desc fails before any layer exists) and then
 * applied to the output of the previous module.
 */
export interface NetworkModule {
  /** Builds this module's layers on `input` and returns its output. */
  apply(input: tf.SymbolicTensor, layers: LayerFactory): tf.SymbolicTensor;
}

/**
 * What the `network` registry kind holds: a module class. The constructor reads its
 * arguments from `args` (Vega's names) and must read every argument it knows, so that
 * `args.done()`, called by the builder, can reject unknown ones.
 */
export type NetworkFactory = new (args: ArgReader) => NetworkModule;

declare module '@vela/registry' {
  interface RegistryFactories {
    network: NetworkFactory;
  }
}
