import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { useTestDatabase } from '@vela/testing';
import { VELA, vela } from './vela';

// `vela serve all`: report, generator, pipeline and dashboard in one process, configured by
// flags and environment; the inspection commands reach it; Ctrl-C stops it cleanly.
jest.setTimeout(240000);

describe('vela serve all', () => {
  const database = useTestDatabase();

  it('serves every service in one process until SIGINT', async () => {
    const token = 'serve-all-token';
    const ports = { VELA_PIPELINE_PORT: '0', VELA_GENERATOR_PORT: '0', VELA_REPORT_PORT: '0', VELA_DASHBOARD_PORT: '0' };
    const child = spawn(process.execPath, [VELA, 'serve', 'all', '--database-url', database.url, '--token', token], {
      env: { ...process.env, ...ports, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
    try {
      const deadline = Date.now() + 180000;
      while (!/pipeline listening on/.test(output)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`vela serve all did not start; output:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const address = (service: string) => output.match(new RegExp(`^${service} listening on (\\S+)$`, 'm'))?.[1];
      expect([address('report'), address('generator'), address('dashboard'), address('pipeline')]).toEqual([expect.any(String), expect.any(String), expect.any(String), expect.any(String)]);
      const runs = await vela(['runs', '--pipeline-address', address('pipeline')!, '--token', token]);
      expect(runs).toMatchObject({ status: 0, stdout: 'no runs yet; start one with `vela run <config.yml>`\n' });
      const dashboard = await fetch(`http://${address('dashboard')}/api/runs`, { headers: { authorization: `Bearer ${token}` } });
      expect(dashboard.status).toBe(200);
    } finally {
      child.kill('SIGINT');
    }
    const [code] = await exited;
    expect({ code, output }).toMatchObject({ code: 0 });
  });

  it('refuses --port with all, and an unknown service, with exit code 2', async () => {
    const [port, unknown] = await Promise.all([vela(['serve', 'all', '--port', '5000']), vela(['serve', 'everything'])]);
    expect(port).toMatchObject({ status: 2, stderr: expect.stringContaining('--port names one port; `vela serve all` takes VELA_PIPELINE_PORT') });
    expect(unknown).toMatchObject({ status: 2, stderr: expect.stringContaining("unknown service 'everything'; choose one of: pipeline, generator, report, worker, dashboard, all") });
  });
});
