import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { checkObservation, type AlgorithmContext, type AlgorithmSnapshot, type Observation, type SearchAlgorithm, type Suggestion } from '@vela/algorithms';
import {
  AlgorithmServiceService,
  objectiveGoalConverter,
  observationToProto,
  suggestionFromProto,
  type AlgorithmServiceServer,
  type AlgorithmServiceSuggestResponse,
  type ObjectiveSpec,
} from '@vela/contracts';
import { FailedPreconditionError, InvalidArgumentError, UnavailableError, VelaError } from '@vela/errors';
import { createAsyncClient, type AsyncClient } from '@vela/grpc-server';
import { registerer } from '@vela/registry';
import { cloneJson, isPlainObject, show, type JsonObject, type SearchSpace } from '@vela/search-space';

/** The registered name of the plug-in algorithm. */
export const REMOTE_ALGORITHM = 'remote';
const DEFAULT_PAGE_SIZE = 500;
const DEFAULT_TIMEOUT_MS = 30_000;

/** A `search_algorithm` section of `type: remote`, checked. */
export interface RemoteSettings {
  /** Where the plug-in's AlgorithmService listens (`host:port`). */
  readonly address: string;
  /** The bearer token the plug-in expects, if any (written in the settings, which GetSearch shows). */
  readonly token?: string;
  /** The generator's environment variable that holds the token instead, so that it is not stored with the search. */
  readonly tokenEnv?: string;
  /** Which of the plug-in's algorithms to run. */
  readonly algorithm: string;
  /** The plug-in algorithm's own settings, passed through as they are. */
  readonly settings: JsonObject;
  /** The search's objectives, with their goals. */
  readonly objectives: readonly { readonly key: string; readonly goal: 'MINIMIZE' | 'MAXIMIZE' }[];
  /** Observations per call when sending a long history (a cold start). */
  readonly pageSize: number;
  readonly timeoutMs: number;
}

/** The section's own keys, beside the `type` and `objective_keys` every algorithm's section has. */
const OWN_SETTINGS = ['address', 'token', 'token_env', 'algorithm', 'settings', 'objectives', 'page_size', 'timeout_ms'];
const ALLOWED = ['type', ...OWN_SETTINGS, 'objective_keys'];

/** Checks a raw `type: remote` section, each problem naming its key. */
export function parseRemoteSettings(raw: unknown, path = 'search_algorithm'): RemoteSettings {
  if (!isPlainObject(raw)) throw new InvalidArgumentError(`must be a mapping, got ${show(raw)}`, path);
  for (const key of Object.keys(raw)) {
    if (!ALLOWED.includes(key)) throw new InvalidArgumentError(`unknown key; allowed: ${ALLOWED.join(', ')}`, `${path}.${key}`);
  }
  const text = (key: string, required: boolean): string | undefined => {
    const value = raw[key];
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string' || value.length === 0) throw new InvalidArgumentError(`must be a non-empty string, got ${show(value)}`, `${path}.${key}`);
    return value;
  };
  const count = (key: string, fallback: number): number => {
    const value = raw[key] ?? fallback;
    if (!Number.isInteger(value) || (value as number) < 1) throw new InvalidArgumentError(`must be an integer >= 1, got ${show(value)}`, `${path}.${key}`);
    return value as number;
  };
  const settings = raw['settings'] ?? {};
  if (!isPlainObject(settings)) throw new InvalidArgumentError(`must be a mapping (the plug-in algorithm's settings), got ${show(settings)}`, `${path}.settings`);
  const objectives = raw['objectives'] ?? [];
  if (!Array.isArray(objectives) || objectives.some((o) => !isPlainObject(o) || typeof o['key'] !== 'string' || (o['goal'] !== 'MINIMIZE' && o['goal'] !== 'MAXIMIZE'))) {
    throw new InvalidArgumentError(`must be a list of {key, goal: MINIMIZE|MAXIMIZE}, got ${show(objectives)}`, `${path}.objectives`);
  }
  if (raw['token'] !== undefined && raw['token_env'] !== undefined) throw new InvalidArgumentError('set token or token_env, not both', `${path}.token_env`);
  return {
    address: text('address', true) as string,
    token: text('token', false),
    tokenEnv: text('token_env', false),
    algorithm: text('algorithm', true) as string,
    settings: settings as JsonObject,
    objectives: objectives as RemoteSettings['objectives'],
    pageSize: count('page_size', DEFAULT_PAGE_SIZE),
    timeoutMs: count('timeout_ms', DEFAULT_TIMEOUT_MS),
  };
}

