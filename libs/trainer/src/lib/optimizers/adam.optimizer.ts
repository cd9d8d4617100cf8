import type * as tf from '@tensorflow/tfjs';
import type { ArgReader } from '@vela/networks';
import { OptimizerBase } from './optimizer';
import { readLr } from './sgd.optimizer';

/**
 * PyTorch's Adam and AdamW: `lr` (1e-3), `betas` ([0.9, 0.999]), `eps` (1e-8), `weight_decay`
 * (Adam: 0, added to the gradient as L2; AdamW: 0.01, decoupled: the weights shrink by
 * `lr × weight_decay` before the Adam step), with bias-corrected moments.
 */
export class AdamOptimizer extends OptimizerBase {
  readonly name: string;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly weightDecay: number;

  constructor(
    args: ArgReader,
    private readonly decoupled: boolean,
  ) {
    super(readLr(args, 1e-3));
    this.name = decoupled ? 'AdamW' : 'Adam';
    [this.beta1, this.beta2] = args.numberList('betas', [0.9, 0.999], { length: 2, min: 0, max: 0.999999 });
    this.eps = args.number('eps', 1e-8, { min: 0, exclusiveMin: true });
    this.weightDecay = args.number('weight_decay', decoupled ? 0.01 : 0, { min: 0 });
  }

  protected update(variable: tf.Variable, gradient: tf.Tensor, index: number): void {
    if (this.decoupled && this.weightDecay) variable.assign(variable.mul(1 - this.lr * this.weightDecay));
    const g = !this.decoupled && this.weightDecay ? gradient.add(variable.mul(this.weightDecay)) : gradient;
    const m = this.slot('exp_avg', index, () => g.zerosLike()).value;
    const v = this.slot('exp_avg_sq', index, () => g.zerosLike()).value;
    m.assign(m.mul(this.beta1).add(g.mul(1 - this.beta1)));
    v.assign(v.mul(this.beta2).add(g.square().mul(1 - this.beta2)));
    const correction1 = 1 - this.beta1 ** this.steps;
    const correction2 = 1 - this.beta2 ** this.steps;
    const denominator = v.div(correction2).sqrt().add(this.eps);
    variable.assign(variable.sub(m.div(denominator).mul(this.lr / correction1)));
  }
}
