// Conformance kit and simulation helpers for search algorithms (Optuna's
// `optuna/testing/pytest_samplers.py`): import from '@vela/algorithms/testing'.
import { InvalidArgumentError } from '@vela/errors';
import { registry } from '@vela/registry';
import { JsonObject, Point, SearchSpace, SearchSpaceConfig, canonicalJson, stableHash } from '@vela/search-space';
import { ALL_TYPES_SPACE, SMALL_DISCRETE_SPACE } from '@vela/search-space/testing';
import { createSearchAlgorithm } from './lib/core/create';
import { ObjectiveGoal, Observation, SearchAlgorithm, Suggestion } from './lib/core/types';

/** The objective a simulated trial reports: a value for a point after `epoch` epochs. */
export type SimulatedObjective = (point: Point, epoch: number) => number | readonly number[];

export interface DriveOptions {
  /** Stop after this many new trials (promotions and continuations not counted). */
  readonly trials?: number;
  /** Trials in flight at once. */
  readonly parallel?: number;
  /** Default: a deterministic pseudo-random accuracy that grows with the epoch. */
  readonly objective?: SimulatedObjective;
  /** Objective keys and goals, one per value the objective returns. */
  readonly objectives?: readonly { readonly key: string; readonly goal: ObjectiveGoal }[];
  /** Epochs trained when a suggestion has no budget. */
  readonly defaultEpochs?: number;
  /** Simulate failures: the trial with this sequence number fails, and the next one's first attempt goes stale. */
  readonly failTrial?: number;
  /** Stop once this many epochs have been trained in total (for equal-budget comparisons). */
  readonly epochBudget?: number;
  /** Safety cap on simulation steps. */
  readonly maxSteps?: number;
  /** Called after each step with the observations sent. */
  readonly onStep?: (step: number, sent: readonly Observation[]) => void;
}

export interface DriveResult {
  readonly suggestions: Suggestion[];
  readonly observations: Observation[];
  readonly newTrials: number;
  /** Every suggest call: how many observations had been sent before it, n, and what it returned. */
  readonly calls: { readonly after: number; readonly n: number; readonly returned: readonly Suggestion[] }[];
  /** Why the drive stopped. */
  readonly stopped: 'completed' | 'trial-limit' | 'step-limit' | 'epoch-budget';
  /** Epochs trained in total. */
  readonly epochs: number;
}

/** A deterministic pseudo-random number in [0, 1) for a point. */
export function pointNoise(point: Point, salt = ''): number {
  return parseInt(stableHash([salt, point]).slice(0, 8), 16) / 2 ** 32;
}

const defaultObjective: SimulatedObjective = (point, epoch) => 0.5 + 0.4 * pointNoise(point) * (epoch / (epoch + 2));

interface Running {
  readonly trialId: string;
  readonly suggestion: Suggestion;
  readonly start: number;
  attempt: number;
}

/**
 * Runs a search as the pipeline would: asks for suggestions while there is free capacity,
 * persists each as a trial (ids `t0`, `t1`, ...; a promotion keeps its trial's id), sends
 * PENDING with the suggestion, then trains the oldest in-flight trial: a record per epoch up
 * to its budget (with a checkpoint), the last one final. Deterministic.
 */
