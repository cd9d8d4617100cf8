// A pipeline stand-in for tests of the generator (in process or over gRPC): import from
// '@vela/generator/testing'.
import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { Observation, Suggestion } from '@vela/algorithms';
import {
  AlgorithmServiceService,
  objectiveSpecFromProto,
  observationFromProto,
  suggestionToProto,
  type AlgorithmServiceServer,
  type ObjectiveSpec,
} from '@vela/contracts';
import { bearerTokenGuard, toGrpcHandlers, type AsyncService } from '@vela/grpc-server';
import { stableHash, type JsonObject, type Point } from '@vela/search-space';
import { buildSearchAlgorithm } from './lib/search-algorithm';
import type { ObserveResult, SuggestResult } from './lib/search.service';

/** The generator as the pipeline sees it: one search's Suggest and Observe. */
export interface SearchPort {
  suggest(count: number, requestId?: string): Promise<SuggestResult>;
  observe(observations: readonly Observation[]): Promise<Pick<ObserveResult, 'appliedCount' | 'isCompleted'>>;
}

/** The n-th trial id the simulated pipeline assigns (deterministic, so runs can be compared). */
export function simulatedTrialId(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** A deterministic accuracy in [0.5, 0.9) for a point, growing with the epoch. */
export function simulatedAccuracy(point: Point, epoch: number): number {
  return 0.5 + (0.4 * parseInt(stableHash(point).slice(0, 8), 16)) / 2 ** 32 * (epoch / (epoch + 1));
}

export interface SimulationOptions {
  /** Trials in flight at once (the free capacity Suggest is asked for). */
  readonly parallel?: number;
  /** Stop after this many Suggest calls (default: until the search completes). */
  readonly steps?: number;
  /** Epochs a suggestion without a budget trains. */
  readonly epochs?: number;
  /** Where an earlier simulation stopped, to continue it: its trial counter and trials in flight. */
  readonly resume?: Pick<SimulationResult, 'nextTrial' | 'inFlight'>;
  /**
   * Run a promotion as the trial's next attempt, PENDING at epoch 0 after a STALE of the
   * attempt before (as the pipeline does), instead of continuing the same attempt.
   */
  readonly promotionAsNextAttempt?: boolean;
  /** Called before each Suggest (e.g. to restart the generator). */
  readonly beforeSuggest?: (step: number) => Promise<void>;
}

export interface SimulationResult {
  /** Every suggestion, with the trial id it was persisted as, in order. */
  readonly suggestions: Suggestion[];
  readonly completed: boolean;
  readonly nextTrial: number;
  /** The trials persisted but not yet trained, oldest first. */
  readonly inFlight: Suggestion[];
}

/**
 * Drives a search as the pipeline does: Suggest(free capacity) → persist each suggestion as a
 * trial → Observe PENDING carrying the suggestion → train the oldest trial in flight: RUNNING,
 * one record per epoch, the last SUCCEEDED and final → ... until the search completes (or
 * `steps` Suggest calls). Every observation is sent twice, as an at-least-once transport may.
 */
export async function simulatePipeline(port: SearchPort, options: SimulationOptions = {}): Promise<SimulationResult> {
  const parallel = options.parallel ?? 2;
  const suggestions: Suggestion[] = [];
  const inFlight: Suggestion[] = [...(options.resume?.inFlight ?? [])];
  const attempts = new Map<string, number>();
  const attemptOf = (trialId: string) => attempts.get(trialId) ?? 1;
  let next = options.resume?.nextTrial ?? 0;
  const send = async (observations: Observation[]) => {
    await port.observe(observations);
    await port.observe(observations);
  };
  for (let step = 0; options.steps === undefined || step < options.steps; step++) {
    await options.beforeSuggest?.(step);
    const answer = await port.suggest(parallel - inFlight.length);
    if (answer.isCompleted) return { suggestions, completed: true, nextTrial: next, inFlight };
    const pending: Observation[] = [];
    for (const suggestion of answer.suggestions) {
      const trialId = suggestion.continues?.trialId ?? simulatedTrialId(next++);
      const stored = { ...suggestion, trialId };
      suggestions.push(stored);
      inFlight.push(stored);
      if (suggestion.continues && options.promotionAsNextAttempt) {
        const before = attemptOf(trialId);
        attempts.set(trialId, before + 1);
        pending.push({ trialId, attempt: before, epoch: suggestion.continues.epoch, state: 'STALE' });
        pending.push({ trialId, attempt: before + 1, epoch: 0, state: 'PENDING', suggestion: stored });
      } else {
        pending.push({ trialId, attempt: attemptOf(trialId), epoch: suggestion.continues?.epoch ?? 0, state: 'PENDING', suggestion: stored });
      }
    }
    if (pending.length > 0) await send(pending);
    const trial = inFlight.shift();
    if (!trial?.trialId) throw new Error(`the search suggested nothing with nothing in flight, yet is not complete (step ${step})`);
    const start = trial.continues?.epoch ?? 0;
    const end = trial.budget?.epochs ?? options.epochs ?? 2;
    const attempt = attemptOf(trial.trialId);
    const records: Observation[] = [{ trialId: trial.trialId, attempt, epoch: start, state: 'RUNNING' }];
    for (let epoch = start + 1; epoch <= end; epoch++) {
      const value = simulatedAccuracy(trial.point, epoch);
      records.push({
        trialId: trial.trialId,
        attempt,
        epoch,
        state: epoch === end ? 'SUCCEEDED' : 'RUNNING',
        objectives: [{ key: 'accuracy', goal: 'MAXIMIZE', value }],
        ...(epoch === end ? { final: true } : {}),
      });
    }
    await send(records);
  }
  return { suggestions, completed: false, nextTrial: next, inFlight };
}

export interface AlgorithmServer {
  readonly address: string;
  /** How many Suggest calls it answered, and how many observations they carried. */
  readonly calls: { suggest: number; observations: number };
  stop(): Promise<void>;
}

/**
 * A plug-in (`vela.v1.AlgorithmService`) that serves Vela's built-in algorithms statelessly,
 * as a plug-in in another language would: each call rebuilds the algorithm from the settings
 * and seed, restores the state blob it returned last time (the algorithm's snapshot as
 * JSON), applies the observations and suggests.
 */
export async function startBuiltInAlgorithmServer(options: { token?: string } = {}): Promise<AlgorithmServer> {
  const calls = { suggest: 0, observations: 0 };
  const build = (request: { algorithm: string; settings?: { [key: string]: unknown }; searchSpace?: { [key: string]: unknown }; objectives: ObjectiveSpec[]; seed?: number }) =>
    buildSearchAlgorithm({
      runId: '',
      step: '',
      algorithm: request.algorithm,
      settings: (request.settings ?? {}) as JsonObject,
      searchSpace: (request.searchSpace ?? {}) as JsonObject,
      objectives: request.objectives.map((spec, i) => objectiveSpecFromProto(spec, `objectives[${i}]`)),
      seed: request.seed ?? 0,
    });
  const implementation: AsyncService<AlgorithmServiceServer> = {
    async validateSettings(request) {
      build(request);
      return { effectiveSettings: request.settings, warnings: [] };
    },
    async suggest(request) {
      calls.suggest++;
      calls.observations += request.observations.length;
      const algorithm = build(request);
      if (request.state?.blob && request.state.blob.length > 0) algorithm.restore(JSON.parse(Buffer.from(request.state.blob).toString('utf8')));
      algorithm.observe(request.observations.map((o, i) => observationFromProto(o, `observations[${i}]`)));
      return {
        suggestions: algorithm.suggest(request.suggestionCount).map((s, i) => suggestionToProto(s, `suggestions[${i}]`)),
        state: { blob: Buffer.from(JSON.stringify(algorithm.snapshot())), observedSeq: (request.state?.observedSeq ?? 0) + request.observations.length },
        isCompleted: algorithm.isCompleted,
      };
    },
  };
  const server = new Server();
  const guard = options.token ? bearerTokenGuard(options.token) : undefined;
  const onError = (method: string, error: unknown) => process.stderr.write(`${method} failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  server.addService(AlgorithmServiceService, toGrpcHandlers(AlgorithmServiceService, implementation, guard, onError));
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
  return {
    address: `127.0.0.1:${port}`,
    calls,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
