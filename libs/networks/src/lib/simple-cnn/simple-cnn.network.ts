import type * as tf from '@tensorflow/tfjs';
import type { ArgReader } from '../arg-reader';
import { readNumClass } from '../common-args';
import { type LayerFactory, spatialOf } from '../layers';
import type { NetworkModule } from '../network.types';

/**
 * Vega's SimpleCnn: conv3x3(32) → max pool → `blocks` × (conv3x3(`channels`) + BN + ReLU) →
 * max pool → conv3x3(64) → a "global" conv whose kernel covers the remaining map (8x8 for
 * 32x32 inputs, as Vega's fixed 8) → linear to `num_class`. Convs outside the blocks carry a
 * bias and no activation, as in Vega. `fp16` is accepted and has no effect.
 */
export class SimpleCnnNetwork implements NetworkModule {
  private readonly numClass: number;
  private readonly blocks: number;
  private readonly channels: number;

  constructor(private readonly args: ArgReader) {
    this.numClass = readNumClass(args);
    this.blocks = args.int('blocks', undefined, { min: 0 });
    this.channels = args.int('channels', undefined, { min: 1 });
    args.bool('fp16', false);
  }

  apply(input: tf.SymbolicTensor, layers: LayerFactory): tf.SymbolicTensor {
    spatialOf(input, this.args.field);
    let x = layers.maxPool(layers.conv(input, { filters: 32, kernelSize: 3, useBias: true }), 2, 2);
    for (let i = 0; i < this.blocks; i++) x = layers.convBn(x, { filters: this.channels, kernelSize: 3, useBias: true });
    x = layers.conv(layers.maxPool(x, 2, 2), { filters: 64, kernelSize: 3, useBias: true });
    const [h] = spatialOf(x, this.args.field);
    x = layers.conv(x, { filters: 64, kernelSize: h, padding: 'valid', useBias: true });
    return layers.dense(layers.flatten(x), this.numClass);
  }
}
