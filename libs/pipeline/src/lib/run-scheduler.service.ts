import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { isTransientError } from '@vela/grpc-server';
import type { VelaConfig } from '@vela/config';
import { PrismaClient, refreshStatistics, type Run } from '@vela/db';
import { registry } from '@vela/registry';
import { PipelineEvents } from './pipeline-events';
import { GENERATOR_CLIENT, REPORT_CLIENT } from './pipeline.tokens';
import { StepContext, type GeneratorClient, type ReportClient } from './step-context';
import { writeStepOutputs } from './step-outputs';
import { maxAttempts } from './steps/run-limits';
import { StepFailedError } from './steps/step-executor';
import './registrations';
import { touchRuns, TrialQueueService, type ReleasedLease } from './trial-queue.service';
import { WorkerRegistryService } from './worker-registry.service';

const TICK_MS = 1000;
/** What became of a trial whose lease expired, for the log. */
const EXPIRED_OUTCOME: Record<ReleasedLease['outcome'], string> = {
  RETRIED: 'queued again',
  FAILED: 'no attempts left, FAILED',
  CANCELLED: 'it was asked to stop, CANCELLED',
};
/** The master's hot tables, whose statistics it keeps up with their growth (refreshStatistics). */
const QUEUE_TABLES = ['trials', 'attempts', 'runs', 'steps', 'workers'];

/**
 * Drives every RUNNING run, step by step, and keeps the queue healthy (expired leases,
 * lost workers). After a master restart it picks up each unfinished run where the database
 * says it is: finished steps are skipped, a step in progress continues with the trials it
 * has (nothing completed is trained again).
 */
