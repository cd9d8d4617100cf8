import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Observation, SearchAlgorithm, Suggestion } from '@vela/algorithms';
import { assertResourceId, type SearchDefinition, type StoredSearch } from '@vela/contracts';
import { Prisma, PrismaClient, queryRows } from '@vela/db';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '@vela/errors';
import { canonicalJson, isPlainObject, type JsonObject } from '@vela/search-space';
import { isRemoteAlgorithm } from './remote.algorithm';
import { buildSearchAlgorithm, checkId } from './search-algorithm';

/** Options of the generator's search service. */
export interface SearchServiceOptions {
  /**
   * Write the algorithm's state snapshot once this many observations (or half the log, once
   * that is more: snapshotSpacing) have been applied since the last one, in the same
   * transaction as the log entries that make it due (default DEFAULT_SNAPSHOT_EVERY). 1 writes
   * one with every Observe that applies something; 0 never writes one, so a restart replays
   * the whole log.
   */
  readonly snapshotEvery?: number;
}

export const SEARCH_SERVICE_OPTIONS = Symbol('SEARCH_SERVICE_OPTIONS');

/**
 * A snapshot is the algorithm's whole state, which grows with the trials (about 1 kB each for
 * TPE or RandomSearch: ~0.5 MB at 500 trials), so writing one per Observe makes a search's
 * cost quadratic (measured: 34 against 21 ms per call over 500 trials on a loaded 2-core
 * machine). Every 100 observations keeps the writing amortised at a few kB per observation
 * and a restart's replay under 100 observations, a few milliseconds.
 */
export const DEFAULT_SNAPSHOT_EVERY = 100;

/**
 * Observations from the snapshot at `stateSeq` to the next: `every`, or half the log so far
 * once that is more. A snapshot's size grows with the log, so a fixed spacing makes their
 * total quadratic (2,000 trials: 2 MB written every 50 trials, a 100–190 ms stall of the
 * generator each time); half the log keeps the total within three times the final snapshot,
 * and a restart replays at most a third of the log.
 */
export function snapshotSpacing(every: number, stateSeq: number): number {
  return Math.max(every, Math.floor(stateSeq / 2));
}

/** The most suggestions one Suggest may ask for. */
export const MAX_SUGGESTIONS_PER_CALL = 1000;
/** How many log entries a replay reads at a time. */
const REPLAY_PAGE = 1000;
/** Long replays run inside the lock-holding transaction; give them room. */
const TRANSACTION = { maxWait: 30_000, timeout: 120_000 };

export interface SuggestResult {
  readonly suggestions: readonly Suggestion[];
  readonly isCompleted: boolean;
}

export interface ObserveResult {
  readonly appliedCount: number;
  readonly duplicateCount: number;
  readonly observedSeq: number;
  readonly isCompleted: boolean;
  /** What `thenSuggest` asked for, suggested after the observations. */
  readonly suggestions: readonly Suggestion[];
}

interface SearchRow {
  id: string;
  run_id: string;
  step: string;
  algorithm: string;
  settings: Prisma.JsonValue;
  space: Prisma.JsonValue;
  objectives: Prisma.JsonValue;
  seed: bigint;
  request_id: string | null;
  state_snapshot: Prisma.JsonValue | null;
  state_seq: bigint;
  observed_seq: bigint;
  suggestion_count: bigint;
  suggest_request_id: string | null;
  suggest_response: Prisma.JsonValue | null;
  completed: boolean;
  created_at: Date;
  updated_at: Date;
}

/** What each call reads under the row lock: the search's large columns (space, settings, snapshot) only when it must rebuild. */
type LockedSearch = Pick<SearchRow, 'id' | 'observed_seq' | 'state_seq' | 'completed' | 'suggest_request_id'>;

/** An algorithm in memory and the log position its state reflects. */
interface Loaded {
  readonly algorithm: SearchAlgorithm;
  observedSeq: number;
  /** The log position of the stored snapshot. */
  stateSeq: number;
  /** The keys of every observation in the log (keyOf), to skip repeats without reading it. */
  readonly logged: Set<string>;
}

type Tx = Prisma.TransactionClient;

