import * as tf from '@tensorflow/tfjs';

/**
 * The target as a float tensor shaped like `output`: class labels `[batch]` against
 * `[batch, classes]` outputs become one-hot rows (so MSE/L1 work on classifiers), anything
 * else is cast and reshaped.
 */
export function denseTarget(output: tf.Tensor, target: tf.Tensor): tf.Tensor {
  if (target.rank === 1 && output.rank === 2 && output.shape[1] !== 1) {
    return tf.oneHot(target.toInt(), output.shape[1] as number).toFloat();
  }
  return target.toFloat().reshape(output.shape);
}
