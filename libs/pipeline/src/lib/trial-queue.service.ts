import { Inject, Injectable } from '@nestjs/common';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError, VelaError } from '@vela/errors';
import { trialName } from '@vela/contracts';
import { Prisma, PrismaClient, queryRows, type Attempt, type Trial } from '@vela/db';
import type { ObjectiveValue } from '@vela/records';
import { PipelineEvents, QUEUE_CHANNEL, RUNS_CHANNEL, TRIALS_CHANNEL } from './pipeline-events';
import type { Capacity } from './resources';

export const QUEUE_SETTINGS = Symbol('QUEUE_SETTINGS');

export interface QueueSettings {
  /** How long a lease lasts without a heartbeat (DESIGN.md: default 60 s), by the database clock. */
  readonly leaseSeconds: number;
  /** How often workers should heartbeat. */
  readonly heartbeatSeconds: number;
}

export type StopReasonName = 'CANCELLED' | 'EARLY_STOPPED' | 'LIMIT_REACHED' | 'LEASE_LOST';

export interface StopSignalInfo {
  readonly trialId: string;
  readonly attempt: number;
  readonly reason: StopReasonName;
  readonly message: string;
}

export interface HeldLease {
  readonly trialId: string;
  readonly attempt: number;
}

export type Outcome = 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** A trial with its attempts, as a worker call's answer shows it (read in the statement that changed it). */
export interface TrialWithAttempts {
  readonly trial: Trial;
  readonly attempts: Attempt[];
}

/** A trial by its name's parts, `runs/{runId}/steps/{step}/trials/{number}` (the unique key workers call with). */
export interface TrialKey {
  readonly runId: string;
  readonly step: string;
  readonly number: number;
}

export interface Completion {
  readonly trial: TrialKey;
  readonly attempt: number;
  readonly outcome: Outcome;
  readonly errorMessage?: string;
  /** The last lines of the attempt's training log (FAILED). */
  readonly logTail?: string;
  readonly finalEpoch?: number;
  readonly checkpointArtifactId?: string;
  readonly requestId?: string;
  /** The objectives of the record at finalEpoch (SUCCEEDED): kept as the trial's result. */
  readonly finalObjectives?: readonly ObjectiveValue[];
}

/** A completion with the attempt limit of its trial's run. */
export interface CompletionRequest {
  readonly completion: Completion;
  readonly maxAttempts: number;
}

/** A worker asking for trials: what it has free, and how many it takes at most. */
export interface AcquireRequest {
  readonly workerId: string;
  readonly free: Capacity;
  readonly maxTrials: number;
}

/**
 * An acquire renews its worker's liveness (asking for work is a sign of life) at most this
 * often: a write per acquire would make every acquire that leases nothing, as when several
 * workers wake for one new trial, a transaction with a WAL flush.
 */
const RENEW_WORKER_AFTER_SECONDS = 1;

/** How many candidates one acquire looks at; the rest wait for the next call. */
const CANDIDATES = 64;

/**
 * The trial queue (DESIGN.md: trial state, leases, attempts). Trials are claimed with
 * `FOR UPDATE SKIP LOCKED`, so any number of master replicas and workers may call at once.
 * A lease is measured by the database clock and renewed by heartbeats and progress
 * reports; the attempt number fences every worker call (an older attempt is refused).
 */
