import type { ArgReader } from '@vela/networks';
import type { LrScheduler } from '../trainer.types';

/** PyTorch's StepLR: `step_size` (required), `gamma` (0.1): `lr × gamma^⌊epoch / step_size⌋`. */
export class StepLrScheduler implements LrScheduler {
  readonly name = 'StepLR';
  private readonly stepSize: number;
  private readonly gamma: number;

  constructor(args: ArgReader) {
    this.stepSize = args.int('step_size', undefined, { min: 1 });
    this.gamma = args.number('gamma', 0.1, { min: 0 });
  }

  lrAt(progress: number, baseLr: number): number {
    return baseLr * this.gamma ** Math.floor(Math.floor(progress) / this.stepSize);
  }
}
