// A minimal master for the worker's tests: a real grpc-js PipelineService on loopback that
// implements only what a worker calls, over an in-memory queue. The real master is
// @vela/pipeline; this one lets the worker be tested alone.
import { Server, ServerCredentials } from '@grpc/grpc-js';
import {
  PipelineServiceService,
  StopReason,
  Trial,
  TrialState,
  WorkerState,
  durationFromMillis,
  durationToMillis,
  trialName,
  workerName,
  type AcquireTrialsRequest,
  type Capacity,
  type AcquireTrialsResponse,
  type CompleteTrialRequest,
  type CompleteTrialsRequest,
  type CompleteTrialsResponse,
  type CompletionResult,
  type DeregisterWorkerRequest,
  type DeregisterWorkerResponse,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type PipelineServiceServer,
  type RegisterWorkerRequest,
  type RegisterWorkerResponse,
  type ReportProgressRequest,
  type ReportProgressResponse,
  type StopSignal,
} from '@vela/contracts';
import { FailedPreconditionError, NotFoundError, valueOrRefusal, VelaError } from '@vela/errors';
import { bearerTokenGuard, itemStatus, toGrpcHandlers, type AsyncService, type CallContext } from '@vela/grpc-server';

type WorkerCalls = Pick<AsyncService<PipelineServiceServer>, 'registerWorker' | 'heartbeat' | 'acquireTrials' | 'reportProgress' | 'completeTrials' | 'deregisterWorker'>;

/** A trial as the fake master holds it. */
export interface FakeTrial {
  trial: Trial;
  owner?: string;
  stop?: StopSignal;
  /** Refuse this attempt's progress and completion with FAILED_PRECONDITION (a newer attempt exists). */
  fenced?: boolean;
  /** The call that leased it. */
  leasedBy?: 'acquireTrials' | 'completeTrials';
}

export interface FakePipelineOptions {
  readonly token: string;
  readonly heartbeatMs?: number;
}

/**
 * The fake master; `calls` logs every request by method, for assertions, and each completion
 * of a CompleteTrials call on its own as method `completion`.
 */
export class FakePipeline implements WorkerCalls {
  readonly trials = new Map<string, FakeTrial>();
  readonly calls: { method: string; request: unknown }[] = [];
  readonly workers = new Map<string, RegisterWorkerRequest['worker']>();
  address = '';
  private server?: Server;
  private readonly completions = new Map<string, Trial>();
  /** Attempts after the first that a FAILED trial gets, queued again at once as the master's retry policy does. */
  retryFailed = 0;

  constructor(private readonly options: FakePipelineOptions) {}