@Injectable()
export class TrialQueueService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: PipelineEvents,
    @Inject(QUEUE_SETTINGS) readonly settings: QueueSettings,
  ) {}

  /**
   * Leases up to `maxTrials` PENDING trials that fit into `free`, waiting up to `waitMs` for
   * one to appear (a unary long poll). Runs share workers fairly: the run with the fewest
   * trials in flight goes first, and runs take turns within one acquire (tryAcquire).
   */
  async acquire(workerId: string, free: Capacity, maxTrials: number, waitMs: number, signal?: AbortSignal): Promise<TrialWithAttempts[]> {
    const deadline = Date.now() + waitMs;
    // Listening before the first look, so a trial queued during it wakes this poll.
    const changes = this.events.latch(QUEUE_CHANNEL);
    try {
      for (;;) {
        const leased = await this.tryAcquire({ workerId, free, maxTrials });
        if (leased.length > 0 || Date.now() >= deadline || signal?.aborted) return leased;
        await changes.next(Math.min(1000, deadline - Date.now()), signal);
      }
    } finally {
      changes.close();
    }
  }

  /**
   * One statement: renews the worker (asking for work is a sign of life, as a heartbeat is; at
   * most once a second), locks up to CANDIDATES PENDING trials (`SKIP LOCKED`: concurrent
   * acquirers take others), walks them in queue order taking each that fits what is still
   * free (resources.ts's rules: a CPU trial on a GPU worker without free CPU slots takes a GPU;
   * labels must match), up to `maxTrials`, leases those, opens their attempts and bumps their
   * runs. Runs with the fewest trials in flight go first (one aggregate, not a count per
   * candidate), then the oldest trial; among the candidates, runs take turns: a run's k-th
   * comes at turn (its trials in flight + k), so one acquire of several trials alternates
   * between runs that have as many in flight. The answer lists the leased trials oldest first (the
   * order a worker starts them in), not in the order the update happened to write them.
   */
  private async tryAcquire(request: AcquireRequest): Promise<TrialWithAttempts[]> {
    const { workerId, maxTrials } = request;
    const rows = await queryRows<{ registered: bigint; id: string | null }>(this.prisma, Prisma.sql`
      WITH RECURSIVE ${this.acquireSql(request)},
      ${touchRunsSql(Prisma.sql`SELECT run_id FROM leased`, leftCandidatesSql(maxTrials))}
      SELECT (SELECT count(*) FROM worker) AS registered, leased.*, ${attemptsJsonSql('leased', 'opened')}
      FROM notified LEFT JOIN leased ON true ORDER BY leased.created_at, leased.number`);
    if (rows.length === 0 || Number(rows[0].registered) === 0) throw new FailedPreconditionError(`worker '${workerId}' is not registered; call RegisterWorker first`);
    return rows.filter((row) => row.id !== null).map(({ registered: _registered, ...row }) => withAttempts(row));
  }

  /**
   * The acquire as CTEs of a `WITH RECURSIVE` statement (known, renewed, worker, in_flight,
   * candidates, turns, ordered, walk, leased, opened; see tryAcquire); it looks for candidates only
   * where `when` holds.
   */
  private acquireSql({ workerId, free, maxTrials }: AcquireRequest, when: Prisma.Sql = Prisma.sql`true`): Prisma.Sql {
    return Prisma.sql`
      known AS (SELECT state::text FROM workers WHERE id = ${workerId}),
      renewed AS (
        UPDATE workers SET last_heartbeat_at = now(), state = CASE WHEN state = 'LOST' THEN 'ACTIVE'::worker_state ELSE state END
        WHERE id = ${workerId} AND (state = 'LOST' OR last_heartbeat_at < now() - make_interval(secs => ${RENEW_WORKER_AFTER_SECONDS}))
        RETURNING state::text),
      worker AS (SELECT COALESCE((SELECT state FROM renewed), known.state) AS state FROM known),
      in_flight AS (SELECT run_id, count(*) AS n FROM trials WHERE state IN ('LEASED', 'RUNNING') GROUP BY run_id),
      candidates AS (
        SELECT t.id, t.run_id, t.gpus, t.cpu_slots, t.memory_bytes, t.labels, COALESCE(f.n, 0) AS run_in_flight, t.created_at, t.number
        FROM trials t JOIN runs r ON r.id = t.run_id LEFT JOIN in_flight f ON f.run_id = t.run_id
        WHERE t.state = 'PENDING' AND r.state = 'RUNNING' AND NOT t.stop_requested AND (SELECT state FROM worker) = 'ACTIVE' AND ${when}
          -- Only trials that fit what is free at all (the walk's first test): others, however
          -- many, must not fill the window while trials this worker can hold wait behind them.
          AND NOT (t.gpus > 0 AND ${free.gpus}::int < t.gpus)
          AND NOT (t.gpus = 0 AND ${free.cpuSlots}::int < greatest(1, t.cpu_slots) AND ${free.gpus}::int < greatest(1, t.cpu_slots))
          AND NOT (t.memory_bytes > 0 AND ${free.memoryBytes}::bigint > 0 AND ${free.memoryBytes}::bigint < t.memory_bytes)
          AND t.labels <@ ${JSON.stringify(free.labels)}::jsonb
        ORDER BY COALESCE(f.n, 0), t.created_at, t.number
        LIMIT ${CANDIDATES} FOR UPDATE OF t SKIP LOCKED),
      turns AS (SELECT c.*, c.run_in_flight + row_number() OVER (PARTITION BY c.run_id ORDER BY c.created_at, c.number) AS turn FROM candidates c),
      ordered AS (SELECT c.*, row_number() OVER (ORDER BY c.turn, c.created_at, c.number) AS position FROM turns c),
      walk (position, id, fits, gpus, cpu_slots, memory_bytes, taken) AS (
        SELECT 0::bigint, NULL::uuid, false, ${free.gpus}::int, ${free.cpuSlots}::int, ${free.memoryBytes}::bigint, 0
        UNION ALL
        SELECT o.position, o.id, d.fits,
               CASE WHEN d.fits AND d.uses_gpu THEN w.gpus - CASE WHEN o.gpus > 0 THEN o.gpus ELSE greatest(1, o.cpu_slots) END ELSE w.gpus END,
               CASE WHEN d.fits AND NOT d.uses_gpu THEN w.cpu_slots - greatest(1, o.cpu_slots) ELSE w.cpu_slots END,
               CASE WHEN d.fits AND w.memory_bytes > 0 THEN greatest(0, w.memory_bytes - o.memory_bytes) ELSE w.memory_bytes END,
               w.taken + CASE WHEN d.fits THEN 1 ELSE 0 END
        FROM walk w JOIN ordered o ON o.position = w.position + 1
        CROSS JOIN LATERAL (SELECT
          NOT (o.gpus > 0 AND w.gpus < o.gpus)
            AND NOT (o.gpus = 0 AND w.cpu_slots < greatest(1, o.cpu_slots) AND w.gpus < greatest(1, o.cpu_slots))
            AND NOT (o.memory_bytes > 0 AND w.memory_bytes > 0 AND w.memory_bytes < o.memory_bytes)
            AND o.labels <@ ${JSON.stringify(free.labels)}::jsonb AS fits,
          (o.gpus > 0 OR w.cpu_slots < greatest(1, o.cpu_slots)) AS uses_gpu) d
        WHERE w.taken < ${maxTrials}),
      leased AS (
        UPDATE trials SET state = 'LEASED', lease_owner = ${workerId}, wait_reason = NULL,
               lease_expires_at = now() + make_interval(secs => ${this.settings.leaseSeconds}), started_at = COALESCE(started_at, now())
        WHERE id IN (SELECT id FROM walk WHERE fits) RETURNING *),
      opened AS (
        INSERT INTO attempts (trial_id, attempt, state, worker_id)
        SELECT id, attempt, 'LEASED', ${workerId} FROM leased
        ON CONFLICT (trial_id, attempt) DO UPDATE SET state = 'LEASED', worker_id = EXCLUDED.worker_id, started_at = now(), ended_at = NULL, error = NULL
        RETURNING *)`;
  }

  /**
   * Renews the leases a worker still holds and tells it which to stop: those the master
   * wants stopped, and those it no longer holds (expired, or a newer attempt exists).
   */
  async renewLeases(workerId: string, held: readonly HeldLease[]): Promise<{ renewals: { trialId: string; attempt: number; expiresAt: Date }[]; stops: StopSignalInfo[] }> {
    if (held.length === 0) return { renewals: [], stops: [] };
    // Locked in id order, as a completion of several of them locks them (no deadlock between the two).
    const renewed = await queryRows<{ id: string; attempt: number; lease_expires_at: Date; stop_requested: boolean; stop_reason: string | null; error: string | null }>(this.prisma, Prisma.sql`
      WITH locked AS (SELECT id FROM trials WHERE id = ANY(${held.map((lease) => lease.trialId)}::uuid[]) ORDER BY id FOR UPDATE)
      UPDATE trials t SET lease_expires_at = now() + make_interval(secs => ${this.settings.leaseSeconds})
      FROM unnest(${held.map((lease) => lease.trialId)}::uuid[], ${held.map((lease) => lease.attempt)}::int[]) AS h(trial_id, attempt) JOIN locked l ON l.id = h.trial_id
      WHERE t.id = h.trial_id AND t.attempt = h.attempt AND t.lease_owner = ${workerId} AND t.state IN ('LEASED', 'RUNNING')
      RETURNING t.id, t.attempt, t.lease_expires_at, t.stop_requested, t.stop_reason, t.error`);
    const byId = new Map(renewed.map((row) => [row.id, row]));
    const stops: StopSignalInfo[] = [];
    for (const lease of held) {
      const row = byId.get(lease.trialId);
      if (!row) stops.push({ ...lease, reason: 'LEASE_LOST', message: 'this worker no longer holds the lease (it expired or a newer attempt exists)' });
      else if (row.stop_requested) stops.push({ ...lease, ...stopOf(row.stop_reason, row.error) });
    }
    return { renewals: renewed.map((row) => ({ trialId: row.id, attempt: row.attempt, expiresAt: row.lease_expires_at })), stops };
  }

  /**
   * A worker's progress: the first report makes the trial RUNNING; each renews the lease and
   * keeps the latest epoch and objectives (forwarded to the generator as intermediate
   * observations). Answers the stop signal, if any.
   */
  async reportProgress(key: TrialKey, attempt: number, epoch: number, totalEpochs: number, objectives: readonly ObjectiveValue[]): Promise<{ stop?: StopSignalInfo; leaseExpiresAt: Date }> {
    // One statement: the first report also makes the attempt RUNNING and bumps the run (which
    // watchers see); every report wakes the run's driver (it forwards epochs to the generator).
    const [row] = await queryRows<{ id: string; lease_expires_at: Date; stop_requested: boolean; stop_reason: string | null; error: string | null }>(this.prisma, Prisma.sql`
      WITH before AS (SELECT id, state FROM trials WHERE ${whereKey(key)} AND attempt = ${attempt} AND state IN ('LEASED', 'RUNNING') FOR UPDATE),
      progressed AS (
        UPDATE trials t SET state = 'RUNNING', progress_epoch = GREATEST(progress_epoch, ${epoch}), total_epochs = ${totalEpochs || null},
               progress_objectives = CASE WHEN ${objectives.length} > 0 THEN ${JSON.stringify(objectives)}::jsonb ELSE progress_objectives END,
               lease_expires_at = now() + make_interval(secs => ${this.settings.leaseSeconds})
        FROM before WHERE t.id = before.id
        RETURNING t.id, t.run_id, t.lease_expires_at, t.stop_requested, t.stop_reason, t.error, before.state = 'LEASED' AS was_leased),
      started AS (
        UPDATE attempts SET state = 'RUNNING' WHERE trial_id IN (SELECT id FROM progressed WHERE was_leased) AND attempt = ${attempt} AND state = 'LEASED'),
      ${touchRunsSql(Prisma.sql`SELECT run_id FROM progressed WHERE was_leased`)},
      woken AS (SELECT count(pg_notify(${TRIALS_CHANNEL}, run_id::text)) AS n FROM progressed WHERE NOT was_leased)
      SELECT progressed.id, progressed.lease_expires_at, progressed.stop_requested, progressed.stop_reason, progressed.error
      FROM progressed CROSS JOIN notified CROSS JOIN woken`);
    if (!row) throw await this.fenceError(key, attempt, 'progress');
    return { leaseExpiresAt: row.lease_expires_at, stop: row.stop_requested ? { trialId: row.id, attempt, ...stopOf(row.stop_reason, row.error) } : undefined };
  }

  /**
   * Ends an attempt. SUCCEEDED ends the trial; FAILED retries it as a new attempt while the
   * run's attempt limit allows (earlier records stay as they are); CANCELLED ends it.
   * Idempotent with `requestId`, and for a repeat of the same outcome. With `along`, the
   * same statement leases the worker's next trials (tryAcquire's walk), only if the
   * completion moved the trial: a refused or repeated completion leases nothing.
   */
  async complete(completion: Completion, maxAttempts: number, along?: AcquireRequest): Promise<{ completed: TrialWithAttempts; acquired: TrialWithAttempts[] }> {
    const { results, acquired } = await this.completeMany([{ completion, maxAttempts }], along);
    if (results[0] instanceof VelaError) throw results[0];
    return { completed: results[0], acquired };
  }

  /**
   * Ends several attempts, each as `complete` would, in one statement: each is answered with
   * the trial after it or with the error `complete` would have thrown, so one refused
   * completion does not stop the others. `along` leases the worker's next trials when at
   * least one completion moved its trial (in the same statement when all succeeded).
   */
  async completeMany(requests: readonly CompletionRequest[], along?: AcquireRequest): Promise<{ results: (TrialWithAttempts | VelaError)[]; acquired: TrialWithAttempts[] }> {
    // An attempt named twice moves once; the other is answered as a repeat or a refusal, below.
    const firstOfKey = new Map<string, number>();
    for (const [index, { completion }] of requests.entries()) {
      const key = `${keyName(completion.trial)}#${completion.attempt}`;
      if (!firstOfKey.has(key)) firstOfKey.set(key, index);
    }
    const batch = [...firstOfKey.values()].map((position) => {
      const { completion, maxAttempts } = requests[position];
      return {
        position,
        run_id: completion.trial.runId,
        step: completion.trial.step,
        number: completion.trial.number,
        attempt: completion.attempt,
        outcome: completion.outcome,
        error: completion.errorMessage ?? null,
        log_tail: completion.logTail ?? null,
        final_epoch: completion.finalEpoch ?? null,
        checkpoint_artifact_id: completion.checkpointArtifactId ?? null,
        request_id: completion.requestId ?? null,
        // A success keeps its result's objectives, or none (not an earlier epoch's) when the worker sent none.
        final_objectives: completion.finalObjectives?.length ? completion.finalObjectives : null,
        max_attempts: maxAttempts,
      };
    });
    // Each trial moves on (retried: `retry` in the SET clauses, which read the row as it was),
    // its attempt ends, the runs are bumped and watched: one statement, no transaction round trips.
    const retry = Prisma.sql`(b.outcome = 'FAILED' AND l.failures + 1 < b.max_attempts AND NOT t.stop_requested)`;
    const movedPending = Prisma.sql`EXISTS (SELECT 1 FROM moved WHERE state = 'PENDING')`;
    // A failure may be retried as a new attempt, which the statement's own snapshot cannot
    // offer as a candidate: the worker's next trials are then leased after it, so it gets the retry.
    const inOne = requests.every(({ completion }) => completion.outcome === 'SUCCEEDED') ? along : undefined;
    const rows = await queryRows<{ role: 'completed' | 'leased'; batch_position: number | null }>(this.prisma, Prisma.sql`
      WITH RECURSIVE batch AS (SELECT * FROM jsonb_to_recordset(${JSON.stringify(batch)}::jsonb) AS b(
        position int, run_id uuid, step text, number int, attempt int, outcome text, error text, log_tail text, final_epoch int,
        checkpoint_artifact_id uuid, request_id text, final_objectives jsonb, max_attempts int)),
      -- Rows are locked in id order, so two statements completing or marking several trials
      -- cannot each hold a row the other waits for.
      locked AS (
        SELECT t.id, b.position, CASE WHEN b.outcome = 'FAILED' THEN ${earlierFailuresSql('t')} ELSE 0 END AS failures
        FROM batch b JOIN trials t ON t.run_id = b.run_id AND t.step = b.step AND t.number = b.number
        WHERE t.attempt = b.attempt AND t.state IN ('LEASED', 'RUNNING') ORDER BY t.id FOR UPDATE OF t),
      moved AS (
        UPDATE trials t SET
          state = (CASE WHEN ${retry} THEN 'PENDING' ELSE b.outcome END)::trial_state,
          attempt = CASE WHEN ${retry} THEN t.attempt + 1 ELSE t.attempt END,
          ended_at = CASE WHEN ${retry} THEN t.ended_at ELSE now() END,
          progress_epoch = CASE WHEN ${retry} THEN 0 ELSE COALESCE(b.final_epoch, t.progress_epoch) END,
          checkpoint_artifact_id = CASE WHEN ${retry} THEN t.checkpoint_artifact_id ELSE COALESCE(b.checkpoint_artifact_id, t.checkpoint_artifact_id) END,
          progress_objectives = CASE WHEN b.outcome = 'SUCCEEDED' THEN b.final_objectives ELSE t.progress_objectives END,
          lease_owner = NULL, lease_expires_at = NULL, error = b.error, complete_request_id = b.request_id
        FROM locked l JOIN batch b ON b.position = l.position
        WHERE t.id = l.id AND t.attempt = b.attempt AND t.state IN ('LEASED', 'RUNNING')
        RETURNING t.*, b.position AS batch_position),
      moved_from AS (SELECT m.id, b.* FROM moved m JOIN batch b ON b.position = m.batch_position),
      ended AS (UPDATE attempts a SET state = f.outcome::attempt_state, ended_at = now(), error = f.error, log_tail = f.log_tail
                FROM moved_from f WHERE a.trial_id = f.id AND a.attempt = f.attempt RETURNING a.*),
      ${inOne ? Prisma.sql`${this.acquireSql(inOne, Prisma.sql`EXISTS (SELECT 1 FROM moved)`)},` : Prisma.empty}
      ${
        inOne
          ? touchRunsSql(Prisma.sql`SELECT run_id FROM moved UNION SELECT run_id FROM leased`, Prisma.sql`(${movedPending} OR ${leftCandidatesSql(inOne.maxTrials)})`)
          : touchRunsSql(Prisma.sql`SELECT run_id FROM moved`, movedPending)
      }
      SELECT 'completed' AS role, moved.*, ${attemptsJsonSql('moved', 'ended')} FROM moved CROSS JOIN notified
      ${inOne ? Prisma.sql`UNION ALL SELECT 'leased' AS role, leased.*, NULL::int, ${attemptsJsonSql('leased', 'opened')} FROM leased CROSS JOIN notified ORDER BY role, created_at, number` : Prisma.empty}`);
    const results: (TrialWithAttempts | VelaError | undefined)[] = new Array(requests.length);
    const leased: TrialWithAttempts[] = [];
    for (const { role, batch_position: position, ...row } of rows) {
      if (role === 'completed') results[position as number] = withAttempts(row);
      else leased.push(withAttempts(row));
    }
    // Not moved: a repeat of a completion (answered with the trial as it is), or a refusal.
    for (const [index, { completion }] of requests.entries()) {
      if (results[index] === undefined) results[index] = await this.unmovedCompletion(completion);
    }
    const anyMoved = rows.some((row) => row.role === 'completed');
    const acquired = !anyMoved ? [] : inOne ? leased : along ? await this.tryAcquire(along).catch(leaseNoneIfRefused) : [];
    return { results: results as (TrialWithAttempts | VelaError)[], acquired };
  }

  /** A completion that moved nothing: the trial as it is for a repeat of a completion already made, else why it was refused. */
  private async unmovedCompletion(completion: Completion): Promise<TrialWithAttempts | VelaError> {
    const { trial: key, attempt, outcome } = completion;
    const [row] = await queryRows<Trial>(this.prisma, Prisma.sql`
      SELECT t.*, ${attemptsJsonSql('t')} FROM trials t WHERE ${whereKey(key)}`);
    if (!row) return new NotFoundError(`trial '${keyName(key)}' not found`);
    const current = withAttempts(row);
    const repeated = (completion.requestId && current.trial.completeRequestId === completion.requestId) || (current.trial.attempt === attempt && current.trial.state === outcome);
    return repeated ? current : fenceErrorOf(keyName(key), current.trial, attempt, 'completion');
  }

  /**
   * Expired leases: the attempt becomes STALE (not FAILED) and the trial returns to PENDING
   * with the next attempt, unless its failed and stale attempts reach `maxAttemptsOfRun`, when
   * it FAILS, or it was asked to stop, when it is CANCELLED (a stopped trial is never leased
   * again). Returns the trials it touched. Safe to call from every master replica.
   */
  async expireLeases(maxAttemptsOfRun: (runId: string) => number): Promise<ReleasedLease[]> {
    return this.releaseLeases(Prisma.sql`lease_expires_at < now()`, (trial) => ({
      attemptState: 'STALE',
      why: `lease of worker '${trial.lease_owner}' expired (no heartbeat for ${this.settings.leaseSeconds} s)`,
      failed: trial.failures + 1 >= maxAttemptsOfRun(trial.run_id),
    }));
  }

  /**
   * A deregistering worker's leases: handed back at once. The attempt is CANCELLED, which
   * uses up no retry, and the trial returns to PENDING with the next attempt (a late
   * completion of the old one is fenced), or is CANCELLED when it was asked to stop.
   */
  async handBack(workerId: string): Promise<ReleasedLease[]> {
    return this.releaseLeases(Prisma.sql`lease_owner = ${workerId}`, () => ({ attemptState: 'CANCELLED', why: `handed back: worker '${workerId}' deregistered`, failed: false }));
  }

  private async releaseLeases(
    where: Prisma.Sql,
    decide: (trial: { run_id: string; lease_owner: string | null; failures: number }) => { attemptState: 'STALE' | 'CANCELLED'; why: string; failed: boolean },
  ): Promise<ReleasedLease[]> {
    return this.prisma.$transaction(async (tx) => {
      const held = await tx.$queryRaw<{ id: string; run_id: string; attempt: number; lease_owner: string | null; stop_requested: boolean; failures: number }[]>`
        SELECT t.id, t.run_id, t.attempt, t.lease_owner, t.stop_requested, ${earlierFailuresSql('t')}::int AS failures FROM trials t
        WHERE state IN ('LEASED', 'RUNNING') AND ${where} ORDER BY t.id FOR UPDATE OF t SKIP LOCKED`;
      const touched: ReleasedLease[] = [];
      for (const trial of held) {
        const { attemptState, why, failed } = decide(trial);
        const outcome = trial.stop_requested ? 'CANCELLED' : failed ? 'FAILED' : 'RETRIED';
        await tx.$executeRaw`
          UPDATE attempts SET state = ${attemptState}::attempt_state, ended_at = now(), error = ${why} WHERE trial_id = ${trial.id}::uuid AND attempt = ${trial.attempt}`;
        if (outcome === 'RETRIED') {
          await tx.$executeRaw`
            UPDATE trials SET state = 'PENDING', attempt = attempt + 1, lease_owner = NULL, lease_expires_at = NULL, progress_epoch = 0
            WHERE id = ${trial.id}::uuid`;
        } else {
          // A stopped trial keeps the stop's message (requestStop wrote it) and ends as it asked.
          await tx.$executeRaw`
            UPDATE trials SET state = ${outcome}::trial_state, lease_owner = NULL, lease_expires_at = NULL, ended_at = now(),
                   error = ${outcome === 'FAILED' ? Prisma.sql`${`${why}; no attempts left`}` : Prisma.sql`COALESCE(error, ${why})`}
            WHERE id = ${trial.id}::uuid`;
        }
        touched.push({ trialId: trial.id, runId: trial.run_id, releasedAttempt: trial.attempt, outcome });
      }
      await touchRuns(tx, [...new Set(touched.map((trial) => trial.runId))], { queued: touched.some((trial) => trial.outcome === 'RETRIED') });
      return touched;
    });
  }

  /** Asks in-flight trials to stop (they learn it at their next heartbeat or progress report); PENDING ones end at once. */
  async requestStop(where: { runId: string; step?: string; trialIds?: readonly string[] }, reason: StopReasonName, message: string): Promise<void> {
    const step = where.step ? Prisma.sql`AND step = ${where.step}` : Prisma.empty;
    const trials = where.trialIds ? Prisma.sql`AND id = ANY(${[...where.trialIds]}::uuid[])` : Prisma.empty;
    // The rows it changes are locked first, in id order, as a batch completion locks them.
    await this.prisma.$transaction([
      this.prisma.$queryRaw`
        SELECT id FROM trials WHERE run_id = ${where.runId}::uuid ${step} ${trials} AND state IN ('PENDING', 'LEASED', 'RUNNING') ORDER BY id FOR UPDATE`,
      this.prisma.$executeRaw`
        UPDATE trials SET state = 'CANCELLED', ended_at = now(), stop_requested = true, stop_reason = ${reason}, error = ${message}
        WHERE run_id = ${where.runId}::uuid ${step} ${trials} AND state = 'PENDING'`,
      // A trial asked to stop before keeps the first reason, as it keeps the first message.
      this.prisma.$executeRaw`
        UPDATE trials SET stop_requested = true, stop_reason = COALESCE(CASE WHEN stop_requested THEN stop_reason END, ${reason}), error = COALESCE(error, ${message})
        WHERE run_id = ${where.runId}::uuid ${step} ${trials} AND state IN ('LEASED', 'RUNNING')`,
    ]);
    await touchRuns(this.prisma, [where.runId]);
  }

  private async fenceError(key: TrialKey, attempt: number, what: string): Promise<Error> {
    const [trial] = await queryRows<{ attempt: number; state: string }>(this.prisma, Prisma.sql`SELECT attempt, state FROM trials WHERE ${whereKey(key)}`);
    if (!trial) return new NotFoundError(`trial '${keyName(key)}' not found`);
    return fenceErrorOf(keyName(key), trial, attempt, what);
  }
}