/** A call answered from memory: its result, and the statement (if any) that must apply for it to stand. */
interface FastCall<T> {
  readonly result: T;
  readonly write?: (searchId: string) => Prisma.Sql;
  /** Run once the write applied: the memory moves on with the log. */
  readonly applied?: () => void;
}

/** The identity of an observation in the log: a repeat of it is skipped. */
const keyOf = (o: { trialId: string; attempt: number; epoch: number; final?: boolean | null; state: string }) =>
  `${o.trialId.toLowerCase()}|${o.attempt}|${o.epoch}|${o.final ? 1 : 0}|${o.state}`;

/**
 * The generator's searches (DESIGN.md, "Generator ↔ pipeline"): a search space plus an
 * algorithm per pipeline step, Suggest and Observe, and their persistence.
 *
 * - Suggest does not change the algorithm's state (the algorithms' contract): the caller
 *   persists each suggestion as a trial and sends it back in the trial's first (PENDING)
 *   observation. A retry of the last Suggest (same request_id) gets the same answer.
 * - Observe is at-least-once: an observation whose (trial, attempt, epoch, final, state) is in
 *   the log is skipped. New ones are applied in order and appended to the log (seq) in one
 *   transaction with the new state snapshot; a malformed one applies nothing.
 * - The algorithm lives in memory per search. Each call locks the search's row and checks
 *   that the memory reflects the log's length; if not (a new process, another replica wrote,
 *   a failed call) it rebuilds it from the snapshot, or by replaying the log in seq order on
 *   an algorithm built with the search's seed, and so makes the same next suggestions.
 *
 * Thread safety: calls on one search are serialised in this process (a queue) and across
 * processes (`SELECT ... FOR UPDATE` on the search's row).
 *
 * The fast path: while this process's memory of a search is current, Suggest and Observe
 * skip the lock and write in one statement that applies only if the log's length is still
 * the one the memory reflects (`observed_seq`); if another replica wrote in between, the
 * memory is dropped and the call runs again under the lock. Suggest with a request id, and
 * plug-in algorithms, always take the lock.
 */
@Injectable()
export class SearchService {
  private readonly loaded = new Map<string, Loaded>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly snapshotEvery: number;

  constructor(
    private readonly prisma: PrismaClient,
    @Optional() @Inject(SEARCH_SERVICE_OPTIONS) options: SearchServiceOptions = {},
  ) {
    this.snapshotEvery = options?.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY;
    if (!Number.isInteger(this.snapshotEvery) || this.snapshotEvery < 0) {
      throw new InvalidArgumentError(`must be an integer >= 0, got ${this.snapshotEvery}`, 'snapshotEvery');
    }
  }

  /**
   * Creates a search after checking that its algorithm can run it (settings and space, each
   * error naming its key). Idempotent: a repeat of `requestId` returns the search it created;
   * an existing `searchId`, or an existing search of the same run and step, is returned when
   * its content is the same and ALREADY_EXISTS otherwise.
   */
  async createSearch(definition: SearchDefinition, options: { searchId?: string; requestId?: string } = {}): Promise<StoredSearch> {
    const wanted = normaliseDefinition(definition);
    const searchId = options.searchId ? checkId(options.searchId, 'search_id', 'a search') : undefined;
    const requestId = options.requestId || undefined;
    if (requestId) {
      const [earlier] = await this.prisma.$queryRaw<SearchRow[]>`SELECT * FROM searches WHERE request_id = ${requestId}`;
      if (earlier) return toStoredSearch(earlier);
    }
    const algorithm = buildSearchAlgorithm(wanted);
    if (isRemoteAlgorithm(algorithm)) await algorithm.validate();
    const [created] = await this.prisma.$queryRaw<SearchRow[]>`
      INSERT INTO searches (id, run_id, step, algorithm, settings, space, objectives, seed, request_id, completed, updated_at)
      VALUES (COALESCE(${searchId ?? null}::uuid, gen_random_uuid()), ${wanted.runId}::uuid, ${wanted.step}, ${wanted.algorithm},
              ${json(wanted.settings)}::jsonb, ${json(wanted.searchSpace)}::jsonb, ${json(wanted.objectives)}::jsonb, ${wanted.seed}::bigint, ${requestId ?? null},
              ${algorithm.isCompleted}, now())
      ON CONFLICT DO NOTHING
      RETURNING *`;
    if (created) {
      this.loaded.set(created.id, { algorithm, observedSeq: 0, stateSeq: 0, logged: new Set() });
      return toStoredSearch(created);
    }
    // Lost to an existing row: the same request, the same id, or the same run and step.
    const [existing] = await this.prisma.$queryRaw<SearchRow[]>`
      SELECT * FROM searches
      WHERE request_id = ${requestId ?? null} OR id = ${searchId ?? null}::uuid OR (run_id = ${wanted.runId}::uuid AND step = ${wanted.step})
      ORDER BY (request_id = ${requestId ?? null}) DESC NULLS LAST LIMIT 1`;
    if (!existing) throw new AlreadyExistsError(`search_id: a search with this id or request id was created concurrently; retry`);
    const stored = toStoredSearch(existing);
    if (requestId && existing.request_id === requestId) return stored;
    if (canonicalJson(definitionOf(stored)) !== canonicalJson(wanted)) {
      const which = searchId && existing.id === searchId ? `search '${searchId}'` : `the search of run '${wanted.runId}' step '${wanted.step}' (${existing.id})`;
      throw new AlreadyExistsError(`search: ${which} already exists with different content`);
    }
    return stored;
  }

