import { Point } from '@vela/search-space';
import { recordAt } from '../core/fidelity';
import { isInFlight } from '../core/trial-book';
import { AlgorithmContext, Suggestion } from '../core/types';
import { HyperbandAlgorithm } from '../hyperband/hyperband.algorithm';
import { TpeSampler } from '../tpe/tpe-sampler';
import { BohbPolicy, parseBohbSettings } from './bohb.settings';

/**
 * BOHB (Falkner et al., 2018): Hyperband's brackets, with each new configuration drawn from a
 * TPE model (multivariate Parzen estimators) fitted on the largest budget that has enough
 * results, except a `random_fraction` drawn at random. Trials in flight join the model's bad
 * group (constant liar), so the brackets' parallel configurations spread out.
 */
export class BohbAlgorithm extends HyperbandAlgorithm<BohbPolicy> {
  private readonly sampler: TpeSampler;

  constructor(context: AlgorithmContext) {
    super(context, 'bohb', parseBohbSettings(context.settings, context.path ?? 'search_algorithm'));
    this.sampler = new TpeSampler(this.space, {
      nEiCandidates: this.settings.policy.n_ei_candidates,
      multivariate: true,
      priorWeight: 1,
      gamma: 0.15,
      maxBelow: 25,
      minObservations: 2,
      bandwidth: 'neighbour',
      recombination: 1,
    });
  }

  protected override sampleConfig(index: number, batch: readonly Suggestion[]): Point | undefined {
    const rng = this.rng(index, 'bohb');
    const minPoints = this.settings.policy.min_points_in_model ?? this.space.parameters.length + 1;
    if (rng.next() >= this.settings.policy.random_fraction) {
      for (let rung = this.budgets.length - 1; rung >= 0; rung--) {
        const budget = this.budgets[rung];
        const completed = this.book
          .list()
          .map((trial) => ({ point: trial.origin.point, loss: this.lossOf(recordAt(trial, budget)?.objectives) }))
          .filter((c): c is { point: Point; loss: number } => c.loss !== undefined);
        if (completed.length < minPoints) continue;
        const pending = [...this.book.list().filter(isInFlight).map((t) => t.origin.point), ...batch.filter((s) => !s.continues).map((s) => s.point)];
        for (let attempt = 0; attempt < 10; attempt++) {
          const point = this.sampler.sample(rng, completed, pending);
          if (!this.space.isForbidden(point) && !this.isTaken(point, batch, attempt < 9)) return point;
        }
        break;
      }
    }
    return this.freshRandomPoint(rng, batch);
  }
}
