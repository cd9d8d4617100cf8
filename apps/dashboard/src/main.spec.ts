import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

describe('the dashboard process', () => {
  it('exits 1 with a message naming the setting when its port is invalid', () => {
    const result = spawnSync(process.execPath, ['-r', '@swc-node/register', join(__dirname, 'main.ts')], {
      encoding: 'utf8',
      timeout: 60000,
      env: { ...process.env, VELA_DASHBOARD_PORT: 'eighty' },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("dashboard: VELA_DASHBOARD_PORT: must be a port number between 0 and 65535, got 'eighty'");
  });
});