@Injectable()
export class RunScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RunScheduler');
  private readonly driving = new Map<string, AbortController>();
  private timer?: NodeJS.Timeout;
  private ticking = false;
  /** When this master started: no worker could renew its leases or heartbeat while none ran. */
  private readonly startedAt = Date.now();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly queue: TrialQueueService,
    private readonly workers: WorkerRegistryService,
    private readonly events: PipelineEvents,
    @Inject(GENERATOR_CLIENT) private readonly generator: GeneratorClient,
    @Inject(REPORT_CLIENT) private readonly report: ReportClient,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    void this.tick();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    for (const controller of this.driving.values()) controller.abort();
  }

  /** One pass: expire leases, mark lost workers, start drivers for runs nobody drives, stop drivers of ended runs, keep the queue's statistics current. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const runs = await this.prisma.run.findMany({ where: { state: { in: ['PENDING', 'RUNNING'] } } });
      const limits = new Map(runs.map((run) => [run.id, maxAttempts((run.limits ?? {}) as VelaConfig['general']['limits'])]));
      // For a lease after the master starts, an expired lease or a silent worker says only that
      // the master was down (longer than a lease): the workers renew and heartbeat within it.
      // Before, a trial that finished during such an outage was queued again and trained twice.
      if (Date.now() - this.startedAt >= this.queue.settings.leaseSeconds * 1000) {
        const expired = await this.queue.expireLeases((runId) => limits.get(runId) ?? maxAttempts(undefined));
        for (const trial of expired) this.logger.warn(`trial ${trial.trialId}: attempt ${trial.releasedAttempt} is STALE (lease expired); ${EXPIRED_OUTCOME[trial.outcome]}`);
        await this.workers.markLost(this.queue.settings.leaseSeconds);
      }
      for (const [runId, controller] of this.driving) {
        if (!runs.some((run) => run.id === runId)) controller.abort();
      }
      for (const run of runs) if (!this.driving.has(run.id)) this.drive(run);
      // Last: a failure here (a database user that may not ANALYZE) is logged and stops nothing above.
      await refreshStatistics(this.prisma, QUEUE_TABLES);
    } catch (error) {
      this.logger.error(`scheduler tick failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.ticking = false;
    }
  }

  private drive(run: Run): void {
    const controller = new AbortController();
    this.driving.set(run.id, controller);
    this.driveSteps(run, controller.signal)
      .catch(async (error: unknown) => {
        if (controller.signal.aborted) return;
        if (isTransientError(error)) {
          // The next tick drives the run again from what the database holds.
          this.logger.warn(`run ${run.id}: ${(error as Error).message}; retrying`);
          await new Promise((resolve) => setTimeout(resolve, 2000));
          return;
        }
        await this.fail(run.id, error);
      })
      .catch((error: unknown) => this.logger.error(`run ${run.id}: could not record its failure (${(error as Error).message}); retrying`))
      .finally(() => {
        this.driving.delete(run.id);
        if (controller.signal.aborted) void this.sweepCancelled(run.id);
      });
  }

  /**
   * Once a cancelled run's driver has stopped, cancels what it may still have queued: a
   * statement of its last pass that began before the cancel committed can add trials after
   * the cancel's own sweep (nothing would ever lease them).
   */
  private async sweepCancelled(runId: string): Promise<void> {
    try {
      const run = await this.prisma.run.findUnique({ where: { id: runId }, select: { state: true, error: true } });
      if (run?.state === 'CANCELLED') await this.queue.requestStop({ runId }, 'CANCELLED', run.error ?? 'the run was cancelled');
    } catch (error) {
      this.logger.warn(`run ${runId}: could not cancel what its driver left queued (${error instanceof Error ? error.message : String(error)})`);
    }
  }

  private async driveSteps(run: Run, signal: AbortSignal): Promise<void> {
    if (run.state === 'PENDING') await this.prisma.run.update({ where: { id: run.id }, data: { state: 'RUNNING', startedAt: new Date() } });
    const config = run.resolvedConfig as unknown as VelaConfig;
    const steps = await this.prisma.step.findMany({ where: { runId: run.id }, orderBy: { index: 'asc' } });
    for (const step of steps) {
      if (signal.aborted) return;
      if (step.state === 'SUCCEEDED') continue;
      if (step.state === 'PENDING') {
        // Conditional, as every step write of a driver: a cancel may have ended the step already.
        const started = await this.prisma.step.updateMany({ where: { runId: run.id, name: step.name, state: 'PENDING' }, data: { state: 'RUNNING', startedAt: new Date() } });
        if (started.count === 0) return;
        step.state = 'RUNNING';
      }
      const context = new StepContext(this.prisma, this.queue, this.workers, this.events, this.generator, this.report, run, step, config, signal);
      const executor = registry.get('pipe_step', step.type, `${step.name}.pipe_step.type`).factory();
      this.logger.log(`run ${run.id}: step ${step.name} (${step.type}) running`);
      try {
        await executor.execute(context);
      } finally {
        context.close();
      }
      if (signal.aborted) return;
      const outputs = await writeStepOutputs(context);
      const finished = await this.prisma.step.updateMany({
        where: { runId: run.id, name: step.name, state: 'RUNNING' },
        data: { state: 'SUCCEEDED', endedAt: new Date(), outputDir: outputs.folder, waitReason: null },
      });
      if (finished.count === 0) return;
      await touchRuns(this.prisma, [run.id]);
      this.logger.log(`run ${run.id}: step ${step.name} done: ${outputs.results} results, pareto front ${outputs.pareto.join(', ') || '-'} in ${outputs.folder}`);
    }
    await this.prisma.run.updateMany({ where: { id: run.id, state: 'RUNNING' }, data: { state: 'SUCCEEDED', endedAt: new Date() } });
    await touchRuns(this.prisma, [run.id]);
  }

  private async fail(runId: string, error: unknown): Promise<void> {
    const message = error instanceof StepFailedError ? error.message : error instanceof Error ? (error as { details?: string }).details ?? error.message : String(error);
    this.logger.error(`run ${runId} failed: ${message}`);
    await this.prisma.step.updateMany({ where: { runId, state: 'RUNNING' }, data: { state: 'FAILED', endedAt: new Date(), error: message, waitReason: null } });
    await this.prisma.run.updateMany({ where: { id: runId, state: { in: ['PENDING', 'RUNNING'] } }, data: { state: 'FAILED', endedAt: new Date(), error: message } });
    await this.queue.requestStop({ runId }, 'CANCELLED', `the run failed: ${message}`);
  }
}