/** A lease that expired or was handed back: the trial queued again (RETRIED), or ended. */
export interface ReleasedLease {
  readonly trialId: string;
  readonly runId: string;
  readonly releasedAttempt: number;
  readonly outcome: 'RETRIED' | 'FAILED' | 'CANCELLED';
}

/**
 * The trial `t`'s earlier attempts that used up a retry: FAILED or STALE ones. A promotion's
 * finished rung (SUCCEEDED) and a hand-back (CANCELLED) use up none.
 */
function earlierFailuresSql(t: string): Prisma.Sql {
  const trial = Prisma.raw(t);
  return Prisma.sql`(SELECT count(*) FROM attempts a WHERE a.trial_id = ${trial}.id AND a.attempt < ${trial}.attempt AND a.state IN ('FAILED', 'STALE'))`;
}

function fenceErrorOf(name: string, trial: { attempt: number; state: string }, attempt: number, what: string): VelaError {
  if (trial.attempt !== attempt) {
    return new FailedPreconditionError(`attempt: ${what} of attempt ${attempt} refused: trial '${name}' is on attempt ${trial.attempt} (the lease was lost)`);
  }
  return new FailedPreconditionError(`attempt: ${what} of attempt ${attempt} refused: trial '${name}' is already ${trial.state}`);
}

