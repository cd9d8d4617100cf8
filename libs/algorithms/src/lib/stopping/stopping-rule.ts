import { JsonObject, isPlainObject } from '@vela/search-space';
import { InvalidArgumentError } from '@vela/errors';
import { Trial, TrialBook, TrialRecord, isInFlight } from '../core/trial-book';
import { Observation, ObjectiveValue } from '../core/types';
import { StoppingSettings, parseStoppingSettings } from './stopping.settings';

/** Linear-interpolated percentile (numpy's default). */
function percentileOf(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = ((sorted.length - 1) * q) / 100;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

/**
 * An early-stopping rule on intermediate records (Optuna's PercentilePruner/MedianPruner,
 * Katib's median stop): a running trial is stopped at epoch s when its best value so far is
 * worse than the `percentile` of the completed trials' values at s (or their running averages
 * up to s, with `compare: running_average`), once `startup_trials` trials have completed, past
 * `warmup_steps`, with at least `min_trials` of them reporting epoch s.
 *
 * Call order: `observe()` the same observations the search algorithm gets, then `decide()`
 * returns the trials to stop; the caller stops them (the worker learns it at its next report)
 * and later observes them CANCELLED. State is the observations applied; `snapshot()`/`restore()`
 * round-trip it.
 */
export class StoppingRule {
  private book = new TrialBook();
  readonly settings: StoppingSettings;

  constructor(raw: unknown, path = 'early_stopping') {
    this.settings = parseStoppingSettings(raw, path);
  }

  observe(observations: readonly Observation[]): void {
    observations.forEach((o, i) => this.book.apply(o, `observations[${i}]`));
  }

  /** Ids of trials in flight that should stop now, in the order the book first saw them. */
  decide(): string[] {
    const completed = this.book.list().filter((t) => t.state === 'SUCCEEDED' && t.final);
    if (completed.length < this.settings.startup_trials) return [];
    return this.book
      .list()
      .filter((t) => isInFlight(t) && this.shouldStop(t, completed))
      .map((t) => t.trialId);
  }

  private objectiveOf(records: readonly TrialRecord[]): ObjectiveValue | undefined {
    for (const record of records) {
      const found = this.settings.objective_key ? record.objectives.find((o) => o.key === this.settings.objective_key) : record.objectives[0];
      if (found) return found;
    }
    return undefined;
  }

  private valueAt(record: TrialRecord, key: string): number | undefined {
    return record.objectives.find((o) => o.key === key)?.value;
  }

  private shouldStop(trial: Trial, completed: readonly Trial[]): boolean {
    const latest = trial.records[trial.records.length - 1];
    if (!latest || latest.epoch < this.settings.warmup_steps) return false;
    const objective = this.objectiveOf(trial.records);
    if (!objective) return false;
    const step = latest.epoch;
    const maximize = objective.goal === 'MAXIMIZE';
    const own = trial.records.map((r) => this.valueAt(r, objective.key)).filter((v): v is number => v !== undefined);
    const best = maximize ? Math.max(...own) : Math.min(...own);
    const others: number[] = [];
    for (const other of completed) {
      if (other.trialId === trial.trialId) continue;
      if (this.settings.compare === 'value') {
        const record = other.records.find((r) => r.epoch === step);
        const value = record && this.valueAt(record, objective.key);
        if (value !== undefined) others.push(value);
      } else {
        const upTo = other.records.filter((r) => r.epoch <= step).map((r) => this.valueAt(r, objective.key)).filter((v): v is number => v !== undefined);
        if (upTo.length > 0 && other.records.some((r) => r.epoch >= step)) others.push(upTo.reduce((a, b) => a + b, 0) / upTo.length);
      }
    }
    if (others.length < this.settings.min_trials) return false;
    const threshold = percentileOf(others, maximize ? 100 - this.settings.percentile : this.settings.percentile);
    return maximize ? best < threshold : best > threshold;
  }

  snapshot(): JsonObject {
    return { rule: this.settings.rule, book: this.book.toJSON() };
  }

  restore(snapshot: JsonObject): void {
    if (!isPlainObject(snapshot) || snapshot['rule'] !== this.settings.rule) throw new InvalidArgumentError(`is not a snapshot of the ${this.settings.rule} rule`, 'snapshot.rule');
    this.book = TrialBook.fromJSON(snapshot['book']);
  }
}
