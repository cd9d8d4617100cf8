import { Injectable } from '@nestjs/common';
import {
  durationFromMillis,
  durationToMillis,
  objectiveFromProto,
  parseRunName,
  parseTrialsParent,
  parseWorkerName,
  resolvePageSize,
  decodePageToken,
  encodePageToken,
  trialStateConverter,
  Run,
  type AcquireTrialsRequest,
  type AcquireTrialsResponse,
  type CancelRunRequest,
  type CancelRunResponse,
  type CompleteTrialRequest,
  type CompleteTrialResponse,
  type CompleteTrialsRequest,
  type CompleteTrialsResponse,
  type CreateRunRequest,
  type CreateRunResponse,
  type DeregisterWorkerRequest,
  type DeregisterWorkerResponse,
  type GetRunRequest,
  type GetRunResponse,
  type GetTrialRequest,
  type GetTrialResponse,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type ListRunsRequest,
  type ListRunsResponse,
  type ListTrialsRequest,
  type ListTrialsResponse,
  type ListWorkersRequest,
  type ListWorkersResponse,
  type PipelineServiceServer,
  type RegisterWorkerRequest,
  type RegisterWorkerResponse,
  type WorkerState,
  type ReportProgressRequest,
  type ReportProgressResponse,
  type WatchRunRequest,
  type WatchRunResponse,
} from '@vela/contracts';
import { answerEach, InvalidArgumentError, valueOrRefusal, VelaError } from '@vela/errors';
import { itemStatus, type CallContext, type AsyncService } from '@vela/grpc-server';
import { capacityFromProto, outcomeConverter, runStateConverter, runToProto, stopToProto, trialEventToProto, workerStateConverter, workerToProto } from './pipeline.converters';
import { RunService, type RunStateName } from './run.service';
import { TrialQueueService, type AcquireRequest, type Completion, type TrialWithAttempts } from './trial-queue.service';
import { TrialViewService } from './trial-view.service';
import { WorkerRegistryService } from './worker-registry.service';

/** The longest AcquireTrials long poll; a longer wait_timeout is shortened to it. */
const MAX_ACQUIRE_WAIT_MS = 20_000;

/** gRPC face of the master: converts, calls one lib service, converts back. */
@Injectable()
export class PipelineController implements AsyncService<PipelineServiceServer> {
  constructor(
    private readonly runs: RunService,
    private readonly queue: TrialQueueService,
    private readonly workers: WorkerRegistryService,
    private readonly trialViews: TrialViewService,
  ) {}

  async createRun(request: CreateRunRequest): Promise<CreateRunResponse> {
    const created = await this.runs.createRun({ ...request, requestId: request.requestId || undefined });
    if ('validated' in created) return { run: Run.fromPartial({ configYaml: request.configYaml, resolvedConfig: created.validated as unknown as Record<string, unknown> }) };
    return { run: runToProto(created) };
  }

  async getRun(request: GetRunRequest): Promise<GetRunResponse> {
    return { run: runToProto(await this.runs.view(parseRunName(request.name).run)) };
  }

  async listRuns(request: ListRunsRequest): Promise<ListRunsResponse> {
    const states = (request.filter?.states ?? []).map((state, index) => runStateConverter.toName(state, `filter.states[${index}]`) as RunStateName);
    const page = await this.runs.listRuns({ states, displayNameContains: request.filter?.displayNameContains }, request.pageSize, request.pageToken);
    return { runs: page.runs.map(runToProto), nextPageToken: page.nextPageToken ?? '', totalSize: page.totalSize };
  }

  async cancelRun(request: CancelRunRequest): Promise<CancelRunResponse> {
    return { run: runToProto(await this.runs.cancelRun(parseRunName(request.name).run, request.reason)) };
  }

  async *watchRun(request: WatchRunRequest, context: CallContext): AsyncIterable<WatchRunResponse> {
    const runId = parseRunName(request.name).run;
    for await (const view of this.runs.watchRun(runId, request.afterRevision, context.signal, request.includeTrialEvents)) {
      yield { run: runToProto(view), trialEvents: (view.trialEvents ?? []).map(trialEventToProto) };
    }
  }

