import type { ArgReader } from '@vela/networks';
import type { LrScheduler } from '../trainer.types';

/** PyTorch's ExponentialLR: `gamma` (required): `lr × gamma^epoch`. */
export class ExponentialLrScheduler implements LrScheduler {
  readonly name = 'ExponentialLR';
  private readonly gamma: number;

  constructor(args: ArgReader) {
    this.gamma = args.number('gamma', undefined, { min: 0 });
  }

  lrAt(progress: number, baseLr: number): number {
    return baseLr * this.gamma ** Math.floor(progress);
  }
}