  async getSearch(id: string, field = 'name'): Promise<StoredSearch> {
    const searchId = checkId(id, field, 'a search');
    const [row] = await queryRows<SearchRow>(this.prisma, Prisma.sql`SELECT * FROM searches WHERE id = ${searchId}::uuid`);
    if (!row) throw new NotFoundError(`${field}: search '${searchId}' not found`);
    return toStoredSearch(row);
  }

  /**
   * Up to `count` suggestions and whether the search is complete. The same `requestId` as the
   * last call that had one returns that call's answer. `count` 0 only asks for completion.
   */
  async suggest(id: string, count: number, requestId?: string): Promise<SuggestResult> {
    if (!Number.isInteger(count) || count < 0 || count > MAX_SUGGESTIONS_PER_CALL) {
      throw new InvalidArgumentError(`must be an integer in [0, ${MAX_SUGGESTIONS_PER_CALL}], got ${count}`, 'suggestion_count');
    }
    // Without a request id to remember, a Suggest is an Observe of nothing that then suggests.
    const fast = (loaded: Loaded) => (requestId || isRemoteAlgorithm(loaded.algorithm) ? undefined : this.observeCall(loaded, [], count));
    return this.serialised(id, fast, (tx, row, load) => this.suggestLocked(tx, row, load, count, requestId));
  }

  private async suggestLocked(tx: Tx, row: LockedSearch, load: () => Promise<Loaded>, count: number, requestId: string | undefined): Promise<SuggestResult> {
    if (requestId && row.suggest_request_id === requestId) {
      const [{ suggest_response: remembered }] = await tx.$queryRaw<Pick<SearchRow, 'suggest_response'>[]>`SELECT suggest_response FROM searches WHERE id = ${row.id}::uuid`;
      if (isPlainObject(remembered)) return remembered as unknown as SuggestResult;
    }
    const { algorithm } = await load();
    if (isRemoteAlgorithm(algorithm)) await algorithm.sync(count);
    const suggestions = algorithm.suggest(count);
    const result: SuggestResult = { suggestions, isCompleted: algorithm.isCompleted };
    // Only a call with a request id replaces the remembered answer, so that calls without
    // one do not take the retry away from the call that had one.
    const remember = requestId ? Prisma.sql`, suggest_request_id = ${requestId}, suggest_response = ${json(result)}::jsonb` : Prisma.empty;
    // A plug-in's state now includes every observation: keep it, so a restart does not resend them.
    const state = isRemoteAlgorithm(algorithm) ? Prisma.sql`, state_snapshot = ${json(algorithm.snapshot())}::jsonb, state_seq = observed_seq` : Prisma.empty;
    await tx.$executeRaw`
      UPDATE searches SET suggestion_count = suggestion_count + ${suggestions.length}, completed = ${result.isCompleted}, updated_at = now() ${remember} ${state}
      WHERE id = ${row.id}::uuid`;
    return result;
  }

