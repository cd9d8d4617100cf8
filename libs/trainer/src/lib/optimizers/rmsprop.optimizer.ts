import type * as tf from '@tensorflow/tfjs';
import type { ArgReader } from '@vela/networks';
import { OptimizerBase } from './optimizer';
import { readLr } from './sgd.optimizer';

/**
 * PyTorch's RMSprop: `lr` (1e-2), `alpha` (0.99), `eps` (1e-8), `weight_decay` (0, L2),
 * `momentum` (0), `centered` (false: divide by the root of the running mean square; true: by
 * its variance estimate).
 */
export class RmsPropOptimizer extends OptimizerBase {
  readonly name = 'RMSprop';
  private readonly alpha: number;
  private readonly eps: number;
  private readonly weightDecay: number;
  private readonly momentum: number;
  private readonly centered: boolean;

  constructor(args: ArgReader) {
    super(readLr(args, 1e-2));
    this.alpha = args.number('alpha', 0.99, { min: 0, max: 1 });
    this.eps = args.number('eps', 1e-8, { min: 0, exclusiveMin: true });
    this.weightDecay = args.number('weight_decay', 0, { min: 0 });
    this.momentum = args.number('momentum', 0, { min: 0, max: 1 });
    this.centered = args.bool('centered', false);
  }

  protected update(variable: tf.Variable, gradient: tf.Tensor, index: number): void {
    const g = this.weightDecay ? gradient.add(variable.mul(this.weightDecay)) : gradient;
    const square = this.slot('square_avg', index, () => g.zerosLike()).value;
    square.assign(square.mul(this.alpha).add(g.square().mul(1 - this.alpha)));
    let variance: tf.Tensor = square;
    if (this.centered) {
      const mean = this.slot('grad_avg', index, () => g.zerosLike()).value;
      mean.assign(mean.mul(this.alpha).add(g.mul(1 - this.alpha)));
      variance = square.sub(mean.square());
    }
    const denominator = variance.sqrt().add(this.eps);
    if (this.momentum) {
      const buffer = this.slot('momentum_buffer', index, () => g.zerosLike()).value;
      buffer.assign(buffer.mul(this.momentum).add(g.div(denominator)));
      variable.assign(variable.sub(buffer.mul(this.lr)));
    } else {
      variable.assign(variable.sub(g.div(denominator).mul(this.lr)));
    }
  }
}