const clients = new Map<string, AsyncClient<AlgorithmServiceServer>>();

/** One client per plug-in address and token, shared by the searches that use it. */
function clientFor(address: string, token: string | undefined): AsyncClient<AlgorithmServiceServer> {
  const key = `${address}\u0000${token ?? ''}`;
  let client = clients.get(key);
  if (!client) {
    client = createAsyncClient<AlgorithmServiceServer>(AlgorithmServiceService, 'vela.v1.AlgorithmService', address, token);
    clients.set(key, client);
  }
  return client;
}

/** Closes the plug-in clients (when the generator stops). */
export function closeRemoteAlgorithmClients(): void {
  for (const client of clients.values()) client.close();
  clients.clear();
}

/**
 * A search algorithm served by another process through the plug-in contract
 * (`vela.v1.AlgorithmService`, DESIGN.md "Algorithm plug-in contract"), in any language.
 *
 * The plug-in is stateless: each call carries the settings, the state blob it returned last
 * time and the observations since. So this side keeps that blob and the observations not yet
 * sent, and both are its snapshot; `observe()` only records. The plug-in is called by the two
 * async steps the generator awaits: `validate()` when a search is created, and `sync(n)`
 * before `suggest(n)`, which sends what is pending (the history in pages on a cold start) and
 * keeps the answer, so that `suggest(n)` itself stays synchronous and changes nothing.
 */
export class RemoteAlgorithm implements SearchAlgorithm {
  readonly name = REMOTE_ALGORITHM;
  readonly space: SearchSpace;
  private readonly seed: number;
  private readonly settings: RemoteSettings;
  private state: Buffer | undefined;
  /** Observations received, in order: the log position this side is at. */
  private seen = 0;
  /** The log position the plug-in's state includes. */
  private stateSeq = 0;
  private pending: Observation[] = [];
  /** Suggestions applied so far (observations that carried one). */
  private suggested = 0;
  private completed = false;
  private answer: { count: number; suggestions: Suggestion[] } | undefined;

  constructor(context: AlgorithmContext) {
    this.space = context.space;
    this.seed = context.seed;
    this.settings = parseRemoteSettings(context.settings, context.path ?? 'search_algorithm');
  }

  get isCompleted(): boolean {
    return this.completed && this.pending.length === 0;
  }

  /** Asks the plug-in whether it can run these settings and this space. */
  async validate(): Promise<void> {
    await this.call(() =>
      this.client.validateSettings(
        { algorithm: this.settings.algorithm, settings: { ...this.settings.settings }, searchSpace: this.space.toJSON() as JsonObject, objectives: this.objectives() },
        { timeoutMs: this.settings.timeoutMs },
      ),
    );
  }

  /** Sends the pending observations and asks for `count` suggestions, which `suggest(count)` then returns. */
  async sync(count: number): Promise<void> {
    if (this.answer && this.answer.count === count && this.pending.length === 0) return;
    let last: AlgorithmServiceSuggestResponse | undefined;
    do {
      const page = this.pending.slice(0, this.settings.pageSize);
      const final = page.length === this.pending.length;
      const firstSeq = this.stateSeq + 1;
      last = await this.call(() =>
        this.client.suggest(
          {
            algorithm: this.settings.algorithm,
            settings: { ...this.settings.settings },
            searchSpace: this.space.toJSON() as JsonObject,
            objectives: this.objectives(),
            seed: this.seed,
            state: this.state ? { blob: this.state, observedSeq: this.stateSeq } : undefined,
            observations: page.map((o, i) => observationToProto(o, firstSeq + i)),
            suggestionCountSoFar: this.suggested,
            suggestionCount: final ? count : 0,
          },
          { timeoutMs: this.settings.timeoutMs },
        ),
      );
      if (last.state?.artifact) throw new UnavailableError(`remote algorithm at ${this.settings.address}: returned its state as an artifact, which the generator does not fetch yet`);
      this.state = last.state?.blob ? Buffer.from(last.state.blob) : undefined;
      this.stateSeq += page.length;
      this.pending = this.pending.slice(page.length);
      this.completed = last.isCompleted;
    } while (this.pending.length > 0);
    if (last.suggestions.length > count) {
      throw new UnavailableError(`remote algorithm at ${this.settings.address}: answered ${last.suggestions.length} suggestions where ${count} were asked for`);
    }
    this.answer = { count, suggestions: last.suggestions.map((s, i) => suggestionFromProto(s, `remote suggestions[${i}]`)) };
  }

