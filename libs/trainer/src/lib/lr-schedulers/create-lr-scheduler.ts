import { buildComponent } from '../component';
import type { LrScheduler, LrSchedulerContext } from '../trainer.types';

/** Builds a scheduler from its config section (`{type, params}`). */
export function createLrScheduler(raw: unknown, field: string, context: LrSchedulerContext): LrScheduler {
  return buildComponent('lr_scheduler', raw, field, (entry, args) => entry.factory(args, context));
}