function whereKey(key: TrialKey): Prisma.Sql {
  return Prisma.sql`run_id = ${key.runId}::uuid AND step = ${key.step} AND number = ${key.number}`;
}

function keyName(key: TrialKey): string {
  return trialName(key.runId, key.step, String(key.number));
}

/** The resources a trial asks for. */
export function requestOf(trial: Pick<Trial, 'gpus' | 'cpuSlots' | 'memoryBytes' | 'labels'>): Capacity {
  return { gpus: trial.gpus, cpuSlots: trial.cpuSlots, memoryBytes: Number(trial.memoryBytes), labels: (trial.labels ?? {}) as Record<string, string> };
}

/** The stop signal of a trial: its reason, and the message the master gave when it asked (else a generic one). */
function stopOf(reason: string | null, message: string | null): { reason: StopReasonName; message: string } {
  const known: StopReasonName = reason === 'EARLY_STOPPED' || reason === 'LIMIT_REACHED' || reason === 'LEASE_LOST' ? reason : 'CANCELLED';
  const messages: Record<StopReasonName, string> = {
    CANCELLED: 'the run or the trial was cancelled',
    EARLY_STOPPED: 'stopped early by the search algorithm or an early-stopping rule',
    LIMIT_REACHED: 'a run limit was reached',
    LEASE_LOST: 'the lease was lost',
  };
  return { reason: known, message: message || messages[known] };
}

