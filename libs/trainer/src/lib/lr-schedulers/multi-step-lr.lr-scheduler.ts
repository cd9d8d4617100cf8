import { InvalidArgumentError } from '@vela/errors';
import type { ArgReader } from '@vela/networks';
import type { LrScheduler } from '../trainer.types';

/** PyTorch's MultiStepLR: `milestones` (increasing epochs), `gamma` (0.1): × gamma at each milestone passed. */
export class MultiStepLrScheduler implements LrScheduler {
  readonly name = 'MultiStepLR';
  private readonly milestones: number[];
  private readonly gamma: number;

  constructor(args: ArgReader) {
    this.milestones = args.intList('milestones', undefined, { min: 0, minLength: 1 });
    if (this.milestones.some((m, i) => i > 0 && m <= this.milestones[i - 1])) {
      throw new InvalidArgumentError(`must increase, got [${this.milestones.join(', ')}]`, args.path('milestones'));
    }
    this.gamma = args.number('gamma', 0.1, { min: 0 });
  }

  lrAt(progress: number, baseLr: number): number {
    return baseLr * this.gamma ** this.milestones.filter((m) => m <= Math.floor(progress)).length;
  }
}
