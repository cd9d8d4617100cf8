import { FailedPreconditionError, InvalidArgumentError } from '@vela/errors';
import { JsonObject, Point, Prng, SearchSpace, canonicalJson, isPlainObject, show } from '@vela/search-space';
import { AlgorithmSettings } from './settings';
import { Trial, TrialBook, isInFlight } from './trial-book';
import { AlgorithmContext, AlgorithmSnapshot, ObjectiveGoal, ObjectiveValue, Observation, SearchAlgorithm, Suggestion } from './types';

/** An objective an algorithm optimises, with its goal once a record has told it. */
export interface ObjectiveSpec {
  readonly key: string;
  readonly goal: ObjectiveGoal;
}

/**
 * Shared machinery for the built-in algorithms: the trial book (idempotent observation
 * folding), objective resolution, seeded random streams per suggestion index, de-duplication
 * against trials in flight, and snapshot/restore. Subclasses implement `propose()` (one
 * suggestion, seeing the ones already proposed in this batch) and `finished` (no further
 * suggestion will come); they keep every other piece of state derivable from the book, or
 * save it through `saveState()`/`loadState()`.
 */
export abstract class BaseAlgorithm<P> implements SearchAlgorithm {
  protected book = new TrialBook();
  /** `objectives()` cached until the next observe/restore. */
  private objectiveCache: ObjectiveSpec[] | undefined;
  readonly space: SearchSpace;
  protected readonly seed: number;
  protected readonly path: string;

  protected constructor(
    readonly name: string,
    context: AlgorithmContext,
    protected readonly settings: AlgorithmSettings<P>,
  ) {
    this.space = context.space;
    this.seed = context.seed;
    this.path = context.path ?? 'search_algorithm';
    if (!Number.isFinite(context.seed)) throw new InvalidArgumentError(`must be a finite number, got ${show(context.seed)}`, 'seed');
  }

  /**
   * The next suggestion, or undefined when there is none for now. `index` is the global
   * index of this suggestion (seed the random stream with it); `batch` holds the suggestions
   * already proposed in this call, to be treated as in flight.
   */
  protected abstract propose(index: number, batch: readonly Suggestion[]): Suggestion | undefined;

  /** True when `propose` will never return anything again. */
  protected abstract get finished(): boolean;

  /** Called after each observation is folded into the book. */
  protected onObserve(_trial: Trial, _observation: Observation): void {
    // Most algorithms derive everything from the book.
  }

  protected saveState(): JsonObject {
    return {};
  }

  protected loadState(_state: JsonObject): void {
    // Nothing beyond the book by default.
  }