/**
 * Bumps the runs' revision (WatchRun's cursor) and wakes their watchers and drivers, in one
 * statement; `queued` also wakes waiting acquirers (trials of these runs became PENDING).
 */
export async function touchRuns(client: Pick<PrismaClient, '$executeRaw'>, runIds: readonly string[], { queued = false } = {}): Promise<void> {
  if (runIds.length === 0) return;
  await client.$executeRaw`WITH ${touchRunsSql(Prisma.sql`SELECT unnest(${[...runIds]}::uuid[])`, queued)} SELECT n FROM notified`;
}

/** Trials asked for along with a completion: a worker that may not acquire now gets none (its own AcquireTrials says why). */
function leaseNoneIfRefused(error: unknown): TrialWithAttempts[] {
  if (error instanceof VelaError) return [];
  throw error;
}

/**
 * Whether an acquire left candidates it locked PENDING: they were invisible to concurrent
 * acquirers (SKIP LOCKED), which may have gone to sleep on an empty queue, so it wakes them.
 * Only when this worker filled its request, so trials nobody can hold do not bounce between
 * waiting workers.
 */
function leftCandidatesSql(maxTrials: number): Prisma.Sql {
  return Prisma.sql`(SELECT count(*) FROM leased) >= ${maxTrials} AND (SELECT count(*) FROM candidates) > (SELECT count(*) FROM leased)`;
}

