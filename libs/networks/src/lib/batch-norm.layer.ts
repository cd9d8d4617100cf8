import * as tf from '@tensorflow/tfjs';

export interface BatchNormArgs {
  /** PyTorch's momentum: the weight of the batch's statistics in the running ones. */
  readonly momentum: number;
  readonly epsilon: number;
  /** Learnable scale and shift (PyTorch's `affine`). */
  readonly affine: boolean;
  readonly name?: string;
}

/**
 * PyTorch's BatchNorm over the last axis. Unlike tfjs' BatchNormalization, the running
 * variance takes the batch's unbiased variance (n / (n - 1) times the one that normalises),
 * and `affine: false` trains (tfjs' reads its absent gamma). Training mode
 * normalises with the batch's statistics, inference with the running ones. Weights in tfjs'
 * order (gamma, beta, moving mean, moving variance), so checkpoints by position still fit.
 */
export class TorchBatchNorm extends tf.layers.Layer {
  static readonly className = 'TorchBatchNorm';
  private readonly momentum: number;
  private readonly epsilon: number;
  private readonly affine: boolean;
  private gamma?: tf.LayerVariable;
  private beta?: tf.LayerVariable;
  private runningMean!: tf.LayerVariable;
  private runningVariance!: tf.LayerVariable;

  constructor(args: BatchNormArgs) {
    super({ name: args.name });
    this.momentum = args.momentum;
    this.epsilon = args.epsilon;
    this.affine = args.affine;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = [shape[shape.length - 1] as number];
    if (this.affine) {
      this.gamma = this.addWeight('gamma', channels, 'float32', tf.initializers.ones());
      this.beta = this.addWeight('beta', channels, 'float32', tf.initializers.zeros());
    }
    this.runningMean = this.addWeight('moving_mean', channels, 'float32', tf.initializers.zeros(), undefined, false);
    this.runningVariance = this.addWeight('moving_variance', channels, 'float32', tf.initializers.ones(), undefined, false);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (!kwargs.training) return tf.batchNorm(x, this.runningMean.read(), this.runningVariance.read(), this.beta?.read(), this.gamma?.read(), this.epsilon);
      const { mean, variance } = tf.moments(x, [...Array(x.rank - 1).keys()]);
      // tfjs cannot differentiate a batch norm without scale and offset: unit and zero ones stand in.
      const gamma = this.gamma?.read() ?? tf.onesLike(mean);
      const beta = this.beta?.read() ?? tf.zerosLike(mean);
      const count = x.size / (x.shape[x.rank - 1] as number);
      const unbiased = count > 1 ? tf.mul(variance, count / (count - 1)) : variance;
      this.runningMean.write(tf.add(tf.mul(this.runningMean.read(), 1 - this.momentum), tf.mul(mean, this.momentum)));
      this.runningVariance.write(tf.add(tf.mul(this.runningVariance.read(), 1 - this.momentum), tf.mul(unbiased, this.momentum)));
      return tf.batchNorm(x, mean, variance, beta, gamma, this.epsilon);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon, affine: this.affine };
  }
}

tf.serialization.registerClass(TorchBatchNorm);