  /**
   * Applies observations in order, skipping those already in the log (and repeats within the
   * call). Any malformed observation is INVALID_ARGUMENT naming it (`observations[2].attempt`),
   * and then nothing of the call is applied.
   */
  /**
   * Applies observations in order, skipping those already in the log (and repeats within the
   * call); then, with `thenSuggest` > 0, suggests up to that many as Suggest (without a request
   * id) would after them: one call and one write for both. Any malformed observation is
   * INVALID_ARGUMENT naming it (`observations[2].attempt`), and then nothing of the call is applied.
   */
  async observe(id: string, observations: readonly Observation[], thenSuggest = 0): Promise<ObserveResult> {
    if (!Array.isArray(observations)) throw new InvalidArgumentError('must be a list of observations', 'observations');
    observations.forEach((o, i) => checkId(o?.trialId, `observations[${i}].trial_id`, 'a trial'));
    if (!Number.isInteger(thenSuggest) || thenSuggest < 0 || thenSuggest > MAX_SUGGESTIONS_PER_CALL) {
      throw new InvalidArgumentError(`must be an integer in [0, ${MAX_SUGGESTIONS_PER_CALL}], got ${thenSuggest}`, 'then_suggest_count');
    }
    return this.serialised(
      id,
      (loaded) => (isRemoteAlgorithm(loaded.algorithm) ? undefined : this.observeCall(loaded, observations, thenSuggest)),
      async (tx, row, load) => {
        const loaded = await load();
        const call = this.observeCall(loaded, observations);
        // Under the lock the memory is current, so the write applies.
        if (call.write) await tx.$queryRaw(call.write(row.id));
        call.applied?.();
        if (thenSuggest === 0) return call.result;
        // The memory now includes these observations: suggest from it.
        const { suggestions, isCompleted } = await this.suggestLocked(tx, row, async () => loaded, thenSuggest, undefined);
        return { ...call.result, suggestions, isCompleted };
      },
    );
  }

  /**
   * Applies the fresh observations to the memory and then suggests `thenSuggest`; the write
   * appends the observations to the log, counts the suggestions and moves the search on, in one
   * statement applied only from the log length this memory reflects.
   */
  private observeCall(loaded: Loaded, observations: readonly Observation[], thenSuggest = 0): FastCall<ObserveResult> {
    const fresh = freshOf(observations, loaded.logged);
    const from = loaded.observedSeq;
    for (const { observation, index } of fresh) applyAt(loaded.algorithm, observation, index);
    const suggestions = thenSuggest > 0 && !loaded.algorithm.isCompleted ? loaded.algorithm.suggest(thenSuggest) : [];
    const seq = from + fresh.length;
    const isCompleted = loaded.algorithm.isCompleted;
    const result = { appliedCount: fresh.length, duplicateCount: observations.length - fresh.length, observedSeq: seq, isCompleted, suggestions };
    if (fresh.length === 0 && thenSuggest === 0) return { result };
    const snapshot = this.snapshotEvery > 0 && seq - loaded.stateSeq >= snapshotSpacing(this.snapshotEvery, loaded.stateSeq);
    const column = <V>(pick: (observation: Observation) => V) => fresh.map(({ observation }) => pick(observation));
    return {
      result,
      write: (searchId) => Prisma.sql`
        WITH moved AS (
          UPDATE searches SET observed_seq = ${seq}, suggestion_count = suggestion_count + ${suggestions.length}, completed = ${isCompleted}, updated_at = now()
                 ${snapshot ? Prisma.sql`, state_snapshot = ${json(loaded.algorithm.snapshot())}::jsonb, state_seq = ${seq}` : Prisma.empty}
          WHERE id = ${searchId}::uuid AND observed_seq = ${from} RETURNING id),
        logged AS (
          INSERT INTO search_observations (search_id, seq, trial_id, attempt, epoch, final, state, payload)
          SELECT moved.id, o.seq, o.trial_id, o.attempt, o.epoch, o.final, o.state::observation_state, o.payload
          FROM moved, unnest(${fresh.map((_, i) => from + i + 1)}::bigint[], ${column((o) => o.trialId)}::uuid[], ${column((o) => o.attempt)}::int[],
                             ${column((o) => o.epoch)}::int[], ${column((o) => o.final ?? false)}::bool[], ${column((o) => o.state)}::text[],
                             ${column((o) => json(o))}::jsonb[]) AS o(seq, trial_id, attempt, epoch, final, state, payload))
        SELECT id FROM moved`,
      applied: () => {
        loaded.observedSeq = seq;
        if (snapshot) loaded.stateSeq = seq;
        for (const { observation } of fresh) loaded.logged.add(keyOf(observation));
      },
    };
  }

