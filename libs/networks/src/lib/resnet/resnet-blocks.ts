import type * as tf from '@tensorflow/tfjs';
import { type LayerFactory, channelsOf } from '../layers';

export type ResNetBlockType = 'BasicBlock' | 'BottleneckBlock';

export const BLOCK_EXPANSION: Readonly<Record<ResNetBlockType, number>> = { BasicBlock: 1, BottleneckBlock: 4 };

export interface ResNetBlockSpec {
  readonly type: ResNetBlockType;
  /** Vega's `outchannel`: the block's width (its output is `outchannel * expansion`). */
  readonly outchannel: number;
  readonly stride: number;
  /** Vega's `innerchannel` (PruneBasicBlock): channels between the two 3x3 convs; defaults to `outchannel`. */
  readonly innerchannel?: number;
}

/**
 * Vega's BasicBlock (two 3x3 convs) and BottleneckBlock (1x1, 3x3, 1x1 x4), each conv without
 * bias and followed by batch norm, with a 1x1 conv + BN projection shortcut where the stride
 * or the channel count changes, and ReLU after the sum.
 */
export function resnetBlock(x: tf.SymbolicTensor, spec: ResNetBlockSpec, layers: LayerFactory): tf.SymbolicTensor {
  const outChannels = spec.outchannel * BLOCK_EXPANSION[spec.type];
  const inner = spec.innerchannel ?? spec.outchannel;
  let y: tf.SymbolicTensor;
  if (spec.type === 'BasicBlock') {
    y = layers.convBn(x, { filters: inner, kernelSize: 3, strides: spec.stride });
    y = layers.convBn(y, { filters: outChannels, kernelSize: 3 }, false);
  } else {
    y = layers.convBn(x, { filters: inner, kernelSize: 1 });
    y = layers.convBn(y, { filters: inner, kernelSize: 3, strides: spec.stride });
    y = layers.convBn(y, { filters: outChannels, kernelSize: 1 }, false);
  }
  const shortcut =
    spec.stride !== 1 || channelsOf(x) !== outChannels ? layers.convBn(x, { filters: outChannels, kernelSize: 1, strides: spec.stride }, false) : x;
  return layers.relu(layers.add([y, shortcut]));
}
