import { Injectable } from '@nestjs/common';
import { parseTrialName, type Trial as TrialProto } from '@vela/contracts';
import { InvalidArgumentError, NotFoundError } from '@vela/errors';
import { PrismaClient, type Attempt, type Trial } from '@vela/db';
import { isUuid } from '@vela/records';
import { trialToProto } from './pipeline.converters';
import { maxAttempts } from './steps/run-limits';
import type { TrialKey, TrialWithAttempts } from './trial-queue.service';

/** How many runs' and steps' immutable facts the master keeps in memory. */
const CACHED_ENTRIES = 1000;

/**
 * Trials as the API shows them, built in batches: one query for the attempts of every trial
 * of a page or an acquire, and the step's config and objectives (fixed when the run is
 * created) read once per step instead of once per trial.
 */
@Injectable()
export class TrialViewService {
  private readonly steps = new BoundedCache<{ config: unknown; objectives: unknown }>();
  private readonly attemptLimits = new BoundedCache<number>();

  constructor(private readonly prisma: PrismaClient) {}

  /** The unique key a trial name stands for; a malformed name or number is INVALID_ARGUMENT. */
  keyOf(name: string, field = 'name'): TrialKey {
    const { run, step, trial } = parseTrialName(name, field);
    const number = Number(trial);
    if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError(`trial number must be a positive integer, got '${trial}'`, field);
    // Run ids are UUIDs: any other id names no trial (and must not reach a uuid column).
    if (!isUuid(run)) throw new NotFoundError(`trial '${name}' not found`);
    return { runId: run, step, number };
  }

  async byName(name: string): Promise<Trial> {
    const { runId, step, number } = this.keyOf(name);
    const found = await this.prisma.trial.findUnique({ where: { runId_step_number: { runId, step, number } } });
    if (!found) throw new NotFoundError(`trial '${name}' not found`);
    return found;
  }

  /** Trials of a run (or one step), in step and number order, with the total that match. */
  async page(filter: { runId: string; step?: string; states: readonly Trial['state'][] }, offset: number, limit: number): Promise<{ trials: Trial[]; totalSize: number }> {
    const where = { runId: filter.runId, step: filter.step, state: filter.states.length ? { in: [...filter.states] } : undefined };
    const [trials, totalSize] = await Promise.all([
      this.prisma.trial.findMany({ where, orderBy: [{ step: 'asc' }, { number: 'asc' }], skip: offset, take: limit }),
      this.prisma.trial.count({ where }),
    ]);
    return { trials, totalSize };
  }

  async toProtos(trials: readonly Trial[]): Promise<TrialProto[]> {
    if (trials.length === 0) return [];
    const attempts = await this.prisma.attempt.findMany({ where: { trialId: { in: trials.map((trial) => trial.id) } }, orderBy: { attempt: 'asc' } });
    const attemptsOf = new Map<string, Attempt[]>();
    for (const attempt of attempts) attemptsOf.set(attempt.trialId, [...(attemptsOf.get(attempt.trialId) ?? []), attempt]);
    return this.toProtosWith(trials.map((trial) => ({ trial, attempts: attemptsOf.get(trial.id) ?? [] })));
  }

  /** Trials whose attempts the caller already read. */
  async toProtosWith(trials: readonly TrialWithAttempts[]): Promise<TrialProto[]> {
    return Promise.all(
      trials.map(async ({ trial, attempts }) => {
        const step = await this.stepOf(trial.runId, trial.step);
        return trialToProto(trial, step.config, step.objectives as never, attempts);
      }),
    );
  }

  async toProto(trial: Trial): Promise<TrialProto> {
    return (await this.toProtos([trial]))[0];
  }

  /** The run's attempt limit (`general.limits`, fixed for the run's life). */
  async maxAttemptsOf(runId: string): Promise<number> {
    return this.attemptLimits.get(runId, async () => maxAttempts((await this.prisma.run.findUniqueOrThrow({ where: { id: runId }, select: { limits: true } })).limits as never));
  }

  private stepOf(runId: string, name: string): Promise<{ config: unknown; objectives: unknown }> {
    return this.steps.get(`${runId}/${name}`, () =>
      this.prisma.step.findUniqueOrThrow({ where: { runId_name: { runId, name } }, select: { config: true, objectives: true } }),
    );
  }
}

/** A map of values that never change once read, forgetting the oldest past CACHED_ENTRIES. */
class BoundedCache<T> {
  private readonly entries = new Map<string, Promise<T>>();

  get(key: string, load: () => Promise<T>): Promise<T> {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = load();
      entry.catch(() => this.entries.delete(key));
      this.entries.set(key, entry);
      if (this.entries.size > CACHED_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    }
    return entry;
  }
}
