import type * as tf from '@tensorflow/tfjs';

/** A model's size and cost in Vega's units. */
export interface ModelStatistics {
  /** Forward multiply-accumulates per example, in billions (Vega's `flops`). */
  readonly flops: number;
  /** Trainable parameters, in thousands (Vega's `params`; batch-norm moving statistics excluded, as PyTorch's `parameters()`). */
  readonly params: number;
  /** The same two as plain counts. */
  readonly macs: number;
  readonly paramCount: number;
}

const product = (shape: readonly (number | null)[]): number => shape.reduce<number>((a, d) => a * (d ?? 1), 1);

/**
 * Counts one example's forward multiply-accumulates from the model's layers, as Vega's
 * `calc_model_flops_params` does for convolutions and linear layers: a conv costs its
 * kernel's size × the output's spatial positions (depthwise and separable convs likewise per
 * kernel), a dense layer its kernel's size per output position. Pooling, normalisation and
 * activations are not counted (as the anchors' 40.4 MFLOPs).
 */
export function modelStatistics(model: tf.LayersModel): ModelStatistics {
  let macs = 0;
  for (const layer of model.layers) {
    const kernels = layer.weights.filter((w) => /(kernel|depthwise_kernel|pointwise_kernel)$/.test(w.originalName ?? w.name));
    if (!kernels.length) continue;
    const outputShape = layer.outputShape as (number | null)[];
    const positions = product(outputShape.slice(1, -1));
    for (const kernel of kernels) macs += product(kernel.shape) * positions;
  }
  const paramCount = model.trainableWeights.reduce((sum, w) => sum + product(w.shape), 0);
  return { flops: macs * 1e-9, params: paramCount * 1e-3, macs, paramCount };
}
