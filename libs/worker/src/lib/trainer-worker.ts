import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import { status } from '@grpc/grpc-js';
import {
  AcquireTrialsRequest,
  Capacity,
  CompleteTrialRequest,
  CompleteTrialsRequest,
  Record as RecordProto,
  HeartbeatRequest,
  PipelineServiceService,
  RegisterWorkerRequest,
  ReportProgressRequest,
  StopReason,
  TrialOutcome,
  WorkerState,
  durationFromMillis,
  durationToMillis,
  workerName,
  type Objective,
  type PipelineServiceServer,
  type RecordWriteResult,
  type StopSignal,
  type Trial,
} from '@vela/contracts';
import { InvalidArgumentError, UnauthenticatedError, type VelaError } from '@vela/errors';
import { createAsyncClient, type AsyncClient } from '@vela/grpc-server';
import { batchedLog } from './batched-log';
import { Batcher } from './batcher';
import { Backoff, callMessage, grpcCode, isFenced, isTransient, settlesWithin, sleep, unauthenticated } from './calls';
import { reportClient, type ReportClient } from './report-channel';
import { TrainingProcess, type ComputeReport } from './training-process';
import { attemptIdentity, failureRecordToProto } from './trial-records';
import type { TrainingOutcome } from './trial-training';
import type { WorkerSettings } from './worker-settings';

const CALL_TIMEOUT_MS = 15000;
const DEFAULT_HEARTBEAT_MS = 10000;
const DEREGISTER_TIMEOUT_MS = 10000;

export interface TrainerWorkerOptions {
  readonly settings: WorkerSettings;
  /** Progress and warnings, one line each (default: stdout, written in batches). */
  readonly log?: (line: string) => void;
  /** Called once when the worker cannot go on (the master or Report refused its token); it has stopped by then. */
  readonly onFatal?: (error: VelaError) => void;
  /** The software version sent at registration. */
  readonly version?: string;
}

/** One trial attempt this worker holds a lease on. */
interface HeldTrial {
  readonly trial: Trial;
  /** Slots (GPUs or CPU slots) it occupies, and which GPUs. */
  readonly slots: number;
  readonly gpuIndices?: number[];
  process?: TrainingProcess;
  /** The master asked to stop it. */
  stop?: StopSignal;
  /** Its lease is gone: stop it and do not complete it. */
  fenced?: string;
  /** The worker is shutting down: stop it and hand it back. */
  handback?: boolean;
  /** Training ended and only its completion is in flight: its slots are free for the next trial. */
  slotsReleased?: boolean;
  lastEpoch?: number;
  progress?: { epoch: number; totalEpochs: number; objectives: Objective[] };
  reporting?: boolean;
  /** When the last progress report was sent (or training began), for the interval between reports. */
  reportedAt: number;
  progressTimer?: NodeJS.Timeout;
  /** Training ended and the worker is completing it: progress reports are over. */
  completing?: boolean;
  done?: Promise<void>;
}

/** An attempt that ended and is to be completed: its final record first (if any), then its completion. */
interface Finished {
  readonly label: string;
  readonly record?: RecordProto;
  readonly request: CompleteTrialRequest;
}

/**
 * The trainer-worker's supervisor. It registers with the master (PipelineService) under its
 * stable id, advertising its capacity: the GPUs its backend sees, else `cpuSlots` CPU slots;
 * heartbeats at the interval the master gives, with its held leases and free capacity;
 * acquires trials up to its free capacity (AcquireTrials long-polls); trains each in a
 * training process of its own (TrainingProcess: one per CPU slot, or per GPU set, reused
 * across trials), which writes the records and checkpoints to Report; reports each epoch
 * (ReportProgress) and applies the stop signals of both answers at the next step boundary;
 * and completes each attempt (CompleteTrial, idempotent by request id).
 *
 * Faults: an unreachable master is retried with backoff while training goes on (completions
 * wait, leases are renewed when it is back); a re-registration returns this id's leases,
 * which are resumed; FAILED_PRECONDITION (lease lost, attempt fenced) stops that trial
 * without completing it; a wrong token ends the worker through `onFatal`.
 *
 * `stop()` (SIGTERM) drains: no new trials; held trials stop at their next step boundary
 * and are handed back (their checkpoint of the last finished epoch is in Report, so the next
 * attempt continues from it), trials that finish before that are completed; then the worker
 * deregisters, which returns what it held to the queue at once.
 */
