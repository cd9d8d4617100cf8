import type { ArgReader } from '@vela/networks';
import type { LrScheduler, LrSchedulerContext } from '../trainer.types';
import { createLrScheduler } from './create-lr-scheduler';

/**
 * Vega's WarmupScheduler: for the first `warmup_epochs` (or Vega's `warmup_iters`, here in
 * epochs; 5) the rate rises linearly from `warmup_ratio × lr` (0.1) to `lr` (`warmup_type:
 * linear`) or stays there (`constant`); then `after_scheduler_config` (`{type, params}`, none:
 * constant) runs with its epochs counted from the end of the warm-up.
 */
export class WarmupLrScheduler implements LrScheduler {
  readonly name = 'WarmupScheduler';
  private readonly warmup: number;
  private readonly ratio: number;
  private readonly type: 'linear' | 'constant';
  private readonly after?: LrScheduler;

  constructor(args: ArgReader, context: LrSchedulerContext) {
    this.warmup = args.int(args.firstOf(['warmup_epochs', 'warmup_iters']), 5, { min: 1 });
    this.ratio = args.number('warmup_ratio', 0.1, { min: 0, max: 1 });
    this.type = args.stringOneOf('warmup_type', ['linear', 'constant'], 'linear');
    const after = args.value('after_scheduler_config');
    this.after = after === undefined || after === null ? undefined : createLrScheduler(after, args.path('after_scheduler_config'), { epochs: Math.max(1, context.epochs - this.warmup) });
  }

  lrAt(progress: number, baseLr: number): number {
    if (progress < this.warmup) {
      return this.type === 'constant' ? baseLr * this.ratio : baseLr * (this.ratio + ((1 - this.ratio) * progress) / this.warmup);
    }
    return this.after ? this.after.lrAt(progress - this.warmup, baseLr) : baseLr;
  }
}