  /** Serves on a free port, or on `port` (a restart on the same address, with the same state). */
  async start(port = 0): Promise<this> {
    this.server = new Server();
    const implementation: Record<string, unknown> = {};
    for (const method of Object.keys(PipelineServiceService)) {
      const own = (this as unknown as Record<string, unknown>)[method];
      implementation[method] = typeof own === 'function' && method in PipelineServiceService ? own.bind(this) : () => Promise.reject(new NotFoundError(`${method} is not part of the fake master`));
    }
    const handlers = toGrpcHandlers(PipelineServiceService, implementation, bearerTokenGuard(this.options.token), () => undefined);
    const server = this.server;
    server.addService(PipelineServiceService, handlers);
    const bound = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error, at) => (error ? reject(error) : resolve(at))),
    );
    this.address = `127.0.0.1:${bound}`;
    return this;
  }

  /** Stops serving at once (the master goes down); `start(port)` brings it back. */
  stop(): void {
    this.server?.forceShutdown();
  }

  get port(): number {
    return Number(this.address.split(':')[1]);
  }

  /** Queues a trial of `runs/{runId}/steps/{step}` (PENDING, attempt as given). */
  enqueue(partial: Partial<Trial> & { id: string; runId: string; stepId: string }): Trial {
    const trial = Trial.fromPartial({ attempt: 1, number: 1, ...partial, name: trialName(partial.runId, partial.stepId, partial.id), state: TrialState.TRIAL_STATE_PENDING });
    this.trials.set(trial.id, { trial });
    return trial;
  }

  /** Asks the worker to stop a trial (delivered in heartbeat and progress answers). */
  requestStop(trialId: string, reason = StopReason.STOP_REASON_CANCELLED, message = 'cancelled by the test'): void {
    const held = this.trials.get(trialId) as FakeTrial;
    held.stop = { trialId, attempt: held.trial.attempt, reason, message };
  }

  /** The requests of one method (optionally for one trial name). */
  requests<T>(method: string, name?: string): T[] {
    return this.calls.filter((c) => c.method === method && (!name || (c.request as { name?: string }).name === name)).map((c) => c.request as T);
  }

  /** Resolves when `predicate` holds, polling. */
  async until(predicate: () => boolean, timeoutMs = 60000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; calls: ${this.calls.map((c) => c.method).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async registerWorker(request: RegisterWorkerRequest): Promise<RegisterWorkerResponse> {
    this.calls.push({ method: 'registerWorker', request });
    const worker = request.worker!;
    this.workers.set(worker.id, worker);
    const leasedTrials = [...this.trials.values()].filter((t) => t.owner === worker.id && !isDone(t)).map((t) => t.trial);
    return {
      worker: { ...worker, name: workerName(worker.id), state: WorkerState.WORKER_STATE_ACTIVE, leasedTrialIds: leasedTrials.map((t) => t.id) },
      heartbeatInterval: durationFromMillis(this.options.heartbeatMs ?? 300),
      leaseDuration: durationFromMillis(60000),
      leasedTrials,
    };
  }

  async heartbeat(request: HeartbeatRequest): Promise<HeartbeatResponse> {
    this.calls.push({ method: 'heartbeat', request });
    const worker = request.name.slice('workers/'.length);
    if (!this.workers.has(worker)) throw new NotFoundError(`worker '${worker}' is not registered`);
    const stops: StopSignal[] = [];
    for (const lease of request.leases) {
      const held = this.trials.get(lease.trialId);
      if (!held || held.owner !== worker || held.trial.attempt !== lease.attempt || held.fenced) {
        stops.push({ trialId: lease.trialId, attempt: lease.attempt, reason: StopReason.STOP_REASON_LEASE_LOST, message: 'the lease expired' });
      } else if (held.stop) {
        stops.push(held.stop);
      }
    }
    return { renewals: [], stops, workerState: WorkerState.WORKER_STATE_ACTIVE, heartbeatInterval: durationFromMillis(this.options.heartbeatMs ?? 300) };
  }

  async acquireTrials(request: AcquireTrialsRequest, context: CallContext): Promise<AcquireTrialsResponse> {
    this.calls.push({ method: 'acquireTrials', request });
    const worker = request.name.slice('workers/'.length);
    const deadline = Date.now() + Math.min(durationToMillis(request.waitTimeout) ?? 0, 2000);
    for (;;) {
      // A worker that gave up the call (it is stopping) is leased nothing more.
      if (context.signal.aborted) return { trials: [] };
      const trials = this.lease(worker, request.freeCapacity, Math.max(1, request.maxTrials), 'acquireTrials');
      if (trials.length || Date.now() >= deadline) return { trials };
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Leases pending trials whose labels the worker has, up to its free slots and `maxTrials`. */
  private lease(worker: string, freeCapacity: Capacity | undefined, maxTrials: number, by: FakeTrial['leasedBy']): Trial[] {
    const free = (freeCapacity?.cpuSlots ?? 0) + (freeCapacity?.gpus ?? 0);
    const labels = freeCapacity?.labels ?? {};
    const fits = (t: FakeTrial) => Object.entries(t.trial.resources?.labels ?? {}).every(([key, value]) => labels[key] === value);
    const pending = [...this.trials.values()].filter((t) => t.trial.state === TrialState.TRIAL_STATE_PENDING && fits(t)).slice(0, Math.min(free, maxTrials));
    for (const held of pending) {
      held.owner = worker;
      held.leasedBy = by;
      held.trial = { ...held.trial, state: TrialState.TRIAL_STATE_LEASED, leaseOwner: worker };
    }
    return pending.map((t) => t.trial);
  }

  async reportProgress(request: ReportProgressRequest): Promise<ReportProgressResponse> {
    this.calls.push({ method: 'reportProgress', request });
    const held = this.held(request.name, request.attempt);
    held.trial = { ...held.trial, state: TrialState.TRIAL_STATE_RUNNING };
    return { stop: held.stop, leaseExpireTime: new Date(Date.now() + 60000) };
  }

  async completeTrials(request: CompleteTrialsRequest): Promise<CompleteTrialsResponse> {
    this.calls.push({ method: 'completeTrials', request });
    const results = request.completions.map((completion): CompletionResult => {
      const answer = valueOrRefusal(() => this.complete(completion));
      return { trial: answer instanceof VelaError ? undefined : answer, ...itemStatus(answer) };
    });
    const next = request.acquireNext;
    const moved = results.some((result) => result.code === 0);
    const acquiredTrials = moved && next && next.maxTrials > 0 ? this.lease(next.worker.slice('workers/'.length), next.freeCapacity, next.maxTrials, 'completeTrials') : [];
    return { results, acquiredTrials };
  }

  /** One completion, idempotent on its request id. */
  private complete(request: CompleteTrialRequest): Trial {
    this.calls.push({ method: 'completion', request });
    const earlier = this.completions.get(request.requestId);
    if (earlier) return earlier;
    const held = this.held(request.name, request.attempt);
    const state = [TrialState.TRIAL_STATE_UNSPECIFIED, TrialState.TRIAL_STATE_SUCCEEDED, TrialState.TRIAL_STATE_FAILED, TrialState.TRIAL_STATE_CANCELLED][request.outcome];
    held.trial = { ...held.trial, state, error: request.errorMessage };
    this.completions.set(request.requestId, held.trial);
    const completed = held.trial;
    if (state === TrialState.TRIAL_STATE_FAILED && held.trial.attempt <= this.retryFailed) {
      held.owner = undefined;
      held.trial = { ...held.trial, state: TrialState.TRIAL_STATE_PENDING, attempt: held.trial.attempt + 1, error: '' };
    }
    return completed;
  }

  async deregisterWorker(request: DeregisterWorkerRequest): Promise<DeregisterWorkerResponse> {
    this.calls.push({ method: 'deregisterWorker', request });
    const worker = request.name.slice('workers/'.length);
    for (const held of this.trials.values()) {
      if (held.owner === worker && !isDone(held)) {
        // Handed back: the next attempt waits in the queue.
        held.owner = undefined;
        held.trial = { ...held.trial, state: TrialState.TRIAL_STATE_PENDING, attempt: held.trial.attempt + 1 };
      }
    }
    const registered = this.workers.get(worker);
    this.workers.delete(worker);
    return { worker: registered };
  }

  private held(name: string, attempt: number): FakeTrial {
    const held = [...this.trials.values()].find((t) => t.trial.name === name);
    if (!held) throw new NotFoundError(`trial '${name}' not found`);
    if (held.fenced || held.trial.attempt !== attempt) throw new FailedPreconditionError(`attempt ${attempt} of '${name}' is not current`);
    return held;
  }
}

function isDone(held: FakeTrial): boolean {
  return [TrialState.TRIAL_STATE_SUCCEEDED, TrialState.TRIAL_STATE_FAILED, TrialState.TRIAL_STATE_CANCELLED].includes(held.trial.state);
}