export class TrainerWorker {
  readonly name: string;
  capacity?: Capacity;
  compute?: ComputeReport;
  private readonly settings: WorkerSettings;
  private readonly log: (line: string) => void;
  private readonly pipeline: AsyncClient<PipelineServiceServer>;
  private readonly report: ReportClient;
  private readonly held = new Map<string, HeldTrial>();
  private readonly idle: TrainingProcess[] = [];
  /** Every training process started and not closed (idle or training). */
  private readonly processes = new Set<TrainingProcess>();
  /** CPU slots' processes being started (not yet in `processes`). */
  private startingSlots = 0;
  /** Trials leased ahead, waiting for a CPU slot's process to have room (it trains one, and one may wait in it). */
  private readonly processWaiters: ((process: TrainingProcess | undefined) => void)[] = [];
  /** The moving average of how long trials train, for leasing ahead. */
  private trainMsAverage?: number;
  private readonly completions = new Batcher<Finished>((batch) => this.completeBatch(batch));
  private slotKind: 'gpus' | 'cpuSlots' = 'cpuSlots';
  private totalSlots = 0;
  private freeGpus: number[] = [];
  private heartbeatMs = DEFAULT_HEARTBEAT_MS;
  private masterDraining = false;
  private draining = false;
  private readonly stopped = new AbortController();
  private readonly acquireAbort = new AbortController();
  private memoryReading?: { bytes: number; at: number };
  private loops: Promise<void>[] = [];
  private wake?: () => void;
  /** Slots the AcquireTrials call in flight asked for: completions ask along only for the others (no double booking). */
  private polling = 0;
  /** Slots that completions in flight asked for: the acquire loop waits for them, and no slot is asked for twice. */
  private askedAlong = 0;
  /** Ended attempts on their way to CompleteTrials: the acquire loop waits for them too, as they ask along. */
  private finishing = 0;
  private stopping?: Promise<void>;
  private fatal?: VelaError;
  private registering?: Promise<void>;

  constructor(private readonly options: TrainerWorkerOptions) {
    this.settings = options.settings;
    this.name = workerName(this.settings.workerId);
    this.log = options.log ?? batchedLog();
    this.pipeline = createAsyncClient<PipelineServiceServer>(PipelineServiceService, 'vela.v1.PipelineService', this.settings.pipelineAddress, this.settings.token);
    this.report = reportClient(this.settings.reportAddress, this.settings.token);
  }

  /** Starts the first training process (to learn the backend and GPUs), then one per CPU slot, registers, and starts the loops. */
  async start(): Promise<void> {
    const probe = await this.startProcess(undefined);
    this.compute = probe.compute as ComputeReport;
    if (this.compute.gpus > 0) {
      // It sees every GPU; trials get processes pinned to the GPUs they are given.
      await this.closeProcess(probe);
      this.slotKind = 'gpus';
      this.totalSlots = this.compute.gpus;
      this.freeGpus = Array.from({ length: this.compute.gpus }, (_, i) => i);
    } else {
      this.totalSlots = this.settings.cpuSlots;
      if (this.totalSlots === 0) {
        await this.closeProcess(probe);
        throw new InvalidArgumentError('is 0 and no GPU is visible, so this worker could train nothing; set it to 1 or more', 'VELA_WORKER_CPU_SLOTS');
      }
      this.idle.push(probe);
      // One ready process per slot before the worker offers its slots: the first trial of a
      // slot does not wait for a process to start (a second or two of CPU each).
      const started = await Promise.allSettled(Array.from({ length: this.totalSlots - 1 }, () => this.startProcess(undefined)));
      for (const result of started) if (result.status === 'fulfilled') this.idle.push(result.value);
      const failed = started.find((result) => result.status === 'rejected');
      if (failed) {
        await this.closeProcesses();
        throw failed.reason;
      }
    }
    this.capacity = Capacity.fromPartial({
      gpus: this.slotKind === 'gpus' ? this.totalSlots : 0,
      cpuSlots: this.slotKind === 'cpuSlots' ? this.totalSlots : 0,
      memoryBytes: this.settings.memoryBytes,
      labels: { ...this.settings.labels },
    });
    try {
      await this.checkReportToken();
      await this.register();
    } catch (error) {
      await this.closeProcesses();
      this.closeClients();
      throw error;
    }
    this.log(`worker ${this.settings.workerId}: registered with ${this.totalSlots} ${this.slotKind === 'gpus' ? 'GPU(s)' : 'CPU slot(s)'} (${this.compute.backend}, ${this.compute.device}); master ${this.settings.pipelineAddress}, report ${this.settings.reportAddress}`);
    this.loops = [this.heartbeatLoop(), this.acquireLoop()];
  }

  /** Training processes running now, idle or training. */
  get trainingProcesses(): number {
    return [...this.processes].filter((process) => process.alive).length;
  }

  /** The trials held now, by id. */
  heldTrials(): { trialId: string; attempt: number }[] {
    return [...this.held.values()].map((h) => ({ trialId: h.trial.id, attempt: h.trial.attempt }));
  }

  /** Drains and deregisters (see the class comment); resolves when everything is closed. */
  stop(): Promise<void> {
    return (this.stopping ??= this.drain());
  }