export function driveSearch(algorithm: SearchAlgorithm, options: DriveOptions = {}): DriveResult {
  const parallel = options.parallel ?? 1;
  const objective = options.objective ?? defaultObjective;
  const specs = options.objectives ?? [{ key: 'accuracy', goal: 'MAXIMIZE' as const }];
  const maxSteps = options.maxSteps ?? 10_000;
  const suggestions: Suggestion[] = [];
  const observations: Observation[] = [];
  const attempts = new Map<string, number>();
  const inFlight: Running[] = [];
  const calls: { after: number; n: number; returned: readonly Suggestion[] }[] = [];
  let newTrials = 0;
  let epochs = 0;
  const send = (sent: Observation[], step: number) => {
    algorithm.observe(sent);
    observations.push(...sent);
    options.onStep?.(step, sent);
  };
  for (let step = 0; step < maxSteps; step++) {
    if (options.epochBudget !== undefined && epochs >= options.epochBudget) return { suggestions, observations, newTrials, calls, epochs, stopped: 'epoch-budget' };
    if (algorithm.isCompleted) return { suggestions, observations, newTrials, calls, epochs, stopped: 'completed' };
    const sent: Observation[] = [];
    const free = parallel - inFlight.length;
    if (free > 0) {
      const returned = algorithm.suggest(free);
      calls.push({ after: observations.length, n: free, returned });
      for (const suggestion of returned) {
        if (!suggestion.continues && options.trials !== undefined && newTrials >= options.trials) break;
        const trialId = suggestion.continues ? suggestion.continues.trialId : `t${newTrials++}`;
        const attempt = attempts.get(trialId) ?? 1;
        attempts.set(trialId, attempt);
        const stored = { ...suggestion, trialId };
        suggestions.push(stored);
        const start = suggestion.continues?.epoch ?? suggestion.parent?.epoch ?? 0;
        sent.push({ trialId, attempt, epoch: start, state: 'PENDING', suggestion: stored });
        inFlight.push({ trialId, suggestion: stored, start, attempt });
      }
    }
    if (inFlight.length === 0) {
      if (options.trials !== undefined && newTrials >= options.trials) return { suggestions, observations, newTrials, calls, epochs, stopped: 'trial-limit' };
      throw new Error(`${algorithm.name}: suggests nothing with nothing in flight, yet is not completed (step ${step})`);
    }
    if (sent.length > 0) {
      send(sent, step);
      continue;
    }
    const running = inFlight.shift() as Running;
    const { trialId, suggestion, start } = running;
    const seq = Number(trialId.slice(1));
    if (options.failTrial !== undefined && seq === options.failTrial + 1 && running.attempt === 1 && !suggestion.continues) {
      running.attempt = 2;
      attempts.set(trialId, 2);
      send([
        { trialId, attempt: 1, epoch: start, state: 'RUNNING' },
        { trialId, attempt: 1, epoch: start, state: 'STALE' },
        { trialId, attempt: 2, epoch: start, state: 'PENDING' },
      ], step);
      inFlight.push(running);
      continue;
    }
    if (options.failTrial !== undefined && seq === options.failTrial && !suggestion.continues) {
      send([{ trialId, attempt: running.attempt, epoch: start, state: 'RUNNING' }, { trialId, attempt: running.attempt, epoch: start, state: 'FAILED' }], step);
      continue;
    }
    const end = suggestion.budget?.epochs ?? options.defaultEpochs ?? 1;
    const records: Observation[] = [{ trialId, attempt: running.attempt, epoch: start, state: 'RUNNING' }];
    for (let epoch = start + 1; epoch <= end; epoch++) {
      epochs++;
      const values = objective(suggestion.point, epoch);
      const list = typeof values === 'number' ? [values] : values;
      records.push({
        trialId,
        attempt: running.attempt,
        epoch,
        state: epoch === end ? 'SUCCEEDED' : 'RUNNING',
        objectives: specs.map((spec, i) => ({ key: spec.key, goal: spec.goal, value: list[i] })),
        final: epoch === end,
        checkpoint: `ckpt/${trialId}/${epoch}`,
      });
    }
    if (end <= start) records.push({ trialId, attempt: running.attempt, epoch: start, state: 'FAILED' });
    send(records, step);
  }
  return { suggestions, observations, newTrials, calls, epochs, stopped: 'step-limit' };
}

export interface ConformanceOptions {
  /** Settings (without `type`) per registered name; default `{}`. Keep runs short. */
  readonly settings?: Readonly<Record<string, JsonObject>>;
  /** A search space per name, for algorithms that need a particular one (e.g. PruneEA). */
  readonly spaces?: Readonly<Record<string, SearchSpaceConfig>>;
  /** A small discrete space per name for the de-duplication check (default SMALL_DISCRETE_SPACE). */
  readonly smallSpaces?: Readonly<Record<string, SearchSpaceConfig>>;
  /** The objectives reported, per name (multi-objective algorithms want two). */
  readonly objectives?: Readonly<Record<string, DriveOptions['objectives']>>;
  /** Names to leave out (e.g. a remote algorithm that needs a server). */
  readonly skip?: readonly string[];
  /** Safety cap on new trials per simulated search. */
  readonly trials?: number;
}

/** Feeds `observations[from..]` to `algorithm` and checks each recorded suggest call gives the same answer. */
function expectSameCalls(algorithm: SearchAlgorithm, observations: readonly Observation[], from: number, calls: DriveResult['calls']): void {
  let position = from;
  for (const call of calls) {
    algorithm.observe(observations.slice(position, call.after));
    position = call.after;
    expect(canonicalJson(algorithm.suggest(call.n))).toBe(canonicalJson(call.returned));
  }
}

const twoObjective: SimulatedObjective = (point, epoch) => {
  const a = pointNoise(point, 'a');
  return [0.5 + 0.4 * a * (epoch / (epoch + 2)), 1 + 3 * (1 - a) * pointNoise(point, 'b')];
};

/**
 * The conformance suite every registered search algorithm must pass (STYLE.md): suggestions
 * inside the space for all nine parameter types with conditions and forbidden combinations;
 * budgets and `isCompleted` respected; the same seed gives the same suggestions;
 * snapshot → restore mid-search gives identical subsequent suggestions; `suggest()` leaves
 * the snapshot unchanged; re-delivered observations change nothing; pending suggestions are
 * not repeated; bad settings are InvalidArgumentErrors naming the key.
 */
