import { BaseAlgorithm } from '../core/base.algorithm';
import { promotion, recordAt, rungBudgets, rungOf } from '../core/fidelity';
import { Trial } from '../core/trial-book';
import { AlgorithmContext, Suggestion } from '../core/types';
import { AshaPolicy, parseAshaSettings } from './asha.settings';

/**
 * Asynchronous successive halving (Li et al., 2020). Whenever capacity is free it promotes,
 * from the highest rung down, a trial in the top 1/η of its rung's results that has not been
 * promoted yet (continuing the same trial from its checkpoint at the next budget); otherwise
 * it starts a new random configuration at the first rung, until `config_count` are started.
 * Promotions are decided from the records at each rung's epoch, intermediate or final.
 */
export class AshaAlgorithm extends BaseAlgorithm<AshaPolicy> {
  private readonly budgets: number[];

  constructor(context: AlgorithmContext) {
    super('asha', context, parseAshaSettings(context.settings, context.path ?? 'search_algorithm'));
    const { min_epochs, total_epochs, eta } = this.settings.policy;
    this.budgets = rungBudgets(min_epochs, total_epochs, eta);
  }

  /** The best trial that may be promoted out of `rung` now, if any. */
  private promotable(rung: number, batch: readonly Suggestion[]): Trial | undefined {
    const budget = this.budgets[rung];
    const results: { trial: Trial; loss: number }[] = [];
    for (const trial of this.book.list()) {
      const loss = this.lossOf(recordAt(trial, budget)?.objectives);
      if (loss !== undefined) results.push({ trial, loss });
    }
    const slots = Math.floor(results.length / this.settings.policy.eta);
    if (slots === 0) return undefined;
    results.sort((a, b) => a.loss - b.loss || a.trial.seq - b.trial.seq);
    return results
      .slice(0, slots)
      .map((r) => r.trial)
      .find((trial) => rungOf(trial) === rung && trial.state === 'SUCCEEDED' && !batch.some((s) => s.continues?.trialId === trial.trialId));
  }

  protected propose(index: number, batch: readonly Suggestion[]): Suggestion | undefined {
    for (let rung = this.budgets.length - 2; rung >= 0; rung--) {
      const trial = this.promotable(rung, batch);
      if (trial) return promotion(trial, rung + 1, this.budgets);
    }
    if (this.newTrialCount(batch) >= this.settings.policy.config_count) return undefined;
    const point = this.freshRandomPoint(this.rng(index), batch);
    return point ? this.suggestionFor(point, { budget: { epochs: this.budgets[0] }, rung: 0 }) : undefined;
  }

  protected get finished(): boolean {
    if (this.book.size < this.settings.policy.config_count) return false;
    for (let rung = this.budgets.length - 2; rung >= 0; rung--) if (this.promotable(rung, [])) return false;
    return true;
  }
}