/**
 * `touchRuns` as CTEs (`touching`, `touched`, `notified`), for a statement that changes trials and
 * bumps their runs in the same round trip; `runIds` is a query of run ids. The statement must
 * read `notified` (a CTE nobody reads does not run).
 */
export function touchRunsSql(runIds: Prisma.Sql, queued: boolean | Prisma.Sql = false): Prisma.Sql {
  // Locked in id order: statements that bump several runs cannot each hold one the other waits for.
  return Prisma.sql`
    touching AS (SELECT id FROM runs WHERE id IN (${runIds}) ORDER BY id FOR UPDATE),
    touched AS (UPDATE runs r SET revision = r.revision + 1 FROM touching l WHERE r.id = l.id RETURNING r.id::text),
    notified AS (
      SELECT count(pg_notify(${RUNS_CHANNEL}, id)) + count(CASE WHEN ${queued} THEN pg_notify(${QUEUE_CHANNEL}, id) END) AS n
      FROM touched)`;
}

/**
 * A column `attempts_json` with the attempts of the trials in `trials` (an alias), oldest
 * first. `changed` names a CTE holding attempt rows the same statement wrote: the statement
 * cannot see its own writes, so those come from the CTE and the rest from the table.
 */
function attemptsJsonSql(trials: string, changed?: string): Prisma.Sql {
  const table = Prisma.raw(trials);
  const fromTable = Prisma.sql`SELECT a.* FROM attempts a WHERE a.trial_id = ${table}.id`;
  const rows = changed
    ? Prisma.sql`${fromTable} AND NOT EXISTS (SELECT 1 FROM ${Prisma.raw(changed)} c WHERE c.trial_id = a.trial_id AND c.attempt = a.attempt)
                 UNION ALL SELECT c.* FROM ${Prisma.raw(changed)} c WHERE c.trial_id = ${table}.id`
    : fromTable;
  return Prisma.sql`(SELECT COALESCE(json_agg(x ORDER BY x.attempt), '[]'::json) FROM (${rows}) x) AS attempts_json`;
}

