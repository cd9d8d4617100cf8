import { randomUUID } from 'node:crypto';
import type { Observation, Suggestion } from '@vela/algorithms';
import type { SearchDefinition } from '@vela/contracts';
import { createPrismaClient, type PrismaClient } from '@vela/db';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '@vela/errors';
import { useTestDatabase } from '@vela/testing';
import { simulatePipeline, simulatedTrialId } from '../testing';
import { SearchService, snapshotSpacing } from './search.service';

// Whole simulated searches, several times over, on a shared machine (jest's project
// testTimeout is not applied when the root config runs several projects).
jest.setTimeout(60_000);

const SPACE = {
  hyperparameters: [
    { key: 'trainer.optimizer.params.lr', type: 'FLOAT_EXP', range: [1e-4, 1e-1] },
    { key: 'trainer.optimizer.type', type: 'CATEGORY', range: ['Adam', 'SGD'] },
    { key: 'trainer.batch_size', type: 'INT', range: [16, 128] },
  ],
};

const definition = (extra: Partial<SearchDefinition> = {}): SearchDefinition => ({
  runId: randomUUID(),
  step: 'hpo',
  algorithm: 'TPE',
  settings: { policy: { num_sample: 8, n_startup_trials: 3 } },
  searchSpace: SPACE,
  objectives: [{ key: 'accuracy', goal: 'MAXIMIZE' }],
  seed: 7,
  ...extra,
});

