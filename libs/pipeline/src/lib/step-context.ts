import { setTimeout as delay } from 'node:timers/promises';
import type { AsyncClient } from '@vela/grpc-server';
import type { GeneratorServiceServer, ReportServiceServer } from '@vela/contracts';
import type { PipelineStepConfig, VelaConfig } from '@vela/config';
import { Prisma, PrismaClient, queryRows, type Run, type Step, type Trial } from '@vela/db';
import type { ForwardedMark } from './observation-outbox';
import type { ObjectiveSpec } from './objectives';
import { PipelineEvents, QUEUE_CHANNEL, TRIALS_CHANNEL, type EventLatch } from './pipeline-events';
import { whyItDoesNotFit } from './resources';
import { fromRawTrial, requestOf, touchRuns, touchRunsSql, TrialQueueService } from './trial-queue.service';
import { capacityOf, WorkerRegistryService, type WorkerView } from './worker-registry.service';

/**
 * The outbox's backlog: trials whose attempt, state or recorded epochs the generator has not
 * been told yet. The predicate of the partial index `trials_unforwarded_idx` word for word
 * (prisma/schema.prisma; `IS TRUE` lets the planner use the statistics kept on it), so
 * Postgres reads these trials alone instead of every trial of the step.
 */
export const UNFORWARDED = Prisma.sql`(forwarded_attempt <> attempt OR forwarded_state IS DISTINCT FROM trial_state_text(state) OR progress_epoch > forwarded_epoch) IS TRUE`;

export type GeneratorClient = AsyncClient<GeneratorServiceServer>;
export type ReportClient = AsyncClient<ReportServiceServer>;

export interface TrialSummary {
  /** Trials created so far (numbers run 1, 2, ... per step). */
  readonly total: number;
  /** Trials queued, leased or running. */
  readonly inFlight: number;
  /** Trials queued and not yet leased. */
  readonly queued: number;
  readonly anySucceeded: boolean;
  readonly failed: number;
  /** The error of the newest trial that FAILED or was CANCELLED with one. */
  readonly lastError?: string;
}

/** What a new trial is made of. */
export interface NewTrial {
  readonly desc: Record<string, unknown>;
  readonly hyperparameters: Record<string, unknown>;
  /** The suggestion's own seed; without one, `general.seed` + the trial's number − 1, so a trial's seed does not depend on how trials were batched. */
  readonly seed?: number;
  readonly budget?: number;
  readonly rung?: number;
  readonly parentTrialId?: string;
  readonly checkpointArtifactId?: string;
  readonly resumeEpoch?: number;
  readonly suggestion?: unknown;
  readonly task?: 'train' | 'evaluate';
}

/** The shortest time between two explanations of why a step's trials wait. */
const EXPLAIN_INTERVAL_MS = 500;

/** Everything a step executor works with; one per step being driven (close it when the step ends). */
export class StepContext {
  private readonly changes: EventLatch;
  private explainedAt = 0;
  /** Outbox marks of observations the generator accepted, not yet written (see forwarded). */
  private marks: ForwardedMark[] = [];

  constructor(
    readonly prisma: PrismaClient,
    readonly queue: TrialQueueService,
    readonly workers: WorkerRegistryService,
    readonly events: PipelineEvents,
    readonly generator: GeneratorClient,
    readonly report: ReportClient,
    readonly run: Run,
    readonly step: Step,
    readonly config: VelaConfig,
    readonly signal: AbortSignal,
  ) {
    this.changes = events.latch(TRIALS_CHANNEL, run.id);
  }

  close(): void {
    this.changes.close();
  }

  get stepConfig(): PipelineStepConfig {
    return this.step.config as unknown as PipelineStepConfig;
  }

  get objectives(): ObjectiveSpec[] {
    return this.step.objectives as unknown as ObjectiveSpec[];
  }

  /**
   * The resources each trial of this step asks for: `trainer.resources`, else
   * `general.devices_per_trainer` devices: that many CPU slots, or GPUs on a worker that offers
   * GPUs only (resources.ts).
   */
  get resources(): { gpus: number; cpuSlots: number; memoryBytes: bigint; labels: Record<string, string> } {
    const asked = (this.stepConfig.trainer as { resources?: { gpus?: number; cpu_slots?: number; memory_bytes?: number; labels?: Record<string, string> } } | undefined)?.resources;
    return {
      gpus: asked?.gpus ?? 0,
      cpuSlots: asked?.cpu_slots ?? (asked?.gpus ? 0 : Math.max(1, this.config.general.devices_per_trainer)),
      memoryBytes: BigInt(asked?.memory_bytes ?? 0),
      labels: asked?.labels ?? {},
    };
  }

