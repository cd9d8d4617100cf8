import type * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@vela/errors';
import type { ArgReader } from '../arg-reader';
import { readNumClass } from '../common-args';
import { type LayerFactory, channelsOf } from '../layers';
import type { NetworkModule } from '../network.types';

/**
 * Vega's LinearClassificationHead: global average pooling (for image features) → flatten →
 * linear to `num_classes` (or `num_class`). `base_channel`, Vega's input width, is optional
 * here (the input's is used) and checked when given.
 */
export class LinearClassificationHeadNetwork implements NetworkModule {
  private readonly numClass: number;
  private readonly baseChannel?: number;

  constructor(private readonly args: ArgReader) {
    this.numClass = readNumClass(args);
    this.baseChannel = args.optionalNumber('base_channel', { min: 1 });
  }

  apply(input: tf.SymbolicTensor, layers: LayerFactory): tf.SymbolicTensor {
    const pooled = input.shape.length === 4 ? layers.globalAvgPool(input) : layers.flatten(input);
    if (this.baseChannel !== undefined && this.baseChannel !== channelsOf(pooled)) {
      throw new InvalidArgumentError(`is ${this.baseChannel} but the previous module outputs ${channelsOf(pooled)} channels`, this.args.path('base_channel'));
    }
    return layers.dense(pooled, this.numClass);
  }
}