  /** The log, in seq order (for inspection and tests). */
  async observationLog(id: string): Promise<{ seq: number; observation: Observation }[]> {
    const searchId = checkId(id, 'name', 'a search');
    const rows = await this.prisma.searchObservation.findMany({ where: { searchId }, orderBy: { seq: 'asc' } });
    return rows.map((row) => ({ seq: Number(row.seq), observation: row.payload as unknown as Observation }));
  }

  /** How many searches' algorithms this process holds in memory (unfinished searches it served). */
  get searchesInMemory(): number {
    return this.loaded.size;
  }

  /**
   * Runs a call on a search, serialised with this process's other calls on it: on the fast
   * path when the memory is loaded and `fast` offers one (its `write` must return a row when
   * it applied), else, or when the write did not apply, with the search's row locked. `load`
   * gives the algorithm as of the log; if a call fails after touching it, the memory is
   * dropped so the next call rebuilds it from what was committed.
   */
  private async serialised<T extends { isCompleted: boolean }>(
    id: string,
    fast: (loaded: Loaded) => FastCall<T> | undefined,
    locked: (tx: Tx, row: LockedSearch, load: () => Promise<Loaded>) => Promise<T>,
  ): Promise<T> {
    const searchId = checkId(id, 'name', 'a search');
    const previous = this.queues.get(searchId) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(async () => {
      try {
        const cached = this.loaded.get(searchId);
        const call = cached && fast(cached);
        if (call) {
          const applied = call.write ? (await queryRows(this.prisma, call.write(searchId))).length > 0 : true;
          if (applied) {
            call.applied?.();
            this.releaseIfCompleted(searchId, call.result.isCompleted);
            return call.result;
          }
          // Another replica moved the search on: rebuild from the log, under the lock.
          this.loaded.delete(searchId);
        }
        const result = await this.prisma.$transaction(async (tx) => {
          const [row] = await tx.$queryRaw<LockedSearch[]>`
            SELECT id, observed_seq, state_seq, completed, suggest_request_id FROM searches WHERE id = ${searchId}::uuid FOR UPDATE`;
          if (!row) throw new NotFoundError(`name: search '${searchId}' not found`);
          return locked(tx, row, () => this.load(tx, row));
        }, TRANSACTION);
        this.releaseIfCompleted(searchId, result.isCompleted);
        return result;
      } catch (error) {
        this.loaded.delete(searchId);
        throw error;
      }
    });
    this.queues.set(searchId, run);
    try {
      return await run;
    } finally {
      if (this.queues.get(searchId) === run) this.queues.delete(searchId);
    }
  }

  /**
   * A completed search gets no more suggestions, so its algorithm leaves memory (a late call
   * rebuilds it from the database); a long-lived generator holds only unfinished searches.
   */
  private releaseIfCompleted(searchId: string, completed: boolean): void {
    if (completed) this.loaded.delete(searchId);
  }