  async trials(): Promise<Trial[]> {
    return this.prisma.trial.findMany({ where: { runId: this.run.id, step: this.step.name }, orderBy: { number: 'asc' } });
  }

  /** How many of this step's trials are in each state, and the newest failure's error: one aggregate, not every row. */
  async trialSummary(): Promise<TrialSummary> {
    return (await this.summaryAndBacklog(false)).summary;
  }

  /**
   * The summary and the outbox's backlog (trials whose attempt, state or recorded epochs the
   * generator has not been told yet), read in one statement, so both see the same moment.
   */
  async summaryAndBacklog(withBacklog = true): Promise<{ summary: TrialSummary; backlog: Trial[] }> {
    const backlog = withBacklog ? this.backlogSql() : Prisma.sql`SELECT * FROM trials WHERE false`;
    // One row per backlog trial with the summary beside it; one row of summary alone when the
    // backlog is empty. Each figure reads an index range that does not grow with the step's
    // finished trials (the total is the highest number; success is one row's existence).
    const step = Prisma.sql`run_id = ${this.run.id}::uuid AND step = ${this.step.name}`;
    const rows = await queryRows<({ s_total: number; s_in_flight: bigint; s_queued: bigint; s_any_succeeded: boolean; s_failed: bigint; s_last_error: string | null } & Record<string, unknown>)>(this.prisma, Prisma.sql`
      WITH in_flight AS (
        SELECT count(*) AS s_in_flight, count(*) FILTER (WHERE state = 'PENDING') AS s_queued FROM trials WHERE ${step} AND state IN ('PENDING', 'LEASED', 'RUNNING')),
      summary AS (
        SELECT (SELECT COALESCE(max(number), 0) FROM trials WHERE ${step}) AS s_total,
               in_flight.s_in_flight, in_flight.s_queued,
               EXISTS (SELECT 1 FROM trials WHERE ${step} AND state = 'SUCCEEDED') AS s_any_succeeded,
               (SELECT count(*) FROM trials WHERE ${step} AND state = 'FAILED') AS s_failed,
               (SELECT error FROM trials WHERE ${step} AND state IN ('FAILED', 'CANCELLED') AND error IS NOT NULL ORDER BY number DESC LIMIT 1) AS s_last_error
        FROM in_flight),
      backlog AS (${backlog})
      SELECT summary.*, backlog.* FROM summary LEFT JOIN backlog ON true ORDER BY backlog.number`);
    const [first] = rows;
    const summary = { total: Number(first.s_total), inFlight: Number(first.s_in_flight), queued: Number(first.s_queued), anySucceeded: first.s_any_succeeded, failed: Number(first.s_failed), lastError: first.s_last_error ?? undefined };
    const trials = rows.filter((row) => row['id'] !== null).map(({ s_total: _t, s_in_flight: _i, s_queued: _q, s_any_succeeded: _s, s_failed: _f, s_last_error: _e, ...trial }) => fromRawTrial(trial));
    return { summary, backlog: trials };
  }

  /** The outbox's backlog alone (summaryAndBacklog without the counts), oldest first. */
  async backlog(): Promise<Trial[]> {
    return (await queryRows<Record<string, unknown>>(this.prisma, Prisma.sql`${this.backlogSql()} ORDER BY number`)).map(fromRawTrial);
  }

  /** The step's trials in the outbox's backlog (UNFORWARDED). */
  private backlogSql(): Prisma.Sql {
    return Prisma.sql`SELECT * FROM trials WHERE run_id = ${this.run.id}::uuid AND step = ${this.step.name} AND ${UNFORWARDED}`;
  }

