import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { loadConfig, type VelaConfig } from '@vela/config';
import { decodePageToken, encodePageToken, resolvePageSize } from '@vela/contracts';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '@vela/errors';
import { Prisma, PrismaClient, type Run, type Step, type Trial } from '@vela/db';
import { checkConfigBuilds } from './config-check';
import { objectivesOf } from './objectives';
import { PipelineEvents, RUNS_CHANNEL } from './pipeline-events';
import { TrialQueueService, touchRuns } from './trial-queue.service';

export type RunStateName = Run['state'];

export interface TrialCounts {
  readonly pending: number;
  readonly leased: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Cancelled or stopped trials, early-stopped ones included. */
  readonly cancelled: number;
  /** Of the cancelled trials, those an early-stopping rule stopped. */
  readonly earlyStopped: number;
}

export interface StepView {
  readonly step: Step;
  readonly counts: TrialCounts;
}

export interface RunView {
  readonly run: Run;
  readonly steps: readonly StepView[];
}

/** A trial as a WatchRun event reports it (TrialEvent). */
export interface TrialEventRow {
  readonly runId: string;
  readonly step: string;
  readonly number: number;
  readonly state: Trial['state'];
  readonly attempt: number;
  readonly progressEpoch: number;
  readonly progressObjectives: unknown;
  readonly error: string | null;
}

/** A view WatchRun sends, with the trial events since the last one where they were asked for. */
export interface WatchedRun extends RunView {
  readonly trialEvents?: readonly TrialEventRow[];
}

/**
 * How long before a watch's last read a trial may have ended and still be read again: a
 * statement's clock is its start, and it commits a moment later.
 */
const ENDED_MARGIN = '5 seconds';

/**
 * The trial changes of one watch: each read returns the trials created, or whose state or
 * attempt changed, since the last. It reads the run's unfinished trials and those that ended
 * since shortly before its last read, not every trial of a long run each time.
 */
class TrialChanges {
  private readonly seen = new Map<string, string>();
  private lastRead?: Date;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly runId: string,
  ) {}

  async next(): Promise<TrialEventRow[]> {
    const recent = this.lastRead
      ? Prisma.sql`AND (t.state IN ('PENDING', 'LEASED', 'RUNNING') OR t.ended_at >= ${this.lastRead}::timestamptz - ${ENDED_MARGIN}::interval)`
      : Prisma.empty;
    const rows = await this.prisma.$queryRaw<({ read_at: Date; id: string | null } & Record<string, unknown>)[]>`
      WITH clock AS (SELECT now() AS read_at)
      SELECT clock.read_at, t.id, t.step, t.number, t.state::text AS state, t.attempt, t.progress_epoch, t.progress_objectives, t.error
      FROM clock LEFT JOIN trials t ON t.run_id = ${this.runId}::uuid ${recent}
      ORDER BY t.step, t.number`;
    this.lastRead = rows[0]?.read_at;
    const events: TrialEventRow[] = [];
    for (const row of rows) {
      if (row.id === null) continue;
      const key = `${row['state']}/${row['attempt']}`;
      if (this.seen.get(row.id) === key) continue;
      this.seen.set(row.id, key);
      events.push({
        runId: this.runId,
        step: row['step'] as string,
        number: row['number'] as number,
        state: row['state'] as Trial['state'],
        attempt: row['attempt'] as number,
        progressEpoch: row['progress_epoch'] as number,
        progressObjectives: row['progress_objectives'],
        error: row['error'] as string | null,
      });
    }
    return events;
  }
}

export interface CreateRunInput {
  readonly configYaml: string;
  readonly overrides?: readonly string[];
  readonly displayName?: string;
  readonly requestId?: string;
  readonly validateOnly?: boolean;
  /** Where a relative `local_base_path` resolves (the master's working folder by default). */
  readonly baseDir?: string;
}

/** The shortest time between two views a WatchRun stream reads. */
const WATCH_INTERVAL_MS = 250;

/**
 * `counts` with `count` more trials in `state` (a group by state and stop reason: one state
 * may come in several groups). An early-stopped trial is CANCELLED with its own stop reason.
 */
export function addCount(counts: TrialCounts, state: string, stopReason: string | null, count: number): TrialCounts {
  const key = state.toLowerCase() as keyof TrialCounts;
  const added = { ...counts, [key]: counts[key] + count };
  return state === 'CANCELLED' && stopReason === 'EARLY_STOPPED' ? { ...added, earlyStopped: added.earlyStopped + count } : added;
}

const ZERO_COUNTS: TrialCounts = { pending: 0, leased: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, earlyStopped: 0 };

/**
 * Runs and their steps: created from a Vega-style config (validated in full: every error of
 * the file at once), read, listed, cancelled and watched. The RunScheduler drives them.
 */