  suggest(n: number): Suggestion[] {
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`must be a non-negative integer, got ${show(n)}`, 'n');
    const batch: Suggestion[] = [];
    while (batch.length < n) {
      const next = this.propose(this.book.suggestionCount + batch.length, batch);
      if (!next) break;
      batch.push(next);
    }
    return batch;
  }

  observe(observations: readonly Observation[]): void {
    if (!Array.isArray(observations)) throw new InvalidArgumentError(`must be a list of observations, got ${show(observations)}`, 'observations');
    this.objectiveCache = undefined;
    observations.forEach((observation, i) => {
      const trial = this.book.apply(observation, `observations[${i}]`);
      this.onObserve(trial, observation);
    });
  }

  get isCompleted(): boolean {
    return this.finished && !this.book.list().some(isInFlight);
  }

  snapshot(): AlgorithmSnapshot {
    return { algorithm: this.name, seed: this.seed, book: this.book.toJSON(), state: this.saveState() };
  }

  restore(snapshot: AlgorithmSnapshot): void {
    if (!isPlainObject(snapshot) || snapshot['algorithm'] !== this.name) {
      throw new InvalidArgumentError(`is not a snapshot of ${this.name} (it names ${show(isPlainObject(snapshot) ? snapshot['algorithm'] : snapshot)})`, 'snapshot.algorithm');
    }
    if (snapshot['seed'] !== this.seed) throw new FailedPreconditionError(`snapshot.seed: was taken with seed ${show(snapshot['seed'])}, this search has seed ${this.seed}`);
    this.book = TrialBook.fromJSON(snapshot['book']);
    this.objectiveCache = undefined;
    this.loadState(isPlainObject(snapshot['state']) ? (snapshot['state'] as JsonObject) : {});
  }

  /** A random stream for the suggestion with this index (and optional purpose labels). */
  protected rng(index: number, ...labels: readonly (string | number)[]): Prng {
    return Prng.seeded(this.seed, this.name, index, ...labels);
  }

  /** A suggestion for a point, with its desc and nested hyperparameters. */
  protected suggestionFor(point: Point, extra: Omit<Suggestion, 'point' | 'desc' | 'hyperparameters'> = {}): Suggestion {
    return { point, ...this.space.materialize(point), ...extra };
  }

  /** Whether `point` is already in flight (or, with `anyKnown`, known at all) or proposed in this batch. */
  protected isTaken(point: Point, batch: readonly Suggestion[], anyKnown = false): boolean {
    const key = canonicalJson(point);
    if (batch.some((s) => !s.continues && canonicalJson(s.point) === key)) return true;
    for (const id of this.book.trialsWithPoint(key)) {
      const trial = this.book.get(id) as Trial;
      if (anyKnown || isInFlight(trial)) return true;
    }
    return false;
  }

  /**
   * A random allowed point not in flight nor in the batch: preferably one never tried, else
   * one not in flight; undefined when every point tried is in flight.
   */
  protected freshRandomPoint(rng: Prng, batch: readonly Suggestion[], attempts = 64): Point | undefined {
    let fallback: Point | undefined;
    for (let i = 0; i < attempts; i++) {
      const point = this.space.sample(rng);
      if (!this.isTaken(point, batch, true)) return point;
      if (!fallback && !this.isTaken(point, batch)) fallback = point;
    }
    return fallback;
  }

  /** New trials known (not counting promotions), plus those proposed in the batch. */
  protected newTrialCount(batch: readonly Suggestion[]): number {
    return this.book.size + batch.filter((s) => !s.continues).length;
  }

  /** The objectives optimised: `objective_keys`, else the first key any record reported. */
  protected objectives(): ObjectiveSpec[] {
    this.objectiveCache ??= this.findObjectives();
    return this.objectiveCache;
  }

  /**
   * Whether, without `objective_keys`, every objective of the first record is optimised
   * (multi-objective algorithms) rather than only its first.
   */
  protected readonly allReportedObjectives: boolean = false;

  private findObjectives(): ObjectiveSpec[] {
    const goals = new Map<string, ObjectiveGoal>();
    let firstRecord: readonly string[] | undefined;
    for (const trial of this.book.list()) {
      for (const record of trial.records) {
        if (!firstRecord && record.objectives.length > 0) firstRecord = record.objectives.map((o) => o.key);
        for (const objective of record.objectives) if (!goals.has(objective.key)) goals.set(objective.key, objective.goal);
      }
    }
    const inferred = firstRecord ? (this.allReportedObjectives ? firstRecord : firstRecord.slice(0, 1)) : [];
    const keys = this.settings.objectiveKeys.length > 0 ? this.settings.objectiveKeys : inferred;
    return keys.map((key) => ({ key, goal: goals.get(key) ?? 'MAXIMIZE' }));
  }

  /** The primary objective as a loss (lower is better), or undefined when not reported. */
  protected lossOf(objectives: readonly ObjectiveValue[] | undefined, spec = this.objectives()[0]): number | undefined {
    if (!objectives || !spec) return undefined;
    const found = objectives.find((o) => o.key === spec.key);
    if (!found) return undefined;
    return found.goal === 'MAXIMIZE' ? -found.value : found.value;
  }

  /** Finished trials with a final result, and their loss. */
  protected completedLosses(): { trial: Trial; loss: number }[] {
    const spec = this.objectives()[0];
    const out: { trial: Trial; loss: number }[] = [];
    for (const trial of this.book.list()) {
      if (trial.state !== 'SUCCEEDED' || !trial.final) continue;
      const loss = this.lossOf(trial.final.objectives, spec);
      if (loss !== undefined) out.push({ trial, loss });
    }
    return out;
  }
}
