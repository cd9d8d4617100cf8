import type * as tf from '@tensorflow/tfjs';
import type { ArgReader } from '@vela/networks';
import type { Loss } from '../trainer.types';
import { denseTarget } from './targets';

/**
 * PyTorch's MSELoss and L1Loss (`reduction: mean`): the mean squared or absolute difference
 * between the output and the target (class labels become one-hot rows).
 */
export class RegressionLoss implements Loss {
  constructor(
    readonly name: 'MSELoss' | 'L1Loss',
    args: ArgReader,
  ) {
    args.stringOneOf('reduction', ['mean'], 'mean');
  }

  compute(output: tf.Tensor, target: tf.Tensor): tf.Scalar {
    const difference = output.sub(denseTarget(output, target));
    return (this.name === 'MSELoss' ? difference.square() : difference.abs()).mean() as tf.Scalar;
  }
}
