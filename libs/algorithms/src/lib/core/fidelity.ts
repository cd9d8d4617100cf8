import { z } from 'zod';
import { intSetting } from './settings';
import { Trial } from './trial-book';
import { Suggestion } from './types';

/** `policy:` keys every epoch-budgeted (multi-fidelity) algorithm shares. */
export const fidelityPolicy = {
  /** The largest budget a trial reaches (Vega's `total_epochs`). */
  total_epochs: intSetting(1).default(81),
  /** The smallest budget (the first rung). */
  min_epochs: intSetting(1).default(1),
  /** Reduction factor: each rung keeps the best 1/eta and trains it eta times longer. */
  eta: intSetting(2, 10).default(3),
};

export const fidelityShape = z.strictObject(fidelityPolicy);

/**
 * The rung budgets min·η^k ... up to max: `[1, 3, 9, 27, 81]` for (1, 81, 3). Budgets are
 * max/η^(K−k) rounded, so the last is exactly max and the first is at least min.
 */
export function rungBudgets(minEpochs: number, maxEpochs: number, eta: number): number[] {
  if (maxEpochs <= minEpochs) return [maxEpochs];
  const top = Math.floor(Math.log(maxEpochs / minEpochs) / Math.log(eta) + 1e-9);
  const budgets: number[] = [];
  for (let k = top; k >= 0; k--) {
    const budget = Math.max(minEpochs, Math.round(maxEpochs / eta ** k));
    if (budgets[budgets.length - 1] !== budget) budgets.push(budget);
  }
  return budgets;
}

/** The trial's record at exactly `epochs` (any attempt), which decides its rung. */
export function recordAt(trial: Trial, epochs: number) {
  return trial.records.find((record) => record.epoch === epochs);
}

/** The rung a trial's latest suggestion trains for (0 when it has none). */
export function rungOf(trial: Trial): number {
  return trial.suggestion.rung ?? 0;
}

/**
 * A promotion (DESIGN: continue the same trial with a larger budget from its checkpoint,
 * Vega's next_rung): the trial's point at the next rung's budget, resuming at `fromEpochs`.
 */
export function promotion(trial: Trial, rung: number, budgets: readonly number[], info?: Suggestion['info']): Suggestion {
  const from = budgets[rung - 1];
  const checkpoint = [...trial.records].reverse().find((r) => r.epoch <= from && r.checkpoint)?.checkpoint;
  const origin = trial.origin;
  return {
    trialId: trial.trialId,
    point: origin.point,
    ...(origin.desc ? { desc: origin.desc } : {}),
    hyperparameters: origin.hyperparameters,
    budget: { epochs: budgets[rung] },
    rung,
    continues: { trialId: trial.trialId, epoch: from, ...(checkpoint ? { checkpoint } : {}) },
    ...(info ?? origin.info ? { info: info ?? origin.info } : {}),
  };
}