  private async drain(): Promise<void> {
    this.draining = true;
    this.acquireAbort.abort();
    this.wake?.();
    // Trials leased ahead start nothing now: they are handed back.
    for (const waiter of this.processWaiters.splice(0)) waiter(undefined);
    for (const held of this.held.values()) {
      held.handback = true;
      held.process?.stop(held.trial.id, 'the worker is shutting down; the trial is handed back');
    }
    const running = [...this.held.values()].map((h) => h.done);
    if (running.length) this.log(`worker ${this.settings.workerId}: draining ${running.length} trial(s)`);
    // A worker that lost its token cannot report anything more: no grace for it.
    const grace = this.fatal ? 0 : this.settings.drainMs;
    const drained = await settlesWithin(Promise.all(running), grace);
    if (!drained) {
      this.log(`worker ${this.settings.workerId}: trials did not stop within ${grace} ms; ending their processes (they are handed back)`);
      await Promise.all([...this.held.values()].map((h) => h.process?.close(1000)));
      await settlesWithin(Promise.all(running), 5000);
    }
    if (!this.fatal) await this.deregister();
    this.stopped.abort();
    await Promise.all(this.loops);
    await this.closeProcesses();
    this.closeClients();
  }

  // ---- registration and heartbeats ----

  private register(): Promise<void> {
    return (this.registering ??= this.registerOnce().finally(() => (this.registering = undefined)));
  }

  private async registerOnce(): Promise<void> {
    const backoff = new Backoff();
    const since = Date.now();
    let told = 0;
    for (;;) {
      try {
        const response = await this.pipeline.registerWorker(
          RegisterWorkerRequest.fromPartial({
            worker: {
              id: this.settings.workerId,
              hostname: this.settings.hostname,
              capacity: this.capacity,
              backend: this.compute?.backend ?? '',
              device: this.compute?.device ?? '',
              threads: this.compute?.threads ?? 0,
              version: this.options.version ?? '',
            },
          }),
          { timeoutMs: CALL_TIMEOUT_MS },
        );
        this.heartbeatMs = durationToMillis(response.heartbeatInterval) || this.heartbeatMs;
        this.resumeLeases(response.leasedTrials);
        return;
      } catch (error) {
        const denied = unauthenticated(error, 'the master');
        if (denied) throw denied;
        if (!isTransient(error) || this.stopped.signal.aborted) throw new InvalidArgumentError(`the master refused the registration: ${callMessage(error)}`, 'RegisterWorker');
        // Say it at once, then every 30 s, not at every retry.
        if (Date.now() - told >= 30000) {
          this.log(`worker ${this.settings.workerId}: master ${this.settings.pipelineAddress} unreachable${told ? ` for ${Math.round((Date.now() - since) / 1000)} s` : ''} (${callMessage(error)}); retrying`);
          told = Date.now();
        }
        await sleep(backoff.next(), this.stopped.signal);
      }
    }
  }

  /** After (re)registration: resume the leases the master says this id holds; stop those it does not. */
  private resumeLeases(leased: readonly Trial[]): void {
    const byId = new Map(leased.map((trial) => [trial.id, trial]));
    for (const held of this.held.values()) {
      const lease = byId.get(held.trial.id);
      if (!lease || lease.attempt !== held.trial.attempt) this.fence(held, 'the master no longer holds this lease for the worker');
    }
    for (const trial of leased) {
      if (this.held.has(trial.id) || this.draining) continue;
      this.log(`worker ${this.settings.workerId}: resuming leased trial ${trial.name} attempt ${trial.attempt}`);
      this.begin(trial);
    }
  }

  private async heartbeatLoop(): Promise<void> {
    let unreachableSince: number | undefined;
    while (!this.stopped.signal.aborted) {
      await sleep(unreachableSince === undefined ? this.heartbeatMs : Math.min(this.heartbeatMs, 2000), this.stopped.signal);
      if (this.stopped.signal.aborted) return;
      try {
        const response = await this.pipeline.heartbeat(
          HeartbeatRequest.fromPartial({ name: this.name, freeCapacity: this.freeCapacity(), leases: this.heldTrials() }),
          { timeoutMs: CALL_TIMEOUT_MS },
        );
        if (unreachableSince !== undefined) this.log(`worker ${this.settings.workerId}: master reachable again after ${Math.round((Date.now() - unreachableSince) / 1000)} s`);
        unreachableSince = undefined;
        for (const stop of response.stops) this.applyStop(stop);
        this.heartbeatMs = durationToMillis(response.heartbeatInterval) || this.heartbeatMs;
        const draining = response.workerState === WorkerState.WORKER_STATE_DRAINING;
        if (draining !== this.masterDraining) this.log(`worker ${this.settings.workerId}: the master ${draining ? 'drains this worker: acquiring nothing more' : 'lets this worker acquire again'}`);
        this.masterDraining = draining;
        this.wake?.();
      } catch (error) {
        if (this.handleCommonError(error, true)) continue;
        if (isTransient(error)) {
          if (unreachableSince === undefined) this.log(`worker ${this.settings.workerId}: heartbeat failed (${callMessage(error)}); training goes on, retrying`);
          unreachableSince ??= Date.now();
        } else {
          this.log(`worker ${this.settings.workerId}: heartbeat refused: ${callMessage(error)}`);
        }
      }
    }
  }

