import { Point } from '@vela/search-space';
import { BaseAlgorithm } from '../core/base.algorithm';
import { isInFlight } from '../core/trial-book';
import { AlgorithmContext, Suggestion } from '../core/types';
import { TpeSampler } from './tpe-sampler';
import { TpePolicy, parseTpeSettings } from './tpe.settings';

const RETRIES = 10;

/**
 * TPE as Optuna's TPESampler: `n_startup_trials` random trials, then each suggestion draws
 * `n_ei_candidates` from l(x) (the best γ of the completed trials) and keeps the one
 * maximising l(x)/g(x). Multivariate with groups for conditional spaces, constant liar for
 * trials in flight (and for the suggestions earlier in the same batch).
 */
export class TpeAlgorithm extends BaseAlgorithm<TpePolicy> {
  private readonly sampler: TpeSampler;

  constructor(context: AlgorithmContext) {
    super('tpe', context, parseTpeSettings(context.settings, context.path ?? 'search_algorithm'));
    const policy = this.settings.policy;
    this.sampler = new TpeSampler(this.space, {
      nEiCandidates: policy.n_ei_candidates,
      multivariate: policy.multivariate,
      priorWeight: policy.prior_weight,
      gamma: policy.gamma,
      maxBelow: policy.max_below,
      minObservations: 2,
      bandwidth: policy.bandwidth,
      recombination: policy.recombination,
    });
  }

  protected propose(index: number, batch: readonly Suggestion[]): Suggestion | undefined {
    const policy = this.settings.policy;
    if (this.newTrialCount(batch) >= policy.num_sample) return undefined;
    const rng = this.rng(index);
    const completed = this.completedLosses().map(({ trial, loss }) => ({ point: trial.origin.point, loss }));
    let point: Point | undefined;
    if (completed.length >= Math.max(policy.n_startup_trials, 1)) {
      const pending = policy.constant_liar ? [...this.book.list().filter(isInFlight).map((t) => t.origin.point), ...batch.map((s) => s.point)] : [];
      for (let attempt = 0; attempt < RETRIES && !point; attempt++) {
        const candidate = this.sampler.sample(rng, completed, pending);
        if (!this.space.isForbidden(candidate) && !this.isTaken(candidate, batch, attempt < RETRIES - 1)) point = candidate;
      }
    }
    point ??= this.freshRandomPoint(rng, batch);
    if (!point) return undefined;
    return this.suggestionFor(point, policy.epochs ? { budget: { epochs: policy.epochs } } : {});
  }

  protected get finished(): boolean {
    return this.book.size >= this.settings.policy.num_sample;
  }
}
