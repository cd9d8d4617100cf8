import type * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@vela/errors';
import type { ArgReader } from '@vela/networks';
import { OptimizerBase } from './optimizer';

/** Reads `lr` (> 0) with a default, under the name every optimizer uses. */
export function readLr(args: ArgReader, fallback: number): number {
  return args.number('lr', fallback, { min: 0, exclusiveMin: true });
}

/**
 * PyTorch's SGD: `lr` (0.1), `momentum` (0), `dampening` (0), `weight_decay` (0, L2 added to the
 * gradient), `nesterov` (false; needs momentum and no dampening). With momentum the buffer
 * starts as the first gradient, as PyTorch's.
 */
export class SgdOptimizer extends OptimizerBase {
  readonly name = 'SGD';
  private readonly momentum: number;
  private readonly dampening: number;
  private readonly weightDecay: number;
  private readonly nesterov: boolean;

  constructor(args: ArgReader) {
    super(readLr(args, 0.1));
    this.momentum = args.number('momentum', 0, { min: 0, max: 1 });
    this.dampening = args.number('dampening', 0, { min: 0, max: 1 });
    this.weightDecay = args.number('weight_decay', 0, { min: 0 });
    this.nesterov = args.bool('nesterov', false);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new InvalidArgumentError('needs momentum > 0 and dampening 0', args.path('nesterov'));
    }
  }

  protected update(variable: tf.Variable, gradient: tf.Tensor, index: number): void {
    let g = this.weightDecay ? gradient.add(variable.mul(this.weightDecay)) : gradient;
    if (this.momentum) {
      const { value: buffer, fresh } = this.slot('momentum_buffer', index, () => g);
      if (!fresh) buffer.assign(buffer.mul(this.momentum).add(g.mul(1 - this.dampening)));
      g = this.nesterov ? g.add(buffer.mul(this.momentum)) : buffer;
    }
    variable.assign(variable.sub(g.mul(this.lr)));
  }
}
