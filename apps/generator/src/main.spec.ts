import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

describe('the generator process', () => {
  const start = (env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'main.ts')], { encoding: 'utf8', timeout: 60000, env: { ...process.env, ...env } });

  it('exits 1 with a message naming the setting when its port is invalid', () => {
    const result = start({ VELA_GENERATOR_PORT: 'eighty' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("generator: VELA_GENERATOR_PORT: must be a port number between 0 and 65535, got 'eighty'");
  });

  it('exits 1 naming VELA_GENERATOR_SNAPSHOT_EVERY when it is not a count', () => {
    const result = start({ VELA_GENERATOR_PORT: '0', VELA_GENERATOR_SNAPSHOT_EVERY: '-2' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("generator: VELA_GENERATOR_SNAPSHOT_EVERY: must be an integer >= 0, got '-2'");
  });
});