  suggest(count: number): Suggestion[] {
    if (!this.answer || this.answer.count !== count || this.pending.length > 0) {
      throw new FailedPreconditionError(`remote algorithm: sync(${count}) must be awaited before suggest(${count})`);
    }
    return cloneJson(this.answer.suggestions);
  }

  observe(observations: readonly Observation[]): void {
    observations.forEach((observation, i) => checkObservation(observation, `observations[${i}]`));
    for (const observation of observations) {
      this.pending.push(cloneJson(observation));
      this.seen++;
      if (observation.suggestion) this.suggested++;
    }
    if (observations.length > 0) this.answer = undefined;
  }

  snapshot(): AlgorithmSnapshot {
    return {
      algorithm: this.name,
      seed: this.seed,
      state: this.state ? this.state.toString('base64') : null,
      stateSeq: this.stateSeq,
      seen: this.seen,
      suggested: this.suggested,
      completed: this.completed,
      pending: cloneJson(this.pending) as unknown as JsonObject[],
    };
  }

  restore(snapshot: AlgorithmSnapshot): void {
    if (!isPlainObject(snapshot) || snapshot['algorithm'] !== this.name || snapshot['seed'] !== this.seed || !Array.isArray(snapshot['pending'])) {
      throw new InvalidArgumentError(`is not a snapshot of the remote algorithm with seed ${this.seed}`, 'snapshot');
    }
    this.state = typeof snapshot['state'] === 'string' ? Buffer.from(snapshot['state'], 'base64') : undefined;
    this.stateSeq = Number(snapshot['stateSeq']);
    this.seen = Number(snapshot['seen']);
    this.suggested = Number(snapshot['suggested']);
    this.completed = snapshot['completed'] === true;
    this.pending = cloneJson(snapshot['pending']) as unknown as Observation[];
    this.answer = undefined;
  }

  private get client(): AsyncClient<AlgorithmServiceServer> {
    const { tokenEnv } = this.settings;
    if (tokenEnv && !process.env[tokenEnv]) {
      throw new FailedPreconditionError(`search_algorithm.token_env: the generator has no environment variable ${tokenEnv} holding the plug-in's token`);
    }
    return clientFor(this.settings.address, tokenEnv ? process.env[tokenEnv] : this.settings.token);
  }

  private objectives(): ObjectiveSpec[] {
    return this.settings.objectives.map((o) => ({ key: o.key, goal: objectiveGoalConverter.toProto(o.goal) }));
  }

  /** One plug-in call; its refusals become INVALID_ARGUMENT, anything else UNAVAILABLE, each naming the plug-in. */
  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (error instanceof VelaError) throw error;
      const failure = error as Partial<ServiceError>;
      const where = `remote algorithm '${this.settings.algorithm}' at ${this.settings.address}`;
      if (failure.code === GrpcStatus.INVALID_ARGUMENT) throw new InvalidArgumentError(`${where} refused: ${failure.details}`, 'search_algorithm');
      throw new UnavailableError(`${where}: ${failure.details ?? String(error)}`);
    }
  }
}

/** Whether the generator must await the algorithm's plug-in calls. */
export function isRemoteAlgorithm(algorithm: SearchAlgorithm): algorithm is RemoteAlgorithm {
  return algorithm instanceof RemoteAlgorithm;
}

registerer('search_algorithm')(REMOTE_ALGORITHM, (context) => new RemoteAlgorithm(context), {
  aliases: ['Remote', 'RemoteAlgorithm'],
  settings: OWN_SETTINGS,
  description: 'An algorithm served by another process through vela.v1.AlgorithmService (the plug-in contract)',
  capabilities: { conditions: true, multiObjective: true, multiFidelity: true },
});