@Injectable()
export class RunService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: PipelineEvents,
    private readonly queue: TrialQueueService,
  ) {}

  async createRun(input: CreateRunInput): Promise<RunView | { validated: VelaConfig }> {
    if (!input.configYaml?.trim()) throw new InvalidArgumentError('is required: the YAML text of a Vega-style config', 'config_yaml');
    if (input.requestId && !input.validateOnly) {
      const existing = await this.prisma.run.findUnique({ where: { requestId: input.requestId } });
      if (existing) return this.view(existing.id);
    }
    const baseDir = resolve(input.baseDir ?? process.cwd());
    const { config } = loadConfig(input.configYaml, { overrides: input.overrides, check: checkConfigBuilds });
    if (input.validateOnly) return { validated: config };
    const outputDir = resolve(baseDir, config.general.output_path);
    const run = await this.prisma.run.create({
      data: {
        displayName: input.displayName ?? '',
        state: 'RUNNING',
        configYaml: input.configYaml,
        overrides: [...(input.overrides ?? [])],
        resolvedConfig: config as unknown as Prisma.InputJsonValue,
        requestId: input.requestId || null,
        outputDir,
        limits: config.general.limits as unknown as Prisma.InputJsonValue,
        startedAt: new Date(),
        steps: {
          create: config.pipeline.map((step, index) => ({
            name: step.name,
            index,
            type: step.pipe_step.type,
            objectives: objectivesOf(step.search_algorithm?.objective_keys as readonly string[] | string | undefined) as unknown as Prisma.InputJsonValue,
            config: step as unknown as Prisma.InputJsonValue,
            outputDir: resolve(outputDir, step.name),
          })),
        },
      },
    });
    await touchRuns(this.prisma, [run.id]);
    return this.view(run.id);
  }

  async view(runId: string): Promise<RunView> {
    const run = await this.prisma.run.findUnique({ where: { id: runId } });
    if (!run) throw new NotFoundError(`run '${runId}' not found`);
    return (await this.views([run]))[0];
  }

  /** Runs with their steps and trial counts: three queries for any number of runs. */
  private async views(runs: readonly Run[]): Promise<RunView[]> {
    const ids = runs.map((run) => run.id);
    const [steps, counts] = await Promise.all([
      this.prisma.step.findMany({ where: { runId: { in: ids } }, orderBy: { index: 'asc' } }),
      this.prisma.trial.groupBy({ by: ['runId', 'step', 'state', 'stopReason'], where: { runId: { in: ids } }, _count: { _all: true } }),
    ]);
    return runs.map((run) => ({
      run,
      steps: steps
        .filter((step) => step.runId === run.id)
        .map((step) => ({
          step,
          counts: counts
            .filter((row) => row.runId === run.id && row.step === step.name)
            .reduce<TrialCounts>((total, row) => addCount(total, row.state, row.stopReason, row._count._all), ZERO_COUNTS),
        })),
    }));
  }

  async listRuns(filter: { states?: readonly RunStateName[]; displayNameContains?: string }, pageSize?: number, pageToken?: string): Promise<{ runs: RunView[]; nextPageToken?: string; totalSize: number }> {
    const size = resolvePageSize(pageSize, { defaultSize: 50, maxSize: 1000 });
    const bound = { states: [...(filter.states ?? [])].sort(), contains: filter.displayNameContains ?? '' };
    const position = pageToken ? decodePageToken('ListRuns', pageToken, bound) : undefined;
    const offset = position && 'offset' in position ? position.offset : 0;
    const where: Prisma.RunWhereInput = {
      state: bound.states.length ? { in: bound.states as RunStateName[] } : undefined,
      displayName: bound.contains ? { contains: bound.contains, mode: 'insensitive' } : undefined,
    };
    const [runs, totalSize] = await Promise.all([
      this.prisma.run.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], skip: offset, take: size + 1 }),
      this.prisma.run.count({ where }),
    ]);
    const views = await this.views(runs.slice(0, size));
    return { runs: views, totalSize, nextPageToken: runs.length > size ? encodePageToken('ListRuns', { offset: offset + size }, bound) : undefined };
  }

  /** Ends a run: PENDING trials are cancelled at once, in-flight ones get the stop signal and end CANCELLED. */
  async cancelRun(runId: string, reason: string): Promise<RunView> {
    const run = await this.prisma.run.findUnique({ where: { id: runId } });
    if (!run) throw new NotFoundError(`run '${runId}' not found`);
    if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(run.state)) {
      if (run.state === 'CANCELLED') return this.view(runId);
      throw new FailedPreconditionError(`run '${runId}' already ended ${run.state}; only a PENDING or RUNNING run can be cancelled`);
    }
    const why = reason || 'cancelled by a user';
    await this.prisma.$transaction([
      this.prisma.run.update({ where: { id: runId }, data: { state: 'CANCELLED', endedAt: new Date(), error: why } }),
      this.prisma.step.updateMany({ where: { runId, state: { in: ['PENDING', 'RUNNING'] } }, data: { state: 'CANCELLED', endedAt: new Date(), waitReason: null } }),
    ]);
    await this.queue.requestStop({ runId }, 'CANCELLED', why);
    return this.view(runId);
  }

  /**
   * The run now (if its revision is past `afterRevision`), then each time it changes, until it
   * ends or the caller aborts; with `withTrialEvents`, each with the trial events since the last. Changes closer together than WATCH_INTERVAL_MS come as one view:
   * a busy run changes several times per trial, and each view is three queries.
   */
  async *watchRun(runId: string, afterRevision: number, signal: AbortSignal, withTrialEvents = false): AsyncGenerator<WatchedRun> {
    let seen = afterRevision;
    const trialChanges = withTrialEvents ? new TrialChanges(this.prisma, runId) : undefined;
    const changes = this.events.latch(RUNS_CHANNEL, runId);
    let readAt = 0;
    try {
      while (!signal.aborted) {
        const wait = readAt + WATCH_INTERVAL_MS - Date.now();
        if (wait > 0) await delay(wait, undefined, { signal }).catch(() => undefined);
        readAt = Date.now();
        const view = await this.view(runId);
        if (view.run.revision > seen) {
          seen = view.run.revision;
          yield trialChanges ? { ...view, trialEvents: await trialChanges.next() } : view;
        }
        if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(view.run.state)) return;
        await changes.next(2000, signal);
      }
    } finally {
      changes.close();
    }
  }
}

