import type * as tf from '@tensorflow/tfjs';
import type { ArgReader } from '../arg-reader';
import { readNumClass } from '../common-args';
import type { LayerFactory } from '../layers';
import type { NetworkModule } from '../network.types';

/**
 * A multi-layer perceptron: flatten → for each of `hidden_units` a linear layer + ReLU (+
 * dropout at `dropout`) → linear to `num_class`. `batch_norm: true` adds BN before each ReLU.
 */
export class MlpNetwork implements NetworkModule {
  private readonly hidden: number[];
  private readonly numClass: number;
  private readonly dropout: number;
  private readonly batchNorm: boolean;

  constructor(args: ArgReader) {
    this.hidden = args.intList('hidden_units', [128], { min: 1 });
    this.numClass = readNumClass(args);
    this.dropout = args.number('dropout', 0, { min: 0, max: 0.99 });
    this.batchNorm = args.bool('batch_norm', false);
  }

  apply(input: tf.SymbolicTensor, layers: LayerFactory): tf.SymbolicTensor {
    let x = layers.flatten(input);
    for (const units of this.hidden) {
      x = layers.dense(x, units, !this.batchNorm);
      if (this.batchNorm) x = layers.batchNorm(x);
      x = layers.dropout(layers.relu(x), this.dropout);
    }
    return layers.dense(x, this.numClass);
  }
}
