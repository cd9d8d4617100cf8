import type { ArgReader } from '@vela/networks';
import type { LrScheduler, LrSchedulerContext } from '../trainer.types';

/** PyTorch's CosineAnnealingLR: `T_max` (default: the trainer's epochs), `eta_min` (0). */
export class CosineAnnealingLrScheduler implements LrScheduler {
  readonly name = 'CosineAnnealingLR';
  private readonly tMax: number;
  private readonly etaMin: number;

  constructor(args: ArgReader, context: LrSchedulerContext) {
    this.tMax = args.number('T_max', context.epochs, { min: 0, exclusiveMin: true });
    this.etaMin = args.number('eta_min', 0, { min: 0 });
  }

  lrAt(progress: number, baseLr: number): number {
    return this.etaMin + ((baseLr - this.etaMin) * (1 + Math.cos((Math.PI * Math.min(progress, this.tMax)) / this.tMax))) / 2;
  }
}