  /**
   * Persists new trials with the next numbers of this step, and wakes waiting workers: one
   * statement (numbers follow the step's highest; one driver per step, and the unique
   * (run, step, number) key refuses a clash).
   */
  async createTrials(trials: readonly NewTrial[]): Promise<Trial[]> {
    if (trials.length === 0) {
      await this.writeForwarded();
      return [];
    }
    const { gpus, cpuSlots, memoryBytes, labels } = this.resources;
    // Trials are locked before the run's row in every statement (no deadlock): the marks'
    // updates feed the run bump, so they run first.
    const marks = this.takeMarksSql();
    const column = <T>(pick: (trial: NewTrial) => T) => trials.map(pick);
    const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));
    const rows = await queryRows<Trial>(this.prisma, Prisma.sql`
      WITH base AS (SELECT COALESCE(max(number), 0) AS n FROM trials WHERE run_id = ${this.run.id}::uuid AND step = ${this.step.name}),
      created AS (
        INSERT INTO trials (run_id, step, number, "desc", hyperparameters, seed, budget, rung, parent_trial_id, checkpoint_artifact_id,
                            resume_epoch, suggestion, task, gpus, cpu_slots, memory_bytes, labels)
        SELECT ${this.run.id}::uuid, ${this.step.name}, base.n + t.ord, t.descs::jsonb, t.hps::jsonb,
               COALESCE(t.seed, ((${this.config.general.seed}::bigint + base.n + t.ord - 1) % 2147483648)::int), t.budget, t.rung, t.parent::uuid, t.checkpoint::uuid,
               t.resume, t.suggestion::jsonb, t.task, ${gpus}, ${cpuSlots}, ${memoryBytes}, ${JSON.stringify(labels)}::jsonb
        FROM base, unnest(${column((t) => json(t.desc))}::text[], ${column((t) => json(t.hyperparameters))}::text[], ${column((t) => t.seed ?? null)}::int[],
                          ${column((t) => t.budget ?? null)}::int[], ${column((t) => t.rung ?? null)}::int[], ${column((t) => t.parentTrialId ?? null)}::text[],
                          ${column((t) => t.checkpointArtifactId ?? null)}::text[], ${column((t) => t.resumeEpoch ?? null)}::int[],
                          ${column((t) => json(t.suggestion))}::text[], ${column((t) => t.task ?? 'train')}::text[])
             WITH ORDINALITY AS t(descs, hps, seed, budget, rung, parent, checkpoint, resume, suggestion, task, ord)
        -- A run cancelled (or failed) while the driver was deciding gets no new trials: nothing would lease them.
        WHERE EXISTS (SELECT 1 FROM runs WHERE id = ${this.run.id}::uuid AND state = 'RUNNING')
        RETURNING *),
      ${marks ? Prisma.sql`${marks},` : Prisma.empty}
      ${touchRunsSql(marks ? Prisma.sql`SELECT ${this.run.id}::uuid UNION SELECT run_id FROM marked` : Prisma.sql`SELECT ${this.run.id}::uuid`, true)}
      SELECT created.* FROM created CROSS JOIN notified ORDER BY number`);
    return rows.map(fromRawTrial);
  }

  /**
   * Keeps the marks of observations the generator accepted; they are written with the next
   * new trials (one statement for both) or by writeForwarded, whichever comes first. Until
   * then a restart re-sends those observations, which Observe skips as repeats.
   */
  forwarded(marks: readonly ForwardedMark[]): void {
    this.marks.push(...marks);
  }

  /** Writes the kept outbox marks, if any: before the driver sleeps or checks that everything was forwarded. */
  async writeForwarded(): Promise<void> {
    const marks = this.takeMarksSql();
    if (marks) await queryRows<unknown>(this.prisma, Prisma.sql`WITH ${marks} SELECT 1`);
  }

  /** The kept marks as CTEs (`marking`, `marked AS (...)`), handed over to the statement that includes them; undefined when none are kept. */
  private takeMarksSql(): Prisma.Sql | undefined {
    const marks = this.marks.splice(0);
    if (marks.length === 0) return undefined;
    // A trial another statement holds (a worker completing it with others) is skipped, not
    // waited for: waiting while holding other marked rows could deadlock with it. Its mark is
    // lost, so its observation is forwarded again (Observe skips it as a repeat) and marked then.
    return Prisma.sql`marking AS (SELECT id FROM trials WHERE id = ANY(${marks.map((mark) => mark.trialId)}::uuid[]) FOR UPDATE SKIP LOCKED),
      marked AS (
        UPDATE trials t SET forwarded_attempt = m.attempt, forwarded_state = m.state, forwarded_epoch = m.epoch
        FROM unnest(${marks.map((mark) => mark.trialId)}::uuid[], ${marks.map((mark) => mark.attempt)}::int[], ${marks.map((mark) => mark.state)}::text[], ${marks.map((mark) => mark.epoch)}::int[])
          AS m(id, attempt, state, epoch) JOIN marking USING (id)
        WHERE t.id = m.id RETURNING t.run_id)`;
  }

  /** Waits for a change of this run's trials since the last wait (none is lost), at most `timeoutMs`. */
  waitForChange(timeoutMs = 1000): Promise<void> {
    return this.changes.next(timeoutMs, this.signal);
  }

  /** Waits `ms`, or less if the driver is stopped; changes meanwhile are seen at the next pass. */
  async pause(ms: number): Promise<void> {
    await delay(ms, undefined, { signal: this.signal }).catch(() => undefined);
  }

  async setStep(data: Prisma.StepUpdateInput): Promise<void> {
    await this.prisma.step.update({ where: { runId_name: { runId: this.run.id, name: this.step.name } }, data });
    await touchRuns(this.prisma, [this.run.id]);
  }

  /**
   * Explains why PENDING trials wait, on each trial and the step (GetRun shows it), and
   * fails those that no registered worker could ever hold, with the reason.
   */
  async explainWaiting(): Promise<void> {
    // Reasons change with workers and capacity, not with every trial event: at most once per
    // EXPLAIN_INTERVAL_MS, so a busy step's driver does not rewrite every pending trial per pass.
    if (Date.now() - this.explainedAt < EXPLAIN_INTERVAL_MS) return;
    this.explainedAt = Date.now();
    const pending = (await this.prisma.$queryRaw<Trial[]>`
      SELECT * FROM trials WHERE run_id = ${this.run.id}::uuid AND step = ${this.step.name} AND state = 'PENDING'`).map(fromRawTrial);
    if (pending.length === 0) {
      if (this.step.waitReason) await this.setStep({ waitReason: null });
      return;
    }
    // A LOST worker may come back (its heartbeats stopped for a lease, as in a network or
    // database outage): a trial only it could hold waits for it rather than being rejected.
    const registered = await this.workers.list({ states: ['ACTIVE', 'LOST'] });
    const views = registered.filter((view) => view.worker.state === 'ACTIVE');
    let stepReason: string;
    if (views.length === 0) {
      stepReason = registered.length
        ? `no trainer-worker is active: ${registered.length} lost its connection to this master (no heartbeat for a lease)`
        : 'no trainer-worker is registered: start one (vela serve worker) pointing at this master';
    } else {
      const impossible: Trial[] = [];
      for (const trial of pending) {
        const reasons = registered.map((view) => `${view.worker.id}: ${whyItDoesNotFit(requestOf(trial), capacityOfView(view)) ?? 'fits'}`);
        if (registered.every((view) => whyItDoesNotFit(requestOf(trial), capacityOfView(view)) !== undefined)) {
          impossible.push(trial);
          await this.prisma.trial.update({
            where: { id: trial.id },
            data: { state: 'FAILED', endedAt: new Date(), error: `no registered worker could ever hold this trial (${reasons.join('; ')})` },
          });
        }
      }
      const busy = views.every((view) => view.freeCapacity.cpuSlots === 0 && view.freeCapacity.gpus === 0);
      stepReason = impossible.length
        ? `${impossible.length} trial(s) rejected: no registered worker could ever hold them`
        : busy
          ? `${pending.length} trial(s) wait for free capacity: all ${views.length} worker(s) are busy`
          : `${pending.length} trial(s) wait for a worker to take them`;
    }
    // The update holds the pending rows' locks for a moment, and an acquire meanwhile skips
    // them (SKIP LOCKED) and sleeps: the same statement wakes acquirers after it.
    await this.prisma.$queryRaw`
      WITH explained AS (
        UPDATE trials SET wait_reason = ${stepReason} WHERE run_id = ${this.run.id}::uuid AND step = ${this.step.name} AND state = 'PENDING' RETURNING 1)
      SELECT count(pg_notify(${QUEUE_CHANNEL}, ${this.run.id})) FROM (SELECT 1 FROM explained LIMIT 1) AS any_explained`;
    if (this.step.waitReason !== stepReason) {
      await this.setStep({ waitReason: stepReason });
      this.step.waitReason = stepReason;
    }
  }
}

function capacityOfView(view: WorkerView) {
  return capacityOf(view.worker);
}