describe('SearchService (real Postgres)', () => {
  const database = useTestDatabase();
  let prisma: PrismaClient;
  let service: SearchService;

  beforeAll(() => {
    prisma = createPrismaClient(database.url);
    service = new SearchService(prisma);
  });
  afterAll(() => prisma.$disconnect());

  const logLength = async (id: string) => prisma.searchObservation.count({ where: { searchId: id } });

  describe('createSearch', () => {
    it('creates a search and is idempotent on request id, id, and run + step', async () => {
      const wanted = definition();
      const requestId = randomUUID();
      const created = await service.createSearch(wanted, { requestId });
      expect(created).toMatchObject({ ...wanted, completed: false, observedSeq: 0, snapshotSeq: 0, suggestionCount: 0 });
      expect(await service.createSearch(wanted, { requestId })).toEqual(created);
      expect(await service.createSearch(wanted)).toEqual(created);
      expect(await service.createSearch(wanted, { searchId: created.id })).toEqual(created);
      await expect(service.createSearch({ ...wanted, seed: 8 })).rejects.toThrow(AlreadyExistsError);
      await expect(service.createSearch({ ...definition(), step: 'nas' }, { searchId: created.id })).rejects.toThrow(/already exists with different content/);
      expect(await service.getSearch(created.id)).toEqual(created);
    });

    it('refuses what the algorithm cannot run, naming the field, and writes nothing', async () => {
      const before = await prisma.search.count();
      const cases: [Partial<SearchDefinition>, RegExp][] = [
        [{ algorithm: 'NoSuchSearch' }, /^search_algorithm\.type: /],
        [{ settings: { policy: { num_sample: 0 } } }, /search_algorithm\.policy\.num_sample: must be an integer >= 1/],
        [{ settings: { policy: { num_smaple: 3 } } }, /search_algorithm\.policy.*num_smaple/],
        [{ searchSpace: { hyperparameters: [{ key: 'lr', type: 'FLOAT', range: [1] }] } }, /^search_space\.hyperparameters\[0\]/],
        [{ runId: 'run-1' }, /^search\.run_id: must be a run id \(a uuid\)/],
        [{ step: 'a/b' }, /^search\.step_id: /],
        [{ objectives: [] }, /^search\.objectives: at least one objective/],
        [{ seed: 2 ** 60 }, /^search\.seed: /],
        [{ settings: { type: 'RandomSearch' } }, /^search\.settings\.type: names 'RandomSearch' but the search's algorithm is 'TPE'/],
      ];
      for (const [extra, message] of cases) {
        const attempt = service.createSearch(definition(extra));
        await expect(attempt).rejects.toThrow(InvalidArgumentError);
        await expect(attempt).rejects.toThrow(message);
      }
      await expect(service.createSearch(definition(), { searchId: 'abc' })).rejects.toThrow(/^search_id: must be a search id/);
      expect(await prisma.search.count()).toBe(before);
    });

    it('answers NOT_FOUND for an unknown search', async () => {
      const id = randomUUID();
      await expect(service.getSearch(id)).rejects.toThrow(NotFoundError);
      await expect(service.suggest(id, 1)).rejects.toThrow(`name: search '${id}' not found`);
      await expect(service.observe(id, [])).rejects.toThrow(NotFoundError);
    });
  });

  describe('Suggest and Observe', () => {
    it('suggests the same points until they are observed PENDING, then new ones', async () => {
      const search = await service.createSearch(definition({ algorithm: 'RandomSearch', settings: { policy: { num_sample: 4 } } }));
      const first = await service.suggest(search.id, 2);
      expect(first.suggestions).toHaveLength(2);
      expect(first.isCompleted).toBe(false);
      expect((await service.suggest(search.id, 2)).suggestions).toEqual(first.suggestions);
      const pending: Observation[] = first.suggestions.map((s, i) => ({ trialId: simulatedTrialId(i), attempt: 1, epoch: 0, state: 'PENDING', suggestion: { ...s, trialId: simulatedTrialId(i) } }));
      expect(await service.observe(search.id, pending)).toEqual({ appliedCount: 2, duplicateCount: 0, observedSeq: 2, isCompleted: false, suggestions: [] });
      const second = await service.suggest(search.id, 2);
      expect(second.suggestions).toHaveLength(2);
      expect(second.suggestions).not.toContainEqual(first.suggestions[0]);
      expect(await service.getSearch(search.id)).toMatchObject({ observedSeq: 2, suggestionCount: 6 });
    });

    it('answers a retried Suggest (same request id) with the same answer, counted once', async () => {
      const search = await service.createSearch(definition({ algorithm: 'RandomSearch', settings: { policy: { num_sample: 4 } } }));
      const requestId = randomUUID();
      const first = await service.suggest(search.id, 1, requestId);
      await service.observe(search.id, [{ trialId: simulatedTrialId(0), attempt: 1, epoch: 0, state: 'PENDING', suggestion: { ...first.suggestions[0], trialId: simulatedTrialId(0) } }]);
      expect(await service.suggest(search.id, 1, requestId)).toEqual(first);
      expect((await service.suggest(search.id, 1, randomUUID())).suggestions).not.toEqual(first.suggestions);
      expect((await service.getSearch(search.id)).suggestionCount).toBe(2);
    });

    it('skips re-delivered observations (same trial, attempt, epoch, final, state) and keeps the log in order', async () => {
      const search = await service.createSearch(definition({ algorithm: 'RandomSearch', settings: { policy: { num_sample: 2 } } }));
      const [suggestion] = (await service.suggest(search.id, 1)).suggestions;
      const trialId = simulatedTrialId(0);
      const outcome: Observation[] = [
        { trialId, attempt: 1, epoch: 0, state: 'PENDING', suggestion: { ...suggestion, trialId } },
        { trialId, attempt: 1, epoch: 0, state: 'RUNNING' },
        { trialId, attempt: 1, epoch: 1, state: 'RUNNING', objectives: [{ key: 'accuracy', goal: 'MAXIMIZE', value: 0.6 }] },
        { trialId, attempt: 1, epoch: 1, state: 'SUCCEEDED', final: true, objectives: [{ key: 'accuracy', goal: 'MAXIMIZE', value: 0.6 }] },
      ];
      expect(await service.observe(search.id, outcome)).toMatchObject({ appliedCount: 4, duplicateCount: 0, observedSeq: 4 });
      expect(await service.observe(search.id, [...outcome, outcome[1]])).toMatchObject({ appliedCount: 0, duplicateCount: 5, observedSeq: 4 });
      expect((await service.observationLog(search.id)).map((entry) => [entry.seq, entry.observation.state])).toEqual([
        [1, 'PENDING'],
        [2, 'RUNNING'],
        [3, 'RUNNING'],
        [4, 'SUCCEEDED'],
      ]);
    });

    it('writes the state snapshot with the log entries that make it due', async () => {
      const every3 = new SearchService(prisma, { snapshotEvery: 3 });
      const search = await every3.createSearch(definition({ algorithm: 'RandomSearch', settings: { policy: { num_sample: 4 } } }));
      const suggestions = (await every3.suggest(search.id, 4)).suggestions;
      const pending = (i: number): Observation => ({ trialId: simulatedTrialId(i), attempt: 1, epoch: 0, state: 'PENDING', suggestion: { ...suggestions[i], trialId: simulatedTrialId(i) } });
      const snapshot = async () => (await prisma.search.findUniqueOrThrow({ where: { id: search.id } })).stateSnapshot;
      await every3.observe(search.id, [pending(0), pending(1)]);
      expect(await every3.getSearch(search.id)).toMatchObject({ observedSeq: 2, snapshotSeq: 0 });
      expect(await snapshot()).toBeNull();
      await every3.observe(search.id, [pending(2)]);
      expect(await every3.getSearch(search.id)).toMatchObject({ observedSeq: 3, snapshotSeq: 3 });
      expect(await snapshot()).toMatchObject({ algorithm: 'random', seed: 7 });
      await every3.observe(search.id, [pending(3)]);
      expect(await every3.getSearch(search.id)).toMatchObject({ observedSeq: 4, snapshotSeq: 3 });
    });

    it('spaces snapshots by half the log once that is more than the setting, so their total size stays linear', () => {
      expect([0, 3, 100, 199, 200, 300, 1000].map((stateSeq) => snapshotSpacing(100, stateSeq))).toEqual([100, 100, 100, 100, 100, 150, 500]);
      // The positions snapshots land on over a 2,000-observation log: a handful, not twenty.
      const positions: number[] = [];
      for (let seq = 1, last = 0; seq <= 2000; seq++) {
        if (seq - last >= snapshotSpacing(100, last)) positions.push((last = seq));
      }
      expect(positions).toEqual([100, 200, 300, 450, 675, 1012, 1518]);
    });

    it('applies nothing of a call with a malformed observation, and names it', async () => {
      const search = await service.createSearch(definition({ algorithm: 'RandomSearch', settings: { policy: { num_sample: 3 } } }));
      const [suggestion] = (await service.suggest(search.id, 1)).suggestions;
      const trialId = simulatedTrialId(0);
      const good: Observation = { trialId, attempt: 1, epoch: 0, state: 'PENDING', suggestion: { ...suggestion, trialId } };
      const cases: [Observation[], string][] = [
        [[good, { trialId: simulatedTrialId(1), attempt: 1, epoch: 0, state: 'PENDING' }], "observations[1].suggestion: the first observation of trial '00000000-0000-4000-8000-000000000001' must carry its suggestion"],
        [[good, { trialId, attempt: 0, epoch: 0, state: 'RUNNING' }], 'observations[1].attempt: must be an integer >= 1, got 0'],
        [[good, { trialId, attempt: 1, epoch: 1, state: 'SUCCEEDED', final: true }], 'observations[1].objectives: a final observation must carry objectives'],
        [[{ ...good, trialId: 't0' }], "observations[0].trial_id: must be a trial id (a uuid), got 't0'"],
      ];
      for (const [observations, message] of cases) await expect(service.observe(search.id, observations)).rejects.toThrow(message);
      expect(await logLength(search.id)).toBe(0);
      expect(await service.getSearch(search.id)).toMatchObject({ observedSeq: 0 });
      // The algorithm in memory was rebuilt from what was committed: the same first suggestion.
      expect((await service.suggest(search.id, 1)).suggestions).toEqual([suggestion]);
    });
  });

  describe('restart equivalence', () => {
    // A reference run without restarts, against runs that restart (a new service: empty
    // memory) before every Suggest, restoring from snapshots, from a log replay, or both.
    const run = async (algorithm: string, settings: SearchDefinition['settings'], restart?: { snapshotEvery: number; dropSnapshots?: boolean }, promotionAsNextAttempt = false) => {
      const search = await service.createSearch(definition({ algorithm, settings }));
      let current = service;
      const result = await simulatePipeline(
        {
          suggest: (count) => current.suggest(search.id, count),
          observe: (observations) => current.observe(search.id, observations),
        },
        {
          parallel: 3,
          promotionAsNextAttempt,
          beforeSuggest: async () => {
            if (!restart) return;
            if (restart.dropSnapshots) await prisma.$executeRaw`UPDATE searches SET state_snapshot = NULL, state_seq = 0 WHERE id = ${search.id}::uuid`;
            current = new SearchService(prisma, { snapshotEvery: restart.snapshotEvery });
          },
        },
      );
      return { ...result, search: await service.getSearch(search.id) };
    };

    it.each([
      ['TPE', { policy: { num_sample: 8, n_startup_trials: 3 } }],
      ['ASHA', { policy: { total_epochs: 9, min_epochs: 1, eta: 3, config_count: 6 } }],
    ])('%s makes the same suggestions with and without restarts', async (algorithm, settings) => {
      const held = service.searchesInMemory;
      const reference = await run(algorithm, settings);
      expect(reference.completed).toBe(true);
      // A completed search leaves memory.
      expect(service.searchesInMemory).toBe(held);
      expect(reference.search).toMatchObject({ completed: true });
      if (algorithm === 'ASHA') expect(reference.suggestions.filter((s) => s.continues).length).toBeGreaterThan(0);
      for (const restart of [{ snapshotEvery: 1 }, { snapshotEvery: 0 }, { snapshotEvery: 5 }, { snapshotEvery: 1, dropSnapshots: true }]) {
        const restarted = await run(algorithm, settings, restart);
        expect(restarted.suggestions).toEqual(reference.suggestions);
        expect(restarted.search.observedSeq).toBe(reference.search.observedSeq);
      }
    });

    it('runs promotions as the pipeline does (the next attempt, after a STALE), the same with and without restarts', async () => {
      const settings = { policy: { total_epochs: 9, min_epochs: 1, eta: 3, config_count: 6 } };
      const reference = await run('ASHA', settings, undefined, true);
      expect(reference.completed).toBe(true);
      expect(reference.suggestions.filter((s) => s.continues).length).toBeGreaterThan(0);
      expect((await run('ASHA', settings, { snapshotEvery: 4 }, true)).suggestions).toEqual(reference.suggestions);
    });
  });

  it('applies an observation once when two services (two processes) deliver it at the same time', async () => {
    const search = await service.createSearch(definition({ algorithm: 'RandomSearch', settings: { policy: { num_sample: 3 } } }));
    const other = new SearchService(prisma);
    const suggestions = (await service.suggest(search.id, 3)).suggestions;
    const pending: Observation[] = suggestions.map((s, i) => ({ trialId: simulatedTrialId(i), attempt: 1, epoch: 0, state: 'PENDING', suggestion: { ...s, trialId: simulatedTrialId(i) } }));
    const results = await Promise.all([service.observe(search.id, pending), other.observe(search.id, pending), service.observe(search.id, pending)]);
    expect(results.map((r) => r.appliedCount).sort()).toEqual([0, 0, 3]);
    expect(await logLength(search.id)).toBe(3);
    // Each service notices the other's writes (the log grew) before it suggests again.
    expect((await service.suggest(search.id, 3)).suggestions).toEqual((await other.suggest(search.id, 3)).suggestions);
  });

  it('notices another service wrote since its memory was loaded, and rebuilds before answering', async () => {
    const search = await service.createSearch(definition({ algorithm: 'RandomSearch', settings: { policy: { num_sample: 4 } } }));
    const other = new SearchService(prisma);
    const pendingOf = (suggestions: readonly Suggestion[], from: number): Observation[] =>
      suggestions.map((s, i) => ({ trialId: simulatedTrialId(from + i), attempt: 1, epoch: 0, state: 'PENDING', suggestion: { ...s, trialId: simulatedTrialId(from + i) } }));
    const first = (await service.suggest(search.id, 2)).suggestions;
    await service.observe(search.id, pendingOf(first, 0));
    // The other service moves the search on; this one's memory is now behind the log.
    const second = (await other.suggest(search.id, 2)).suggestions;
    await other.observe(search.id, pendingOf(second, 2));
    expect((await service.suggest(search.id, 2)).suggestions).toEqual((await other.suggest(search.id, 2)).suggestions);
    const again = await service.observe(search.id, [...pendingOf(second, 2), { trialId: simulatedTrialId(0), attempt: 1, epoch: 1, final: true, state: 'SUCCEEDED', objectives: [{ key: 'accuracy', goal: 'MAXIMIZE', value: 0.5 }] }]);
    expect(again).toMatchObject({ appliedCount: 1, duplicateCount: 2, observedSeq: 5 });
    expect(await logLength(search.id)).toBe(5);
  });
});
