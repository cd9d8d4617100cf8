import { join } from 'node:path';
import { useTestDatabase } from '@vela/testing';
import { searchConfig, startTestCluster, type TestCluster } from './cluster';

// A user's plug-in (VELA_PLUGINS) registers a trainer type: the master, which validates every
// config's `type:` against its registry, must know it as the workers do.
describe('VELA_PLUGINS in the master', () => {
  const database = useTestDatabase();
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTestCluster(database.url, { VELA_PLUGINS: join(__dirname, 'fixtures', 'plugin-trainer.plugin.ts') });
  }, 60_000);
  afterAll(() => cluster?.stop());

  const validate = (trainerType: string) =>
    cluster.clients.pipeline.createRun({
      configYaml: searchConfig(cluster.workDir).replace('type: Trainer', `type: ${trainerType}`),
      overrides: [],
      displayName: 'plugins',
      requestId: '',
      validateOnly: true,
    });

  it('accepts a config naming a trainer type that only a plug-in registers', async () => {
    await expect(validate('PluginOnlyTrainer')).resolves.toBeDefined();
  });

  it('still refuses a trainer type nobody registered, naming the key', async () => {
    await expect(validate('NobodysTrainer')).rejects.toThrow(/hpo\.trainer\.type.*NobodysTrainer/s);
  });
});
