import { join } from 'node:path';
import { useTestDatabase } from '@vela/testing';
import { searchConfig, startTestCluster, until, type TestCluster } from './cluster';

// A master that no worker has joined yet, started with a user's plug-in (VELA_PLUGINS).
describe('a fresh master with a plug-in and no worker', () => {
  const database = useTestDatabase();
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTestCluster(database.url, { VELA_PLUGINS: join(__dirname, 'fixtures', 'plugin-trainer.plugin.ts') });
  }, 60_000);
  afterAll(() => cluster?.stop());

  const createRun = (configYaml: string, validateOnly: boolean) =>
    cluster.clients.pipeline.createRun({ configYaml, overrides: [], displayName: 'fresh', requestId: '', validateOnly });
  const withTrainer = (trainerType: string) => searchConfig(cluster.workDir).replace('type: Trainer', `type: ${trainerType}`);

  // The master validates every config's `type:` against its registry: it must know a
  // plug-in's trainer as the workers do.
  it('accepts a config naming a trainer type that only a plug-in registers', async () => {
    await expect(createRun(withTrainer('PluginOnlyTrainer'), true)).resolves.toBeDefined();
  });

  it('still refuses a trainer type nobody registered, naming the key', async () => {
    await expect(createRun(withTrainer('NobodysTrainer'), true)).rejects.toThrow(/hpo\.trainer\.type.*NobodysTrainer/s);
  });

  it('says why a search step waits when no worker is registered', async () => {
    const { run } = await createRun(searchConfig(cluster.workDir), false);
    const step = await until('a wait reason', async () => {
      const [current] = (await cluster.clients.pipeline.getRun({ name: run!.name })).run!.steps;
      return current?.waitReason ? current : undefined;
    }, 15_000);
    expect(step.waitReason).toMatch(/no trainer-worker is registered/);
    expect(step.trialCounts?.pending).toBeGreaterThanOrEqual(1);
    await cluster.clients.pipeline.cancelRun({ name: run!.name, reason: 'test done' });
  }, 30_000);
});