  async listTrials(request: ListTrialsRequest): Promise<ListTrialsResponse> {
    const parent = parseTrialsParent(request.parent);
    const states = (request.filter?.states ?? []).map((state, index) => trialStateConverter.toName(state, `filter.states[${index}]`));
    const size = resolvePageSize(request.pageSize, { defaultSize: 100, maxSize: 1000 });
    const bound = { parent: request.parent, states: [...states].sort() };
    const position = request.pageToken ? decodePageToken('ListTrials', request.pageToken, bound) : undefined;
    const offset = position && 'offset' in position ? position.offset : 0;
    const { trials, totalSize } = await this.trialViews.page({ runId: parent.run, step: parent.step, states }, offset, size + 1);
    return {
      trials: await this.trialViews.toProtos(trials.slice(0, size)),
      nextPageToken: trials.length > size ? encodePageToken('ListTrials', { offset: offset + size }, bound) : '',
      totalSize,
    };
  }

  async getTrial(request: GetTrialRequest): Promise<GetTrialResponse> {
    return { trial: await this.trialViews.toProto(await this.trialViews.byName(request.name)) };
  }

  async registerWorker(request: RegisterWorkerRequest): Promise<RegisterWorkerResponse> {
    if (!request.worker) throw new InvalidArgumentError('is required', 'worker');
    const { view, leasedTrials } = await this.workers.register({ ...request.worker, capacity: capacityFromProto(request.worker.capacity) });
    return {
      worker: workerToProto(view),
      heartbeatInterval: durationFromMillis(this.queue.settings.heartbeatSeconds * 1000),
      leaseDuration: durationFromMillis(this.queue.settings.leaseSeconds * 1000),
      leasedTrials: await this.trialViews.toProtos(leasedTrials),
    };
  }

  async heartbeat(request: HeartbeatRequest): Promise<HeartbeatResponse> {
    const { worker } = parseWorkerName(request.name);
    const beat = await this.workers.heartbeat(worker, request.leases);
    return {
      renewals: beat.renewals.map((renewal) => ({ trialId: renewal.trialId, attempt: renewal.attempt, expireTime: renewal.expiresAt })),
      stops: beat.stops.map(stopToProto),
      workerState: workerStateConverter.toProto(beat.state) as WorkerState,
      heartbeatInterval: durationFromMillis(this.queue.settings.heartbeatSeconds * 1000),
    };
  }

  async acquireTrials(request: AcquireTrialsRequest, context: CallContext): Promise<AcquireTrialsResponse> {
    const { worker } = parseWorkerName(request.name);
    const waitMs = Math.min(durationToMillis(request.waitTimeout) ?? 0, MAX_ACQUIRE_WAIT_MS);
    const trials = await this.queue.acquire(worker, capacityFromProto(request.freeCapacity), request.maxTrials || 1, waitMs, context.signal);
    return { trials: await this.trialViews.toProtosWith(trials) };
  }

  async reportProgress(request: ReportProgressRequest): Promise<ReportProgressResponse> {
    const key = this.trialViews.keyOf(request.name);
    const objectives = request.objectives.map((objective, index) => objectiveFromProto(objective, `objectives[${index}]`));
    const answer = await this.queue.reportProgress(key, request.attempt, request.epoch, request.totalEpochs, objectives);
    return { stop: answer.stop ? stopToProto(answer.stop) : undefined, leaseExpireTime: answer.leaseExpiresAt };
  }

  async completeTrial(request: CompleteTrialRequest): Promise<CompleteTrialResponse> {
    const completion = this.completionOf(request, '');
    const { completed, acquired } = await this.queue.complete(completion, await this.trialViews.maxAttemptsOf(completion.trial.runId), this.alongRequest(request.acquireNext));
    const [trial, ...acquiredTrials] = await this.trialViews.toProtosWith([completed, ...acquired]);
    return { trial, acquiredTrials };
  }