/** A row with `attempts_json` (attemptsJsonSql) as a trial and its attempts. */
function withAttempts(row: unknown): TrialWithAttempts {
  const { attempts_json: attempts, ...trial } = row as { attempts_json: Record<string, unknown>[] };
  return {
    trial: fromRawTrial(trial),
    // JSON carries the timestamps as text.
    attempts: attempts.map((a) => {
      const attempt = camelRow(a) as unknown as Attempt;
      return { ...attempt, startedAt: new Date(a['started_at'] as string), endedAt: a['ended_at'] ? new Date(a['ended_at'] as string) : null };
    }),
  };
}

/** Raw rows come back snake_case; the Prisma model type is camelCase. */
export function fromRawTrial(row: unknown): Trial {
  const raw = row as Record<string, unknown>;
  return ('runId' in raw ? raw : camelRow(raw)) as unknown as Trial;
}

function camelRow(raw: Record<string, unknown>): Record<string, unknown> {
  const camel: Record<string, unknown> = {};
  for (const key in raw) camel[camelKey(key)] = raw[key];
  return camel;
}

const camelKeys = new Map<string, string>();

/** snake_case → camelCase, remembered: the same few column names come back on every row. */
function camelKey(key: string): string {
  let camel = camelKeys.get(key);
  if (camel === undefined) {
    camel = key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
    if (camelKeys.size < 1000) camelKeys.set(key, camel);
  }
  return camel;
}

/** Checks a capacity a worker sends. */
export function checkCapacity(capacity: Capacity, field: string): Capacity {
  for (const key of ['gpus', 'cpuSlots', 'memoryBytes'] as const) {
    if (!Number.isInteger(capacity[key]) || capacity[key] < 0) throw new InvalidArgumentError(`must be a non-negative integer, got ${capacity[key]}`, `${field}.${key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`);
  }
  return capacity;
}
