import type * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@vela/errors';
import { type LayerFactory, spatialOf } from '../layers';

/** One DARTS operation on an edge: input, output width, stride (2 on a reduction cell's input edges). */
type DartsOp = (x: tf.SymbolicTensor, channels: number, stride: number, layers: LayerFactory, field: string) => tf.SymbolicTensor;

/** ReLU → depthwise k×k (stride, dilation) → pointwise 1×1 → BN: DARTS' DilConv. */
function dilConv(kernelSize: number, dilationRate: number) {
  return (x: tf.SymbolicTensor, channels: number, stride: number, layers: LayerFactory) => {
    const y = layers.depthwise(layers.relu(x), { kernelSize, strides: stride, dilationRate });
    return layers.batchNorm(layers.conv(y, { filters: channels, kernelSize: 1 }));
  };
}

/** Two DilConvs without dilation, the first strided: DARTS' SepConv. */
function sepConv(kernelSize: number): DartsOp {
  const half = dilConv(kernelSize, 1);
  return (x, channels, stride, layers) => half(half(x, channels, stride, layers), channels, 1, layers);
}

/** ReLU → 1×1 conv → BN: DARTS' ReLUConvBN, the cells' preprocessing. */
export function reluConvBn(x: tf.SymbolicTensor, channels: number, layers: LayerFactory): tf.SymbolicTensor {
  return layers.batchNorm(layers.conv(layers.relu(x), { filters: channels, kernelSize: 1 }));
}

/** ReLU → two stride-2 1×1 convs, the second shifted by one pixel, concatenated → BN. */
export function factorizedReduce(x: tf.SymbolicTensor, channels: number, layers: LayerFactory, field: string): tf.SymbolicTensor {
  const [h, w] = spatialOf(x, field);
  if (h % 2 || w % 2) throw new InvalidArgumentError(`reduces a ${h}x${w} feature map; DARTS' factorized reduction needs even sizes`, field);
  if (channels % 2) throw new InvalidArgumentError(`a factorized reduction needs an even width, got ${channels}`, field);
  const y = layers.relu(x);
  const a = layers.conv(y, { filters: channels / 2, kernelSize: 1, strides: 2, padding: 'valid' });
  const b = layers.conv(layers.cropTopLeft(y, 1, 1), { filters: channels / 2, kernelSize: 1, strides: 2, padding: 'valid' });
  return layers.batchNorm(layers.concat([a, b]));
}

/** DARTS' operation set (`OPS` in its `operations.py`), without `none`. */
export const DARTS_OPS: Readonly<Record<string, DartsOp>> = {
  skip_connect: (x, channels, stride, layers, field) => (stride === 1 ? x : factorizedReduce(x, channels, layers, field)),
  max_pool_3x3: (x, _c, stride, layers) => layers.maxPool(x, 3, stride, 'same'),
  avg_pool_3x3: (x, _c, stride, layers) => layers.avgPool(x, 3, stride, 'same'),
  sep_conv_3x3: sepConv(3),
  sep_conv_5x5: sepConv(5),
  sep_conv_7x7: sepConv(7),
  dil_conv_3x3: dilConv(3, 2),
  dil_conv_5x5: dilConv(5, 2),
};