  /**
   * UNAUTHENTICATED ends the worker; on the worker's own calls (heartbeat, acquire) NOT_FOUND
   * means the master forgot this worker (a new database, an operator's DeregisterWorker), so
   * it registers again. True when handled.
   */
  private handleCommonError(error: unknown, workerCall = false): boolean {
    const denied = unauthenticated(error, 'the master');
    if (denied) {
      this.die(denied);
      return true;
    }
    if (workerCall && grpcCode(error) === status.NOT_FOUND && !this.stopped.signal.aborted && !this.draining) {
      this.log(`worker ${this.settings.workerId}: the master does not know this worker (${callMessage(error)}); registering again`);
      this.register().catch((failure: unknown) => this.die(failure instanceof UnauthenticatedError ? failure : new UnauthenticatedError(String(failure))));
      return true;
    }
    return false;
  }

  private async deregister(): Promise<void> {
    const deadline = Date.now() + DEREGISTER_TIMEOUT_MS;
    const backoff = new Backoff();
    while (Date.now() < deadline) {
      try {
        await this.pipeline.deregisterWorker({ name: this.name, reason: 'the worker was stopped (SIGTERM)' }, { timeoutMs: Math.max(1000, deadline - Date.now()) });
        this.log(`worker ${this.settings.workerId}: deregistered`);
        return;
      } catch (error) {
        if (grpcCode(error) === status.NOT_FOUND) return;
        if (!isTransient(error)) {
          this.log(`worker ${this.settings.workerId}: deregistration refused: ${callMessage(error)}`);
          return;
        }
        await sleep(backoff.next());
      }
    }
    this.log(`worker ${this.settings.workerId}: could not deregister (master unreachable); its leases expire on their own`);
  }

  // ---- acquiring ----

  private usedSlots(): number {
    let used = 0;
    for (const held of this.held.values()) if (!held.slotsReleased) used += held.slots;
    return used;
  }

  /** Slots no held trial occupies (trials leased ahead count): what AcquireTrials waits for work for. */
  private freeSlots(): number {
    return Math.max(0, this.totalSlots - this.usedSlots());
  }

  /**
   * What a completion asks along for: the free slots, plus settings.leaseAheadPerSlot trials
   * ahead per CPU slot while trials are short (settings.leaseAheadBelowMs). A slot then starts
   * its next trial as soon as the last one ends instead of waiting for the master's answer, and
   * the completions of several trials go out together meanwhile. One ahead (the default) waits
   * in the slot's training process; a second, in the supervisor, raised one worker's rate by a
   * tenth to a fifth, but four workers' slots then held trials the others waited for: the p99
   * of their wait rose from 47–56 to 62–70 ms (benchmarks/control-plane).
   */
  private openSlots(): number {
    const short = this.trainMsAverage !== undefined && this.trainMsAverage < this.settings.leaseAheadBelowMs;
    const ahead = this.slotKind === 'cpuSlots' && short ? this.settings.leaseAheadPerSlot * this.totalSlots : 0;
    return Math.max(0, this.totalSlots + ahead - this.usedSlots());
  }

  /** What is free; `free` slots of it where a request must leave out slots already asked for. */
  private freeCapacity(free = this.freeSlots()): Capacity {
    return Capacity.fromPartial({
      gpus: this.slotKind === 'gpus' ? free : 0,
      cpuSlots: this.slotKind === 'cpuSlots' ? free : 0,
      memoryBytes: Math.min(this.settings.memoryBytes, this.freeMemory()),
      labels: { ...this.settings.labels },
    });
  }

  /** The host's free memory, read at most once a second: os.freemem() reads /proc/meminfo, and every acquire asks. */
  private freeMemory(): number {
    const now = Date.now();
    if (!this.memoryReading || now - this.memoryReading.at > 1000) this.memoryReading = { bytes: os.freemem(), at: now };
    return this.memoryReading.bytes;
  }

