import { Point } from '@vela/search-space';
import { BaseAlgorithm } from '../core/base.algorithm';
import { AlgorithmSettings } from '../core/settings';
import { promotion, recordAt, rungBudgets, rungOf } from '../core/fidelity';
import { Trial, isInFlight } from '../core/trial-book';
import { AlgorithmContext, Suggestion } from '../core/types';
import { HyperbandPolicy, parseHyperbandSettings } from './hyperband.settings';

/** One successive-halving bracket: its configurations start at `firstRung` and halve per rung. */
export interface Bracket {
  readonly index: number;
  readonly firstRung: number;
  /** How many trials each of its rungs holds, from its first rung up. */
  readonly sizes: readonly number[];
}

/**
 * Hyperband (Li et al., 2018): `repeat_times` rounds of brackets s = s_max..0; bracket s starts
 * ⌈(s_max+1)/(s+1)·η^s⌉ configurations at budget max/η^s and runs synchronous successive halving:
 * once every trial of a rung has finished, the best ⌊n/η⌋ are promoted (the same trial
 * continues from its checkpoint with the next budget). While a bracket waits for its rung to
 * finish, the next bracket starts, so capacity is never idle. Configurations are random;
 * BOHB overrides `sampleConfig`.
 */
export class HyperbandAlgorithm<P extends HyperbandPolicy = HyperbandPolicy> extends BaseAlgorithm<P> {
  protected readonly budgets: number[];
  protected readonly brackets: Bracket[];

  constructor(context: AlgorithmContext, name = 'hyperband', settings?: AlgorithmSettings<P>) {
    super(name, context, settings ?? (parseHyperbandSettings(context.settings, context.path ?? 'search_algorithm') as AlgorithmSettings<P>));
    const { min_epochs, total_epochs, eta, repeat_times } = this.settings.policy;
    this.budgets = rungBudgets(min_epochs, total_epochs, eta);
    const top = this.budgets.length - 1;
    this.brackets = [];
    for (let round = 0; round < repeat_times; round++) {
      for (let s = top; s >= 0; s--) {
        const first = Math.ceil(((top + 1) / (s + 1)) * eta ** s);
        const sizes = Array.from({ length: s + 1 }, (_, i) => Math.max(1, Math.floor(first / eta ** i)));
        this.brackets.push({ index: this.brackets.length, firstRung: top - s, sizes });
      }
    }
  }

  /** A new configuration for a bracket (random here; BOHB models it). */
  protected sampleConfig(index: number, batch: readonly Suggestion[]): Point | undefined {
    return this.freshRandomPoint(this.rng(index), batch);
  }

  private members(bracket: Bracket): Trial[] {
    return this.book.list().filter((trial) => trial.origin.info?.['bracket'] === bracket.index);
  }

  /** Trials of the bracket that reached its i-th rung. */
  private entered(bracket: Bracket, members: readonly Trial[], i: number): Trial[] {
    return members.filter((t) => rungOf(t) >= bracket.firstRung + i);
  }

  /** Trials of the bracket's i-th rung ranked by their result there (failed ones left out). */
  private ranked(bracket: Bracket, members: readonly Trial[], i: number): Trial[] {
    const budget = this.budgets[bracket.firstRung + i];
    return this.entered(bracket, members, i)
      .map((trial) => ({ trial, loss: this.lossOf(recordAt(trial, budget)?.objectives) }))
      .filter((r): r is { trial: Trial; loss: number } => r.loss !== undefined)
      .sort((a, b) => a.loss - b.loss || a.trial.seq - b.trial.seq)
      .map((r) => r.trial);
  }

  /** Whether every trial that will ever enter the bracket's i-th rung has entered it and finished it. */
  private rungComplete(bracket: Bracket, members: readonly Trial[], i: number): boolean {
    const rung = bracket.firstRung + i;
    if (members.some((t) => rungOf(t) === rung && isInFlight(t))) return false;
    if (i === 0) return members.length >= bracket.sizes[0];
    const expected = Math.min(bracket.sizes[i], this.ranked(bracket, members, i - 1).length);
    return this.rungComplete(bracket, members, i - 1) && this.entered(bracket, members, i).length >= expected;
  }

  /** The next trial to promote out of the bracket's i-th rung, once that rung is complete. */
  private nextPromotion(bracket: Bracket, members: readonly Trial[], i: number, batch: readonly Suggestion[]): Trial | undefined {
    if (!this.rungComplete(bracket, members, i)) return undefined;
    const rung = bracket.firstRung + i;
    return this.ranked(bracket, members, i)
      .slice(0, bracket.sizes[i + 1])
      .find((t) => rungOf(t) === rung && !batch.some((s) => s.continues?.trialId === t.trialId));
  }

  protected propose(index: number, batch: readonly Suggestion[]): Suggestion | undefined {
    for (const bracket of this.brackets) {
      const members = this.members(bracket);
      const started = members.length + batch.filter((s) => !s.continues && s.info?.['bracket'] === bracket.index).length;
      if (started < bracket.sizes[0]) {
        const point = this.sampleConfig(index, batch);
        if (!point) return undefined;
        return this.suggestionFor(point, { budget: { epochs: this.budgets[bracket.firstRung] }, rung: bracket.firstRung, info: { bracket: bracket.index } });
      }
      for (let i = bracket.sizes.length - 2; i >= 0; i--) {
        const trial = this.nextPromotion(bracket, members, i, batch);
        if (trial) return promotion(trial, bracket.firstRung + i + 1, this.budgets);
      }
    }
    return undefined;
  }

  protected get finished(): boolean {
    return this.brackets.every((bracket) => {
      const members = this.members(bracket);
      if (members.length < bracket.sizes[0]) return false;
      return bracket.sizes.slice(0, -1).every((_, i) => this.nextPromotion(bracket, members, i, []) === undefined);
    });
  }
}