  async completeTrials(request: CompleteTrialsRequest): Promise<CompleteTrialsResponse> {
    if (request.completions.length === 0) throw new InvalidArgumentError('is required: at least one completion', 'completions');
    // A completion that does not parse is refused alone, as one whose lease is gone is.
    const parsed = request.completions.map((each, index) => valueOrRefusal(() => this.completionOf(each, `completions[${index}].`)));
    let acquired: TrialWithAttempts[] = [];
    const answers = await answerEach(parsed, async (completions) => {
      const requests = [];
      for (const completion of completions) requests.push({ completion, maxAttempts: await this.trialViews.maxAttemptsOf(completion.trial.runId) });
      const done = await this.queue.completeMany(requests, this.alongRequest(request.acquireNext));
      acquired = done.acquired;
      return done.results;
    });
    const completed = answers.filter((answer): answer is TrialWithAttempts => !(answer instanceof VelaError));
    const protos = await this.trialViews.toProtosWith([...completed, ...acquired]);
    let proto = 0;
    return {
      results: answers.map((answer) => ({ trial: answer instanceof VelaError ? undefined : protos[proto++], ...itemStatus(answer) })),
      acquiredTrials: protos.slice(completed.length),
    };
  }

  /** A CompleteTrialRequest as the queue's Completion; `field` prefixes the names of fields it refuses. */
  private completionOf(request: CompleteTrialRequest, field: string): Completion {
    return {
      trial: this.trialViews.keyOf(request.name, `${field}name`),
      attempt: request.attempt,
      outcome: outcomeConverter.toName(request.outcome, `${field}outcome`),
      errorMessage: request.errorMessage || undefined,
      logTail: request.logTail || undefined,
      finalEpoch: request.finalEpoch,
      checkpointArtifactId: request.checkpointArtifact ? request.checkpointArtifact.replace(/^artifacts\//, '') : undefined,
      requestId: request.requestId || undefined,
      finalObjectives: request.finalObjectives.map((objective, index) => objectiveFromProto(objective, `${field}final_objectives[${index}]`)),
    };
  }

  /**
   * The next trials asked for with a completion (leased in the completion's statement). The
   * completion stands whatever happens here: a malformed request asks for none, and a worker
   * that may not take work now (unknown, draining) gets none; it learns why from its own
   * AcquireTrials.
   */
  private alongRequest(next: CompleteTrialRequest['acquireNext']): AcquireRequest | undefined {
    if (!next || next.maxTrials <= 0) return undefined;
    try {
      return { workerId: parseWorkerName(next.worker, 'acquire_next.worker').worker, free: capacityFromProto(next.freeCapacity), maxTrials: next.maxTrials };
    } catch (error) {
      if (error instanceof VelaError) return undefined;
      throw error;
    }
  }

  async listWorkers(request: ListWorkersRequest): Promise<ListWorkersResponse> {
    const size = resolvePageSize(request.pageSize, { defaultSize: 100, maxSize: 1000 });
    const states = (request.filter?.states ?? []).map((state, index) => workerStateConverter.toName(state, `filter.states[${index}]`)).sort();
    const bound = { states, showLeft: request.showLeft };
    // Workers that left are history: listed only when asked for.
    const views = (await this.workers.list()).filter((view) => (states.length ? states.includes(view.state) : view.state !== 'LEFT' || request.showLeft));
    const position = request.pageToken ? decodePageToken('ListWorkers', request.pageToken, bound) : undefined;
    const offset = position && 'offset' in position ? position.offset : 0;
    return {
      workers: views.slice(offset, offset + size).map(workerToProto),
      nextPageToken: views.length > offset + size ? encodePageToken('ListWorkers', { offset: offset + size }, bound) : '',
      totalSize: views.length,
    };
  }

  async deregisterWorker(request: DeregisterWorkerRequest): Promise<DeregisterWorkerResponse> {
    return { worker: workerToProto(await this.workers.deregister(parseWorkerName(request.name).worker)) };
  }
}