  /** The algorithm as of the search's log: from memory when it is current, else rebuilt. */
  private async load(tx: Tx, locked: LockedSearch): Promise<Loaded> {
    const cached = this.loaded.get(locked.id);
    if (cached && cached.observedSeq === Number(locked.observed_seq)) return cached;
    this.loaded.delete(locked.id);
    const [row] = await tx.$queryRaw<SearchRow[]>`SELECT * FROM searches WHERE id = ${locked.id}::uuid`;
    const definition = definitionOf(toStoredSearch(row));
    let algorithm = buildSearchAlgorithm(definition);
    let from = 0;
    if (row.state_snapshot !== null) {
      try {
        algorithm.restore(row.state_snapshot as JsonObject);
        from = Number(row.state_seq);
      } catch {
        // A snapshot this build cannot read (an algorithm changed between versions): the log
        // is the source of truth, so replay all of it instead.
        algorithm = buildSearchAlgorithm(definition);
      }
    }
    for (;;) {
      const page = await tx.searchObservation.findMany({
        where: { searchId: row.id, seq: { gt: BigInt(from) } },
        orderBy: { seq: 'asc' },
        take: REPLAY_PAGE,
        select: { seq: true, payload: true },
      });
      if (page.length === 0) break;
      algorithm.observe(page.map((entry) => entry.payload as unknown as Observation));
      from = Number(page[page.length - 1].seq);
    }
    const keys = await tx.searchObservation.findMany({ where: { searchId: row.id }, select: { trialId: true, attempt: true, epoch: true, final: true, state: true } });
    const loaded = { algorithm, observedSeq: Number(row.observed_seq), stateSeq: Number(row.state_seq), logged: new Set(keys.map(keyOf)) };
    this.loaded.set(row.id, loaded);
    return loaded;
  }

  /** The keys among `observations`' trials that the log already holds. */
}

/** The observations not in the log yet (nor earlier in the same call), normalised, with their index in the call. */
function freshOf(observations: readonly Observation[], logged: ReadonlySet<string>): { observation: Observation; index: number }[] {
  const seen = new Set<string>();
  const fresh: { observation: Observation; index: number }[] = [];
  observations.forEach((observation, index) => {
    const key = keyOf(observation);
    if (logged.has(key) || seen.has(key)) return;
    seen.add(key);
    // Trial ids are uuids; one spelling, so a re-delivery in capitals is a repeat.
    const trialId = observation.trialId.toLowerCase();
    const suggestion = observation.suggestion?.trialId ? { ...observation.suggestion, trialId: observation.suggestion.trialId.toLowerCase() } : observation.suggestion;
    fresh.push({ observation: { ...observation, trialId, ...(suggestion ? { suggestion } : {}) }, index });
  });
  return fresh;
}

/** Applies one observation, naming it by its index in the request when it is malformed. */
function applyAt(algorithm: SearchAlgorithm, observation: Observation, index: number): void {
  try {
    algorithm.observe([observation]);
  } catch (error) {
    if (error instanceof InvalidArgumentError && error.message.startsWith('observations[0]')) {
      throw new InvalidArgumentError(error.message.replace(/^observations\[0\]/, `observations[${index}]`));
    }
    if (error instanceof InvalidArgumentError) throw new InvalidArgumentError(`observations[${index}]: ${error.message}`);
    throw error;
  }
}

function json(value: unknown): string {
  return JSON.stringify(value ?? null);
}

function normaliseDefinition(definition: SearchDefinition): SearchDefinition {
  const objectives = definition.objectives.map((o) => ({ key: o.key, goal: o.goal }));
  if (objectives.length === 0) throw new InvalidArgumentError('at least one objective is required (e.g. {key: accuracy, goal: MAXIMIZE})', 'search.objectives');
  return {
    runId: checkId(definition.runId, 'search.run_id', 'a run'),
    step: assertResourceId(definition.step, 'search.step_id'),
    algorithm: definition.algorithm,
    settings: definition.settings,
    searchSpace: definition.searchSpace,
    objectives,
    seed: definition.seed,
  };
}

function definitionOf(search: StoredSearch): SearchDefinition {
  return {
    runId: search.runId,
    step: search.step,
    algorithm: search.algorithm,
    settings: search.settings,
    searchSpace: search.searchSpace,
    objectives: search.objectives,
    seed: search.seed,
  };
}

function toStoredSearch(row: SearchRow): StoredSearch {
  return {
    id: row.id,
    runId: row.run_id,
    step: row.step,
    algorithm: row.algorithm,
    settings: row.settings as JsonObject,
    searchSpace: row.space as JsonObject,
    objectives: row.objectives as unknown as StoredSearch['objectives'],
    seed: Number(row.seed),
    completed: row.completed,
    observedSeq: Number(row.observed_seq),
    snapshotSeq: Number(row.state_seq),
    suggestionCount: Number(row.suggestion_count),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