export function describeSearchAlgorithmConformance(options: ConformanceOptions = {}): void {
  const entries = registry.list('search_algorithm').filter((entry) => !(options.skip ?? []).includes(entry.name));
  const cap = options.trials ?? 60;

  describe.each(entries.map((entry) => [entry.name]))('search algorithm %s (conformance)', (name) => {
    const spaceConfig = options.spaces?.[name] ?? ALL_TYPES_SPACE;
    const space = SearchSpace.fromConfig(spaceConfig);
    const settings = { type: name, ...(options.settings?.[name] ?? {}) };
    const objectives = options.objectives?.[name];
    const objective = objectives && objectives.length > 1 ? twoObjective : undefined;
    const make = (seed: number) => createSearchAlgorithm(settings, space, { seed });
    const drive = (algorithm: SearchAlgorithm, extra: DriveOptions = {}) =>
      driveSearch(algorithm, { trials: cap, parallel: 3, objectives, objective, failTrial: 4, ...extra });

    it('suggests only allowed points, with consistent descs, budgets and promotions', () => {
      const algorithm = make(1);
      const result = drive(algorithm);
      expect(result.suggestions.length).toBeGreaterThan(0);
      const space = algorithm.space;
      const known = new Set<string>();
      for (const suggestion of result.suggestions) {
        expect(space.problems(suggestion.point)).toEqual([]);
        const materialized = space.materialize(suggestion.point);
        if (!suggestion.code) {
          expect(suggestion.hyperparameters).toEqual(materialized.hyperparameters);
          expect(suggestion.desc).toEqual(materialized.desc);
        }
        if (suggestion.budget) {
          expect(Number.isInteger(suggestion.budget.epochs) && suggestion.budget.epochs >= 1).toBe(true);
        }
        for (const resume of [suggestion.continues, suggestion.parent]) {
          if (!resume) continue;
          expect(known.has(resume.trialId)).toBe(true);
          expect(resume.epoch).toBeLessThan(suggestion.budget?.epochs ?? Infinity);
        }
        known.add(suggestion.trialId as string);
      }
    });

    it('respects its budget: completes, then suggests nothing', () => {
      const algorithm = make(2);
      const result = drive(algorithm, { trials: undefined, maxSteps: 20_000 });
      expect(result.stopped).toBe('completed');
      expect(algorithm.isCompleted).toBe(true);
      expect(algorithm.suggest(5)).toEqual([]);
    });

    it('gives the same suggestions for the same seed', () => {
      const a = drive(make(3)).suggestions;
      const b = drive(make(3)).suggestions;
      expect(canonicalJson(b)).toBe(canonicalJson(a));
    });

    it('restores a mid-search snapshot into an algorithm that continues identically', () => {
      const original = make(4);
      let snapshot: unknown;
      let cut = -1;
      let sentCount = 0;
      const history = drive(original, {
        onStep: (step, sent) => {
          sentCount += sent.length;
          if (step !== 12) return;
          const before = JSON.stringify(original.snapshot());
          original.suggest(3);
          expect(JSON.stringify(original.snapshot())).toBe(before);
          snapshot = JSON.parse(before);
          cut = sentCount;
        },
      });
      expect(cut).toBeGreaterThan(0);
      const restored = make(4);
      restored.restore(snapshot as JsonObject);
      const later = history.calls.filter((call) => call.after >= cut);
      expect(later.length).toBeGreaterThan(0);
      expectSameCalls(restored, history.observations, cut, later);
      expectSameCalls(make(4), history.observations, 0, history.calls);
      expect(() => make(4).restore({ ...(snapshot as JsonObject), seed: 99 })).toThrow('seed');
    });

    it('ignores re-delivered and out-of-date observations', () => {
      const algorithm = make(5);
      const { observations } = drive(algorithm, { trials: Math.min(cap, 15) });
      const before = JSON.stringify(algorithm.snapshot());
      algorithm.observe(observations.slice(0, Math.floor(observations.length / 2)));
      algorithm.observe(observations.filter((o) => o.state === 'PENDING' && o.attempt === 1));
      expect(JSON.stringify(algorithm.snapshot())).toBe(before);
    });

    it('never re-suggests a point in flight, nor repeats one in a batch', () => {
      const small = SearchSpace.fromConfig(options.smallSpaces?.[name] ?? SMALL_DISCRETE_SPACE);
      const algorithm = createSearchAlgorithm(settings, small, { seed: 6 });
      const first = algorithm.suggest(3);
      expect(first.length).toBeGreaterThan(0);
      const keys = first.map((s) => canonicalJson(s.point));
      expect(new Set(keys).size).toBe(keys.length);
      algorithm.observe(first.map((s, i) => ({ trialId: `p${i}`, attempt: 1, epoch: 0, state: 'PENDING', suggestion: s })));
      const next = algorithm.suggest(4);
      for (const s of next) if (!s.continues && !s.parent) expect(keys).not.toContain(canonicalJson(s.point));
      expect(algorithm.suggest(4)).toEqual(next);
    });

    it('rejects unknown policy keys and malformed observations, naming the field', () => {
      expect(() => createSearchAlgorithm({ ...settings, policy: { ...((settings as JsonObject)['policy'] as JsonObject), no_such_key: 1 } }, space)).toThrow(
        'search_algorithm.policy.no_such_key: unknown key',
      );
      const algorithm = make(7);
      expect(() => algorithm.observe([{ trialId: 'x', attempt: 1, epoch: 0, state: 'PENDING' }])).toThrow(InvalidArgumentError);
      expect(() => algorithm.observe([{ trialId: 'x', attempt: 0, epoch: 0, state: 'PENDING' }])).toThrow('observations[0].attempt: must be an integer >= 1, got 0');
    });
  });
}
