import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import {
  AttemptState,
  GeneratorServiceService,
  ObjectiveGoal,
  Observation as ObservationProto,
  Record as RecordProto,
  Search,
  TrialState,
  observationToProto,
  searchName,
  suggestionFromProto,
  type GeneratorServiceServer,
} from '@vela/contracts';
import { simulatePipeline, simulatedTrialId, startBuiltInAlgorithmServer, type SearchPort } from '@vela/generator/testing';
import { createAsyncClient, startServiceProcess, type AsyncClient, type ServiceProcess } from '@vela/grpc-server';
import { useTestDatabase } from '@vela/testing';
import { Client } from 'pg';
import { parse } from 'yaml';

// The Generator service as users run it: its own process on loopback, a real Postgres, real
// gRPC, the generated TypeScript client, driven the way the pipeline drives it.
const TOKEN = 'e2e-token';
// Process starts and restarts take seconds on a shared machine (jest's project testTimeout is
// not applied when the root config runs several projects).
jest.setTimeout(120_000);

// A step of a Vega config: the search space and algorithm the pipeline hands to CreateSearch.
const STEP = parse(`
search_space:
  type: SearchSpace
  hyperparameters:
    - { key: trainer.optimizer.type, type: CATEGORY, range: [SGD, Adam] }
    - { key: trainer.optimizer.params.lr, type: FLOAT_EXP, range: [0.0001, 0.1] }
    - { key: trainer.optimizer.params.momentum, type: FLOAT, range: [0.0, 0.99] }
    - { key: dataset.batch_size, type: INT_EXP, range: [16, 256] }
  condition:
    - { key: momentum_for_sgd, child: trainer.optimizer.params.momentum, parent: trainer.optimizer.type, type: EQUAL, range: [SGD] }
random:
  type: RandomSearch
  policy: { num_sample: 4 }
tpe:
  type: TPE
  policy: { num_sample: 10, n_startup_trials: 3 }
  objective_keys: accuracy
`);

const searchOf = (section: { type: string; [key: string]: unknown }, extra: Partial<Search> = {}): Search => {
  const { type, ...settings } = section;
  return Search.fromPartial({
    runId: randomUUID(),
    stepId: 'hpo',
    algorithm: type,
    settings,
    searchSpace: STEP.search_space,
    objectives: [{ key: 'accuracy', goal: ObjectiveGoal.OBJECTIVE_GOAL_MAXIMIZE }],
    seed: 42,
    ...extra,
  });
};