  private async acquireLoop(): Promise<void> {
    const backoff = new Backoff();
    // While the master is unreachable, its retries are said once (the heartbeat says how long).
    let unreachable = false;
    while (!this.draining && !this.stopped.signal.aborted) {
      const free = this.freeSlots();
      if (free === 0 || this.masterDraining || this.askedAlong > 0 || this.finishing > 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          if (this.masterDraining) setTimeout(resolve, this.heartbeatMs);
        });
        this.wake = undefined;
        continue;
      }
      // A signal per call: the client adds an abort listener to it and never removes it.
      const call = new AbortController();
      const onDrain = () => call.abort();
      this.acquireAbort.signal.addEventListener('abort', onDrain, { once: true });
      this.polling = free;
      try {
        let answer: { trials: Trial[] };
        try {
          answer = await this.pipeline.acquireTrials(
            AcquireTrialsRequest.fromPartial({
              name: this.name,
              freeCapacity: this.freeCapacity(),
              maxTrials: free,
              waitTimeout: durationFromMillis(this.settings.acquireWaitMs),
            }),
            { timeoutMs: this.settings.acquireWaitMs + CALL_TIMEOUT_MS, signal: call.signal },
          );
        } finally {
          // Cleared in the same turn as the trials are taken: a completion in between would
          // ask along for slots they are about to fill.
          this.polling = 0;
        }
        backoff.reset();
        unreachable = false;
        this.take(answer.trials);
      } catch (error) {
        if (this.draining || this.stopped.signal.aborted) return;
        if (this.handleCommonError(error, true)) {
          await sleep(backoff.next(), this.stopped.signal);
          continue;
        }
        const delay = backoff.next();
        // Not draining, so a cancelled call is the master's doing: it went away mid-call.
        const masterAway = isTransient(error) || grpcCode(error) === status.CANCELLED;
        if (!unreachable || !masterAway) this.log(`worker ${this.settings.workerId}: acquiring trials failed (${callMessage(error)}); retrying${masterAway ? ' until the master answers' : ` in ${delay} ms`}`);
        unreachable = masterAway;
        await sleep(delay, this.stopped.signal);
      } finally {
        this.acquireAbort.signal.removeEventListener('abort', onDrain);
      }
    }
  }

  /** Begins trials the master leased to this worker. */
  private take(trials: readonly Trial[]): void {
    for (const trial of trials) {
      const current = this.held.get(trial.id);
      if (current) {
        // The trial's next attempt (a retry of one this worker failed, leased along with that
        // completion): it begins once the attempt before has let go of its slot.
        if (trial.attempt > current.trial.attempt) void current.done?.then(() => this.take([trial]));
        continue;
      }
      if (this.draining) {
        // Leased while the drain began: deregistration hands it back with the rest.
        this.log(`worker ${this.settings.workerId}: trial ${trial.name} arrived while draining; handing it back`);
        continue;
      }
      this.begin(trial);
    }
  }

  // ---- one trial ----

  private begin(trial: Trial): void {
    const request = trial.resources;
    // A trial that asks for no GPU asks for devices: on a GPU worker, as many GPUs as CPU slots (resources.ts).
    const wanted = Math.max(1, this.slotKind === 'gpus' ? request?.gpus || request?.cpuSlots || 0 : (request?.cpuSlots ?? 0));
    const gpuIndices = this.slotKind === 'gpus' ? this.freeGpus.splice(0, Math.min(wanted, this.freeGpus.length)) : undefined;
    const held: HeldTrial = { trial, slots: wanted, gpuIndices, reportedAt: Date.now() };
    this.held.set(trial.id, held);
    held.done = this.run(held)
      .catch((error: unknown) => this.log(`worker ${this.settings.workerId}: trial ${trial.name}: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        clearTimeout(held.progressTimer);
        this.held.delete(trial.id);
        this.releaseSlots(held);
      });
  }

  private async run(held: HeldTrial): Promise<void> {
    const { trial } = held;
    let outcome: TrainingOutcome | undefined;
    while (!outcome) {
      let process: TrainingProcess | undefined;
      try {
        process = await this.processFor(held.gpuIndices);
      } catch (error) {
        outcome = { outcome: 'FAILED', error: `could not start a training process: ${(error as Error).message}`, crashed: true };
        break;
      }
      if (!process) {
        // Leased ahead, and the worker began to drain before a process had room for it.
        outcome = { outcome: 'STOPPED', error: 'handed back before training' };
        break;
      }
      const sent = held.stop || held.fenced || held.handback ? undefined : process.train(trial, { progress: (epoch, totalEpochs, objectives) => this.progress(held, epoch, totalEpochs, objectives) });
      if (sent) {
        held.process = process;
        const ended = await sent;
        held.process = undefined;
        // A process that died before it began this trial: it goes to another.
        if (!ended.notStarted) outcome = ended;
        if (ended.trainingMs !== undefined) this.trainMsAverage = this.trainMsAverage === undefined ? ended.trainingMs : 0.8 * this.trainMsAverage + 0.2 * ended.trainingMs;
      } else {
        // Stopped while it waited for a process: nothing was trained.
        process.unreserve();
        outcome = { outcome: 'STOPPED', error: held.fenced ?? held.stop?.message ?? 'handed back before training' };
      }
      if (process.alive && !this.draining && !this.fatal) this.returnProcess(process);
      else if (process.load === 0) await this.closeProcess(process);
    }
    // The next trial need not wait for this one's CompleteTrial round trip.
    this.releaseSlots(held);
    await this.finish(held, outcome);
  }

  private releaseSlots(held: HeldTrial): void {
    if (held.slotsReleased) return;
    held.slotsReleased = true;
    if (held.gpuIndices) this.freeGpus.push(...held.gpuIndices);
    this.wake?.();
  }

  /**
   * A training process for a trial, reserved for it: an idle one for these GPUs (or for a CPU
   * slot), else a new one. A CPU trial leased ahead, when every slot's process is busy, goes
   * to one that trains a single trial (it starts there the moment that one ends, without a
   * round trip through this supervisor), else waits for one to have room (undefined: the
   * worker drains meanwhile).
   */
  private async processFor(gpus: readonly number[] | undefined): Promise<TrainingProcess | undefined> {
    const key = gpus?.join(',');
    const index = this.idle.findIndex((p) => p.alive && p.gpus?.join(',') === key);
    if (index >= 0) return reserved(this.idle.splice(index, 1)[0]);
    if (gpus) {
      // Idle processes pinned to other GPUs would hold memory on them: end them first.
      await Promise.all(this.idle.splice(0).map((p) => this.closeProcess(p)));
      return reserved(await this.startProcess(gpus));
    }
    if (this.draining) return undefined;
    const slots = [...this.processes].filter((p) => p.alive && !p.gpus);
    // Processes still starting count: after a crash, the trials of one completion's answer
    // all look for a process at once, and each would start one of its own.
    if (slots.length + this.startingSlots < this.totalSlots) {
      this.startingSlots++;
      let started: TrainingProcess;
      try {
        started = await this.startProcess(undefined);
      } catch (error) {
        this.startingSlots--;
        // A trial waiting for this process would wait for ever: it looks for one itself (else is handed back).
        const waiter = this.processWaiters.shift();
        if (waiter) void this.processFor(undefined).then(waiter, () => waiter(undefined));
        throw error;
      }
      this.startingSlots--;
      return reserved(started);
    }
    const single = slots.find((p) => p.load === 1);
    if (single) return reserved(single);
    // returnProcess reserves the process it hands to a waiter.
    return new Promise((resolve) => this.processWaiters.push(resolve));
  }

  /** A process whose trial ended: to the trial waiting longest for room (it may wait behind one other trial), else idle once it has none. */
  private returnProcess(process: TrainingProcess): void {
    const waiter = process.load < 2 ? this.processWaiters.shift() : undefined;
    if (waiter) {
      process.reserve();
      waiter(process);
    } else if (process.load === 0) {
      this.idle.push(process);
    }
  }

  private async closeProcess(process: TrainingProcess): Promise<void> {
    this.processes.delete(process);
    await process.close();
  }

  private async startProcess(gpus: readonly number[] | undefined): Promise<TrainingProcess> {
    const process = await TrainingProcess.start({
      reportAddress: this.settings.reportAddress,
      token: this.settings.token,
      backend: this.settings.backend,
      plugins: this.settings.plugins,
      gpus,
      log: (line) => this.log(`  ${line}`),
    });
    this.processes.add(process);
    return process;
  }

  /**
   * Sends the newest progress of a trial: one call in flight per trial, later epochs replace
   * queued ones, and at most one report per `progressIntervalMs` (the first that long after
   * training starts). A report still waiting when the trial completes is dropped: the
   * completion carries the final epoch, so a trial shorter than the interval costs the master
   * no progress call at all.
   */
  private progress(held: HeldTrial, epoch: number, totalEpochs: number, objectives: Objective[]): void {
    held.lastEpoch = epoch;
    if (held.completing) return;
    held.progress = { epoch, totalEpochs, objectives };
    if (held.reporting || held.progressTimer) return;
    const wait = Math.max(0, held.reportedAt + this.settings.progressIntervalMs - Date.now());
    if (wait === 0) this.sendProgress(held);
    else held.progressTimer = setTimeout(() => this.sendProgress(held), wait);
  }

  private sendProgress(held: HeldTrial): void {
    held.progressTimer = undefined;
    const next = held.progress;
    if (held.reporting || !next || held.completing) return;
    held.progress = undefined;
    held.reporting = true;
    held.reportedAt = Date.now();
    void (async () => {
      try {
        const response = await this.pipeline.reportProgress(
          ReportProgressRequest.fromPartial({ name: held.trial.name, attempt: held.trial.attempt, ...next }),
          { timeoutMs: CALL_TIMEOUT_MS },
        );
        if (response.stop) this.applyStop({ ...response.stop, trialId: response.stop.trialId || held.trial.id, attempt: response.stop.attempt || held.trial.attempt });
      } catch (error) {
        if (!this.handleCommonError(error) && isFenced(error) && !held.completing) {
          // A report that crossed this worker's own CompleteTrial is refused as stale: not a lost lease.
          this.fence(held, callMessage(error));
        }
        // Unreachable: the heartbeat keeps the lease; the next epoch reports again.
      } finally {
        held.reporting = false;
      }
      // Epochs that ended during the call wait for the rest of the interval.
      if (held.progress && !held.completing && this.held.get(held.trial.id) === held) this.progress(held, held.progress.epoch, held.progress.totalEpochs, held.progress.objectives);
    })();
  }

  private applyStop(stop: StopSignal): void {
    const held = this.held.get(stop.trialId);
    if (!held || (stop.attempt && stop.attempt !== held.trial.attempt)) return;
    const why = stop.message || StopReason[stop.reason];
    if (stop.reason === StopReason.STOP_REASON_LEASE_LOST) {
      this.fence(held, why);
      return;
    }
    if (held.stop) return;
    held.stop = stop;
    this.log(`worker ${this.settings.workerId}: stopping trial ${held.trial.name} attempt ${held.trial.attempt}: ${why}`);
    held.process?.stop(held.trial.id, why);
  }

  private fence(held: HeldTrial, why: string): void {
    if (held.fenced) return;
    held.fenced = why;
    this.log(`worker ${this.settings.workerId}: lease on trial ${held.trial.name} attempt ${held.trial.attempt} lost (${why}); stopping it without completing it`);
    held.process?.stop(held.trial.id, `lease lost: ${why}`);
  }

  private async finish(held: HeldTrial, outcome: TrainingOutcome): Promise<void> {
    const { trial } = held;
    const label = `trial ${trial.name} attempt ${trial.attempt}`;
    if (outcome.outcome === 'UNAUTHENTICATED') {
      this.die(new UnauthenticatedError(outcome.error ?? 'Report refused the token; set VELA_TOKEN'));
      return;
    }
    if (held.fenced || outcome.outcome === 'FENCED') {
      this.log(`worker ${this.settings.workerId}: ${label} not completed: its lease is gone (${held.fenced ?? outcome.error})`);
      return;
    }
    const genuine = outcome.outcome === 'SUCCEEDED' || (outcome.outcome === 'FAILED' && !outcome.crashed);
    if (held.handback && !genuine) {
      this.log(`worker ${this.settings.workerId}: ${label} handed back after epoch ${outcome.finalEpoch ?? 0}`);
      return;
    }
    // CompleteTrial carries the final epoch: queued progress is dropped, and one in flight
    // that arrives after the completion is expected to be refused.
    held.completing = true;
    held.progress = undefined;
    clearTimeout(held.progressTimer);
    // The final record, written before the completion: the training process's, or for a
    // process that died (and wrote none) a failure record with its output as the log tail.
    // Progress 0 comes once the model is built: without it the process died before training.
    const record = outcome.crashed
      ? failureRecordToProto(attemptIdentity(trial), held.lastEpoch === undefined ? 0 : held.lastEpoch + 1, outcome.error ?? 'the training process died', outcome.logTail ?? '')
      : outcome.finalRecord
        ? RecordProto.fromJSON(outcome.finalRecord)
        : undefined;
    const result =
      outcome.outcome === 'SUCCEEDED' ? TrialOutcome.TRIAL_OUTCOME_SUCCEEDED : outcome.outcome === 'STOPPED' ? TrialOutcome.TRIAL_OUTCOME_CANCELLED : TrialOutcome.TRIAL_OUTCOME_FAILED;
    const request = CompleteTrialRequest.fromPartial({
      name: trial.name,
      attempt: trial.attempt,
      outcome: result,
      errorMessage: outcome.outcome === 'SUCCEEDED' ? '' : (outcome.error ?? ''),
      finalEpoch: outcome.finalEpoch,
      checkpointArtifact: outcome.checkpointArtifact ?? '',
      requestId: randomUUID(),
      logTail: outcome.outcome === 'FAILED' ? (outcome.logTail ?? '') : '',
      finalObjectives: outcome.outcome === 'SUCCEEDED' && record?.epoch === outcome.finalEpoch ? record?.objectives : [],
    });
    this.finishing++;
    try {
      await this.completions.add({ label, record, request });
    } finally {
      this.finishing--;
      this.wake?.();
    }
  }

  /**
   * Completes a batch of ended attempts: their final records in one UpdateRecords call, then
   * the attempts whose records Report stored in one CompleteTrials call (a record Report
   * refuses as stale means the lease is gone: that attempt is not completed; one it refuses
   * for its content fails the attempt with Report's reason). The next trials come with the
   * completions for the open slots no call in flight asks for (an AcquireTrials long poll
   * asks for those free when it began); the acquire loop waits meanwhile, so each slot is
   * asked for once.
   */
  private async completeBatch(batch: Finished[]): Promise<void> {
    const stored = await this.storeFinalRecords(batch);
    if (stored.length === 0) return;
    const request = CompleteTrialsRequest.fromPartial({ completions: stored.map((finished) => finished.request) });
    const unasked = this.openSlots() - this.askedAlong - this.polling;
    const along = unasked > 0 && !this.draining && !this.masterDraining && !this.fatal ? unasked : 0;
    if (along) {
      request.acquireNext = { worker: this.name, freeCapacity: this.freeCapacity(along), maxTrials: along };
      this.askedAlong += along;
    }
    const what = stored.length === 1 ? stored[0].label : `${stored.length} trials`;
    const backoff = new Backoff();
    try {
      for (;;) {
        try {
          const response = await this.pipeline.completeTrials(request, { timeoutMs: CALL_TIMEOUT_MS });
          response.results.forEach(({ code, message }, index) => {
            const { label, request: completion } = stored[index];
            if (code !== status.OK) this.log(`worker ${this.settings.workerId}: ${label}: the master refused its completion: ${message}`);
            else this.log(`worker ${this.settings.workerId}: ${label} completed ${TrialOutcome[completion.outcome].replace('TRIAL_OUTCOME_', '')}${completion.errorMessage ? `: ${completion.errorMessage}` : ''}`);
          });
          this.take(response.acquiredTrials);
          return;
        } catch (error) {
          // A retry asks for nothing along: a lost answer's leases would be held by nobody.
          request.acquireNext = undefined;
          if (!this.completionRetry(error, what)) return;
          await sleep(backoff.next(), this.stopped.signal);
        }
      }
    } finally {
      if (along) {
        this.askedAlong -= along;
        this.wake?.();
      }
    }
  }

  /**
   * Writes the batch's final records in one call, retrying while Report is unreachable (the
   * completions wait: a trial is completed only once its result is stored). Returns what is
   * to be completed.
   */
  private async storeFinalRecords(batch: Finished[]): Promise<Finished[]> {
    const writing = batch.filter((finished) => finished.record);
    if (writing.length === 0) return batch;
    const backoff = new Backoff();
    let told = false;
    for (;;) {
      try {
        const { results } = await this.report.updateRecords({ records: writing.map((finished) => finished.record as RecordProto) }, { timeoutMs: CALL_TIMEOUT_MS });
        if (told) this.log(`worker ${this.settings.workerId}: final records went through after Report came back`);
        const refused = new Map<Finished, RecordWriteResult>();
        for (const [index, finished] of writing.entries()) if (results[index]?.code !== status.OK) refused.set(finished, results[index]);
        return batch.flatMap((finished) => {
          const refusal = refused.get(finished);
          if (!refusal) return [finished];
          if (refusal.code === status.FAILED_PRECONDITION) {
            this.log(`worker ${this.settings.workerId}: ${finished.label} not completed: Report refused its final record, its lease is gone (${refusal.message})`);
            return [];
          }
          return [{ ...finished, request: this.failedWith(finished.request, `Report refused the record of epoch ${finished.record?.epoch}: ${refusal.message}`) }];
        });
      } catch (error) {
        const denied = unauthenticated(error, 'Report');
        if (denied) {
          this.die(denied);
          return [];
        }
        if (isTransient(error) && this.stopped.signal.aborted) {
          // The worker has stopped and Report is still unreachable: the leases were handed back.
          this.log(`worker ${this.settings.workerId}: ${writing.length} final record(s) not written (Report unreachable: ${callMessage(error)}); their trials are not completed`);
          return [];
        }
        if (!isTransient(error)) {
          // Report cannot store them (not a passing outage): the attempts fail with its reason.
          this.log(`worker ${this.settings.workerId}: Report refused ${writing.length} final record(s): ${callMessage(error)}`);
          return batch.map((finished) => (finished.record ? { ...finished, request: this.failedWith(finished.request, `Report refused the final record: ${callMessage(error)}`) } : finished));
        }
        if (!told) this.log(`worker ${this.settings.workerId}: writing ${writing.length} final record(s) failed (${callMessage(error)}); their completions wait, retrying`);
        told = true;
        await sleep(backoff.next(), this.stopped.signal);
      }
    }
  }

  private failedWith(request: CompleteTrialRequest, error: string): CompleteTrialRequest {
    return { ...request, outcome: TrialOutcome.TRIAL_OUTCOME_FAILED, errorMessage: error, finalObjectives: [] };
  }

  /** Whether a failed CompleteTrials is worth retrying (the same request ids make a retry after a lost answer harmless); logs why not. */
  private completionRetry(error: unknown, what: string): boolean {
    if (this.handleCommonError(error)) return false;
    if (!isTransient(error)) {
      this.log(`worker ${this.settings.workerId}: ${what}: completion refused: ${callMessage(error)}`);
      return false;
    }
    return !this.stopped.signal.aborted;
  }

  /** A quick call that Report answers NOT_FOUND with the right token and UNAUTHENTICATED with a wrong one. */
  private async checkReportToken(): Promise<void> {
    try {
      await this.report.getArtifact({ name: 'artifacts/00000000-0000-0000-0000-000000000000' }, { timeoutMs: 5000 });
    } catch (error) {
      const denied = unauthenticated(error, 'Report');
      if (denied) throw denied;
      if (isTransient(error)) this.log(`worker ${this.settings.workerId}: Report ${this.settings.reportAddress} unreachable for now (${callMessage(error)}); records will wait for it`);
    }
  }

  private die(error: VelaError): void {
    if (this.fatal) return;
    this.fatal = error;
    this.log(`worker ${this.settings.workerId}: ${error.message}`);
    void this.stop().then(() => this.options.onFatal?.(error));
  }

  private async closeProcesses(): Promise<void> {
    await Promise.all(this.idle.splice(0).map((p) => this.closeProcess(p)));
  }

  private closeClients(): void {
    this.pipeline.close();
    this.report.close();
  }
}

function reserved(process: TrainingProcess): TrainingProcess {
  process.reserve();
  return process;
}
