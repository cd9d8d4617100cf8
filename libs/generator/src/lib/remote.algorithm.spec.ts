import { randomUUID } from 'node:crypto';
import type { SearchDefinition } from '@vela/contracts';
import { createPrismaClient, type PrismaClient } from '@vela/db';
import { InvalidArgumentError, UnavailableError } from '@vela/errors';
import { useTestDatabase } from '@vela/testing';
import { simulatePipeline, startBuiltInAlgorithmServer, type AlgorithmServer } from '../testing';
import { SearchService } from './search.service';

jest.setTimeout(60_000);

const TOKEN = 'plug-in-token';
const TPE = { policy: { num_sample: 8, n_startup_trials: 3 } };

const definition = (algorithm: string, settings: SearchDefinition['settings']): SearchDefinition => ({
  runId: randomUUID(),
  step: 'hpo',
  algorithm,
  settings,
  searchSpace: {
    hyperparameters: [
      { key: 'trainer.optimizer.params.lr', type: 'FLOAT_EXP', range: [1e-4, 1e-1] },
      { key: 'trainer.optimizer.type', type: 'CATEGORY', range: ['Adam', 'SGD'] },
    ],
  },
  objectives: [{ key: 'accuracy', goal: 'MAXIMIZE' }],
  seed: 11,
});

describe('the remote algorithm (plug-in contract) through the generator', () => {
  const database = useTestDatabase();
  let prisma: PrismaClient;
  let plugin: AlgorithmServer;
  const remote = (settings: Record<string, unknown> = {}) => ({ address: plugin.address, token: TOKEN, algorithm: 'TPE', settings: TPE, ...settings });

  beforeAll(async () => {
    prisma = createPrismaClient(database.url);
    plugin = await startBuiltInAlgorithmServer({ token: TOKEN });
  });
  afterAll(async () => {
    await plugin?.stop();
    await prisma.$disconnect();
  });

  // Drives a search to completion; with `restart`, a new service (empty memory) before each Suggest.
  const drive = async (wanted: SearchDefinition, restart?: { snapshotEvery: number }) => {
    let service = new SearchService(prisma);
    const search = await service.createSearch(wanted);
    return simulatePipeline(
      { suggest: (count) => service.suggest(search.id, count), observe: (observations) => service.observe(search.id, observations) },
      {
        parallel: 2,
        beforeSuggest: async () => {
          if (restart) service = new SearchService(prisma, restart);
        },
      },
    );
  };

  it('makes the suggestions the built-in algorithm makes, across restarts, from its state blob or a paged cold start', async () => {
    const local = await drive(definition('TPE', TPE));
    expect(local.completed).toBe(true);
    // The token from the generator's environment, not stored with the search.
    process.env['VELA_TEST_PLUGIN_TOKEN'] = TOKEN;
    const viaPlugin = await drive(definition('remote', remote({ token: undefined, token_env: 'VELA_TEST_PLUGIN_TOKEN' })), { snapshotEvery: 1 });
    expect(viaPlugin.completed).toBe(true);
    expect(viaPlugin.suggestions).toEqual(local.suggestions);

    // No snapshots at all: each new service replays the log, and sends it as a cold start in pages of 3.
    const before = { ...plugin.calls };
    const coldStarts = await drive(definition('remote', remote({ page_size: 3 })), { snapshotEvery: 0 });
    expect(coldStarts.suggestions).toEqual(local.suggestions);
    const observationsSent = plugin.calls.observations - before.observations;
    const calls = plugin.calls.suggest - before.suggest;
    expect(calls).toBeGreaterThan(coldStarts.suggestions.length);
    expect(observationsSent).toBeGreaterThan(calls);
  });

  it('refuses settings the plug-in or the remote section cannot run, naming the field', async () => {
    const service = new SearchService(prisma);
    const refused = service.createSearch(definition('remote', remote({ settings: { policy: { num_sample: 0 } } })));
    await expect(refused).rejects.toThrow(InvalidArgumentError);
    await expect(refused).rejects.toThrow(/^search_algorithm: remote algorithm 'TPE' at .* refused: search_algorithm\.policy\.num_sample: must be an integer >= 1/);
    await expect(service.createSearch(definition('remote', remote({ address: undefined })))).rejects.toThrow(/^search_algorithm\.address: must be a non-empty string/);
    await expect(service.createSearch(definition('remote', remote({ page_size: 0 })))).rejects.toThrow(/^search_algorithm\.page_size: must be an integer >= 1/);
    await expect(service.createSearch(definition('remote', remote({ adress: 'x' })))).rejects.toThrow(/^search_algorithm\.adress: unknown key/);
    await expect(service.createSearch(definition('remote', remote({ token: 'wrong' })))).rejects.toThrow(UnavailableError);
    await expect(service.createSearch(definition('remote', remote({ token: undefined, token_env: 'VELA_TEST_NO_SUCH_TOKEN' })))).rejects.toThrow(
      /^search_algorithm\.token_env: the generator has no environment variable VELA_TEST_NO_SUCH_TOKEN/,
    );
    await expect(service.createSearch(definition('remote', remote({ address: '127.0.0.1:1', timeout_ms: 2000 })))).rejects.toThrow(UnavailableError);
    expect(await prisma.search.count({ where: { algorithm: 'remote' } })).toBe(2);
  });
});
