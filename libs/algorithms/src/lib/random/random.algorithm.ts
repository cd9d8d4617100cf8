import { BaseAlgorithm } from '../core/base.algorithm';
import { AlgorithmContext, Suggestion } from '../core/types';
import { RandomPolicy, parseRandomSettings } from './random.settings';

/**
 * Random search (Bergstra & Bengio, 2012): `num_sample` points drawn uniformly from the unit
 * cube (log-uniform for _EXP types), never one in flight, preferably one never tried.
 */
export class RandomAlgorithm extends BaseAlgorithm<RandomPolicy> {
  constructor(context: AlgorithmContext) {
    super('random', context, parseRandomSettings(context.settings, context.path ?? 'search_algorithm'));
  }

  protected propose(index: number, batch: readonly Suggestion[]): Suggestion | undefined {
    if (this.newTrialCount(batch) >= this.settings.policy.num_sample) return undefined;
    const point = this.freshRandomPoint(this.rng(index), batch);
    if (!point) return undefined;
    const epochs = this.settings.policy.epochs;
    return this.suggestionFor(point, epochs ? { budget: { epochs } } : {});
  }

  protected get finished(): boolean {
    return this.book.size >= this.settings.policy.num_sample;
  }
}