describe('Generator service over gRPC', () => {
  const database = useTestDatabase();
  let generator: ServiceProcess;
  let client: AsyncClient<GeneratorServiceServer>;

  const start = async () => {
    generator = await startServiceProcess({
      name: 'generator',
      entry: 'apps/generator/src/main.ts',
      // A snapshot every 10 observations: restarts restore one and replay the log after it.
      env: { DATABASE_URL: database.url, VELA_GENERATOR_PORT: '0', VELA_TOKEN: TOKEN, VELA_GENERATOR_SNAPSHOT_EVERY: '10' },
    });
    client = createAsyncClient(GeneratorServiceService, 'vela.v1.GeneratorService', generator.address, TOKEN);
  };

  beforeAll(start, 120000);
  afterAll(async () => {
    client?.close();
    await generator?.stop();
  });

  const sql = async <T>(text: string, values: unknown[] = []): Promise<T[]> => {
    const pg = new Client({ connectionString: database.url });
    await pg.connect();
    try {
      return (await pg.query(text, values)).rows as T[];
    } finally {
      await pg.end();
    }
  };

  // The pipeline's view of one search, through the wire and the contracts' converters.
  const portOf = (name: string): SearchPort => ({
    suggest: async (count, requestId) => {
      const answer = await client.suggest({ name, suggestionCount: count, requestId: requestId ?? '' });
      return { suggestions: answer.suggestions.map((s, i) => suggestionFromProto(s, `suggestions[${i}]`)), isCompleted: answer.isCompleted };
    },
    observe: async (observations) => client.observe({ name, thenSuggestCount: 0, observations: observations.map((o) => observationToProto(o)) }),
  });

  it('creates a search from a Vega step, idempotently, and reads it back', async () => {
    const requestId = randomUUID();
    const { search } = await client.createSearch({ search: searchOf(STEP.random), searchId: '', requestId });
    expect(search).toMatchObject({ algorithm: 'RandomSearch', stepId: 'hpo', seed: 42, completed: false, observedSeq: 0, settings: { policy: { num_sample: 4 } } });
    expect(search?.name).toBe(searchName(search?.id ?? ''));
    expect((await client.createSearch({ search: searchOf(STEP.random), searchId: '', requestId })).search).toEqual(search);
    expect((await client.getSearch({ name: search?.name ?? '' })).search).toEqual(search);
    await expect(client.createSearch({ search: { ...searchOf(STEP.random), runId: search?.runId ?? '', seed: 7 }, searchId: search?.id ?? '', requestId: '' })).rejects.toMatchObject({
      code: status.ALREADY_EXISTS,
      details: expect.stringContaining('already exists with different content'),
    });
  });

  it('runs a search to completion: Suggest, PENDING with the suggestion, records, SUCCEEDED, re-deliveries skipped', async () => {
    const { search } = await client.createSearch({ search: searchOf(STEP.random), searchId: '', requestId: '' });
    const name = search?.name ?? '';
    const result = await simulatePipeline(portOf(name), { parallel: 2 });
    expect(result.completed).toBe(true);
    expect(result.suggestions).toHaveLength(4);
    for (const suggestion of result.suggestions) {
      expect(suggestion.hyperparameters).toMatchObject({ trainer: { optimizer: { type: expect.stringMatching(/^(SGD|Adam)$/) } } });
      expect('trainer.optimizer.params.momentum' in suggestion.point).toBe(suggestion.point['trainer.optimizer.type'] === 'SGD');
    }
    // Each trial: PENDING, RUNNING, a record at epoch 1, SUCCEEDED at epoch 2; each sent twice, applied once.
    const after = (await client.getSearch({ name })).search;
    expect(after).toMatchObject({ completed: true, observedSeq: 16, suggestionCount: 4 });
    expect(after?.snapshotSeq).toBeGreaterThanOrEqual(10);
    const again = await client.observe({ name, thenSuggestCount: 0, observations: [observationToProto({ trialId: simulatedTrialId(0), attempt: 1, epoch: 0, state: 'RUNNING' })] });
    expect(again).toEqual({ appliedCount: 0, duplicateCount: 1, observedSeq: 16, isCompleted: true, suggestions: [] });
    expect(await client.suggest({ name, suggestionCount: 3, requestId: '' })).toEqual({ suggestions: [], isCompleted: true });
  });

  it('takes outcomes as the pipeline sends them: a STALE attempt, a retry, FAILED and SUCCEEDED marked final', async () => {
    const { search } = await client.createSearch({ search: searchOf({ type: 'RandomSearch', policy: { num_sample: 2 } }), searchId: '', requestId: '' });
    const name = search?.name ?? '';
    const [first, second] = (await client.suggest({ name, suggestionCount: 2, requestId: '' })).suggestions;
    const [a, b] = [simulatedTrialId(0), simulatedTrialId(1)];
    const outcome = (trialId: string, attempt: number, trialState: TrialState, extra: Partial<ObservationProto> = {}) =>
      ObservationProto.fromPartial({ trialId, attempt, trialState, ...extra });
    const answers = [
      await client.observe({
        thenSuggestCount: 0,
        name,
        observations: [
          outcome(a, 1, TrialState.TRIAL_STATE_PENDING, { suggestion: { ...first, trialId: a } }),
          outcome(b, 1, TrialState.TRIAL_STATE_PENDING, { suggestion: { ...second, trialId: b } }),
        ],
      }),
      await client.observe({ name, thenSuggestCount: 0, observations: [outcome(a, 1, TrialState.TRIAL_STATE_PENDING, { attemptState: AttemptState.ATTEMPT_STATE_STALE, final: true })] }),
      await client.observe({ name, thenSuggestCount: 0, observations: [outcome(a, 2, TrialState.TRIAL_STATE_PENDING), outcome(a, 2, TrialState.TRIAL_STATE_FAILED, { epoch: 1, final: true })] }),
      await client.observe({
        thenSuggestCount: 0,
        name,
        observations: [
          outcome(b, 1, TrialState.TRIAL_STATE_SUCCEEDED, {
            epoch: 3,
            final: true,
            attemptState: AttemptState.ATTEMPT_STATE_SUCCEEDED,
            record: RecordProto.fromPartial({ trialId: b, attempt: 1, epoch: 3, objectives: [{ key: 'accuracy', goal: ObjectiveGoal.OBJECTIVE_GOAL_MAXIMIZE, value: 0.8 }] }),
          }),
        ],
      }),
    ];
    expect(answers.map((answer) => [answer.appliedCount, answer.isCompleted])).toEqual([
      [2, false],
      [1, false],
      [2, false],
      [1, true],
    ]);
  });

  it('answers a retried Suggest with the same suggestions', async () => {
    const { search } = await client.createSearch({ search: searchOf(STEP.tpe), searchId: '', requestId: '' });
    const name = search?.name ?? '';
    const requestId = randomUUID();
    const first = await client.suggest({ name, suggestionCount: 2, requestId });
    // The pipeline persisted them (PENDING) and, say, then lost the answer's acknowledgement.
    const pending = first.suggestions.map((s, i) =>
      ObservationProto.fromPartial({ trialId: simulatedTrialId(i), attempt: 1, trialState: TrialState.TRIAL_STATE_PENDING, suggestion: { ...s, trialId: simulatedTrialId(i) } }),
    );
    await client.observe({ name, thenSuggestCount: 0, observations: pending });
    expect((await client.suggest({ name, suggestionCount: 2, requestId: '' })).suggestions).not.toEqual(first.suggestions);
    expect(await client.suggest({ name, suggestionCount: 2, requestId })).toEqual(first);
    expect((await client.suggest({ name, suggestionCount: 2, requestId: randomUUID() })).suggestions).not.toEqual(first.suggestions);
  });

  it('makes the same suggestions after a restart of the process, from its snapshot or by replaying its log', async () => {
    const [fromSnapshot, fromLog] = await Promise.all(
      ['hpo', 'hpo2'].map(async (stepId) => (await client.createSearch({ search: searchOf(STEP.tpe, { stepId }), searchId: '', requestId: '' })).search?.name ?? ''),
    );
    const progress = await Promise.all([fromSnapshot, fromLog].map((name) => simulatePipeline(portOf(name), { parallel: 3, steps: 5 })));
    const before = await Promise.all([fromSnapshot, fromLog].map((name) => client.suggest({ name, suggestionCount: 3, requestId: '' })));
    expect((await client.getSearch({ name: fromSnapshot })).search?.snapshotSeq).toBeGreaterThan(0);
    expect(before[0].suggestions).toHaveLength(3);
    // The second search loses its snapshot: the new process must replay the log with the seed.
    await sql(`UPDATE searches SET state_snapshot = NULL, state_seq = 0 WHERE id = $1`, [fromLog.split('/')[1]]);
    client.close();
    await generator.stop();
    await start();
    const after = await Promise.all([fromSnapshot, fromLog].map((name) => client.suggest({ name, suggestionCount: 3, requestId: '' })));
    expect(after).toEqual(before);
    // And the searches go on from there to completion.
    const rest = await simulatePipeline(portOf(fromSnapshot), { parallel: 3, resume: progress[0] });
    expect(rest.completed).toBe(true);
    expect(progress[0].suggestions.length + rest.suggestions.length).toBe(10);
  });

  it('runs a plug-in algorithm (type remote) through AlgorithmService, suggesting what the built-in one does', async () => {
    const plugin = await startBuiltInAlgorithmServer({ token: 'plug-in-token' });
    try {
      const { type, ...tpeSettings } = STEP.tpe;
      const viaPlugin = searchOf({ type: 'remote', address: plugin.address, token: 'plug-in-token', algorithm: type, settings: tpeSettings }, { stepId: 'remote' });
      const [builtIn, remote] = await Promise.all(
        [searchOf(STEP.tpe, { stepId: 'local' }), viaPlugin].map(async (search) => (await client.createSearch({ search, searchId: '', requestId: '' })).search?.name ?? ''),
      );
      const [expected, actual] = await Promise.all([builtIn, remote].map((name) => simulatePipeline(portOf(name), { parallel: 2 })));
      expect(actual.completed).toBe(true);
      expect(actual.suggestions).toEqual(expected.suggestions);
      expect(plugin.calls.suggest).toBeGreaterThan(0);
    } finally {
      await plugin.stop();
    }
  });

  it('answers bad input with a status whose message names the field, applying nothing', async () => {
    const invalid = async (call: Promise<unknown>, field: RegExp) => expect(call).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(field) });
    await invalid(client.createSearch({ search: searchOf({ type: 'NoSuchSearch' }), searchId: '', requestId: '' }), /^search_algorithm\.type: .*NoSuchSearch/);
    await invalid(client.createSearch({ search: searchOf({ type: 'TPE', policy: { num_sample: 0 } }), searchId: '', requestId: '' }), /^search_algorithm\.policy\.num_sample: /);
    await invalid(
      client.createSearch({ search: { ...searchOf(STEP.random), searchSpace: { hyperparameters: [{ key: 'lr', type: 'FLOAT_EXP', range: [0, 1] }] } }, searchId: '', requestId: '' }),
      /^search_space\.hyperparameters\[0\] \(key 'lr'\)\.range: /,
    );
    await invalid(client.createSearch({ search: { ...searchOf(STEP.random), searchSpace: undefined }, searchId: '', requestId: '' }), /^search\.search_space: is required/);
    await invalid(client.createSearch({ search: { ...searchOf(STEP.random), runId: 'run-1' }, searchId: '', requestId: '' }), /^search\.run_id: /);
    await invalid(client.getSearch({ name: 'runs/x' }), /^name: /);
    await expect(client.getSearch({ name: searchName(randomUUID()) })).rejects.toMatchObject({ code: status.NOT_FOUND, details: expect.stringMatching(/^name: search '.*' not found/) });
    await expect(client.suggest({ name: searchName(randomUUID()), suggestionCount: 1, requestId: '' })).rejects.toMatchObject({ code: status.NOT_FOUND });

    const { search } = await client.createSearch({ search: searchOf(STEP.random), searchId: '', requestId: '' });
    const name = search?.name ?? '';
    await invalid(client.suggest({ name, suggestionCount: -1, requestId: '' }), /^suggestion_count: /);
    const [suggestion] = (await client.suggest({ name, suggestionCount: 1, requestId: '' })).suggestions;
    const trialId = simulatedTrialId(0);
    const pending = ObservationProto.fromPartial({ trialId, attempt: 1, trialState: TrialState.TRIAL_STATE_PENDING, suggestion: { ...suggestion, trialId } });
    const malformed: [ObservationProto, RegExp][] = [
      [ObservationProto.fromPartial({ trialId, attempt: 1 }), /^observations\[1\]\.trial_state: /],
      [ObservationProto.fromPartial({ trialId: simulatedTrialId(1), attempt: 1, trialState: TrialState.TRIAL_STATE_PENDING }), /^observations\[1\]\.suggestion: /],
      [ObservationProto.fromPartial({ trialId, attempt: 1, epoch: 2, final: true, trialState: TrialState.TRIAL_STATE_SUCCEEDED }), /^observations\[1\]\.objectives: /],
      [ObservationProto.fromPartial({ trialId, attempt: 1, trialState: TrialState.TRIAL_STATE_RUNNING, record: { trialId: simulatedTrialId(5) } }), /^observations\[1\]\.record\.trial_id: /],
      [ObservationProto.fromPartial({ trialId: 'trial-1', attempt: 1, trialState: TrialState.TRIAL_STATE_RUNNING }), /^observations\[1\]\.trial_id: /],
    ];
    for (const [bad, field] of malformed) await invalid(client.observe({ name, thenSuggestCount: 0, observations: [pending, bad] }), field);
    expect((await client.getSearch({ name })).search).toMatchObject({ observedSeq: 0 });
    expect(await sql(`SELECT seq FROM search_observations WHERE search_id = $1`, [search?.id])).toEqual([]);
    expect(await client.observe({ name, thenSuggestCount: 0, observations: [pending] })).toMatchObject({ appliedCount: 1, observedSeq: 1 });
  });

  it('observes and then suggests in one call, as Observe followed by Suggest would', async () => {
    const create = async (runId: string) => (await client.createSearch({ search: { ...searchOf(STEP.tpe), runId }, searchId: '', requestId: '' })).search!;
    const [apart, together] = [await create(randomUUID()), await create(randomUUID())];
    const first = async (name: string) => {
      const suggestions = (await client.suggest({ name, suggestionCount: 2, requestId: '' })).suggestions;
      return suggestions.map((s, i) => ObservationProto.fromPartial({ trialId: simulatedTrialId(i), attempt: 1, trialState: TrialState.TRIAL_STATE_PENDING, suggestion: { ...s, trialId: simulatedTrialId(i) } }));
    };
    const [pendingApart, pendingTogether] = [await first(apart.name), await first(together.name)];
    expect(pendingTogether).toEqual(pendingApart);
    await client.observe({ name: apart.name, thenSuggestCount: 0, observations: pendingApart });
    const expected = (await client.suggest({ name: apart.name, suggestionCount: 3, requestId: '' })).suggestions;
    const answer = await client.observe({ name: together.name, thenSuggestCount: 3, observations: pendingTogether });
    expect(answer).toMatchObject({ appliedCount: 2, observedSeq: 2, isCompleted: false });
    expect(answer.suggestions).toEqual(expected);
    expect((await client.getSearch({ name: together.name })).search).toMatchObject({ observedSeq: 2, suggestionCount: 5 });
    await expect(client.observe({ name: together.name, thenSuggestCount: -1, observations: [] })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^then_suggest_count: /) });
  });

  it('refuses calls without the token', async () => {
    const anonymous = createAsyncClient<GeneratorServiceServer>(GeneratorServiceService, 'vela.v1.GeneratorService', generator.address);
    await expect(anonymous.getSearch({ name: searchName(randomUUID()) })).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    anonymous.close();
  });
});
