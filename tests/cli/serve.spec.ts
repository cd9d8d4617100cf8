import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListRecordsRequest, ReportServiceService, type ReportServiceServer } from '@vela/contracts';
import { createAsyncClient, type AsyncClient } from '@vela/grpc-server';
import { useTestDatabase } from '@vela/testing';
import { VELA, vela } from './vela';

// `vela serve`, the image's command: `all` serves report, generator, pipeline and dashboard
// in one process, configured by flags and environment; the inspection commands reach it;
// Ctrl-C stops it cleanly. One service starts as its own apps/<service>/src/main.ts does.
jest.setTimeout(240000);

/** `vela serve <args>` as a real process, after the modules `preload` names (`node -r`). */
function serve(args: readonly string[], env: NodeJS.ProcessEnv, preload: readonly string[] = []) {
  const child = spawn(process.execPath, [...preload.flatMap((module) => ['-r', module]), VELA, 'serve', ...args], {
    env: { ...process.env, ...env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    child,
    exited: once(child, 'exit') as Promise<[number | null, string | null]>,
    output: () => output,
    /** Resolves once the output matches `pattern`; throws if the process ends first. */
    async waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
      const deadline = Date.now() + 180000;
      for (;;) {
        const match = output.match(pattern);
        if (match) return match;
        if (Date.now() > deadline || child.exitCode !== null || child.signalCode !== null) throw new Error(`vela serve ${args[0]} did not print ${pattern}; output:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
  };
}

describe('vela serve', () => {
  const database = useTestDatabase();

  it('serves every service in one process until SIGINT', async () => {
    const token = 'serve-all-token';
    const ports = { VELA_PIPELINE_PORT: '0', VELA_GENERATOR_PORT: '0', VELA_REPORT_PORT: '0', VELA_DASHBOARD_PORT: '0' };
    const served = serve(['all', '--database-url', database.url, '--token', token], ports);
    try {
      await served.waitFor(/pipeline listening on/);
      const address = (service: string) => served.output().match(new RegExp(`^${service} listening on (\\S+)$`, 'm'))?.[1];
      expect([address('report'), address('generator'), address('dashboard'), address('pipeline')]).toEqual([expect.any(String), expect.any(String), expect.any(String), expect.any(String)]);
      const runs = await vela(['runs', '--pipeline-address', address('pipeline')!, '--token', token]);
      expect(runs).toMatchObject({ status: 0, stdout: 'no runs yet; start one with `vela run <config.yml>`\n' });
      const dashboard = await fetch(`http://${address('dashboard')}/api/runs`, { headers: { authorization: `Bearer ${token}` } });
      expect(dashboard.status).toBe(200);
    } finally {
      served.child.kill('SIGINT');
    }
    const [code] = await served.exited;
    expect({ code, output: served.output() }).toMatchObject({ code: 0 });
  });

  it('serves one service as its own main does: a stray rejection is logged, not fatal', async () => {
    const token = 'serve-report-token';
    const artifactRoot = await mkdtemp(join(tmpdir(), 'vela-artifacts-'));
    const report = serve(['report', '--database-url', database.url, '--port', '0', '--token', token], { VELA_ARTIFACT_ROOT: artifactRoot }, [
      require.resolve('@swc-node/register'),
      join(__dirname, 'stray-rejection.ts'),
    ]);
    let client: AsyncClient<ReportServiceServer> | undefined;
    try {
      const [, address] = await report.waitFor(/^report listening on (\S+)$/m);
      report.child.kill('SIGUSR2');
      await report.waitFor(/^report: unhandled rejection: Error: stray rejection from the test$/m);
      client = createAsyncClient<ReportServiceServer>(ReportServiceService, 'vela.v1.ReportService', address, token);
      await expect(client.listRecords(ListRecordsRequest.fromPartial({}))).resolves.toMatchObject({ records: [] });
    } finally {
      client?.close();
      report.child.kill('SIGINT');
    }
    const [code] = await report.exited;
    await rm(artifactRoot, { recursive: true, force: true });
    expect({ code, output: report.output() }).toMatchObject({ code: 0 });
  });

  it('gives workers started on one host without VELA_WORKER_ID ids of their own, and the first id back after a restart', async () => {
    const token = 'serve-workers-token';
    const pidFolder = await mkdtemp(join(tmpdir(), 'vela-host-'));
    const ports = { VELA_PIPELINE_PORT: '0', VELA_GENERATOR_PORT: '0', VELA_REPORT_PORT: '0', VELA_DASHBOARD_PORT: '0' };
    const services = serve(['all', '--database-url', database.url, '--token', token], ports);
    const workers: ReturnType<typeof serve>[] = [];
    try {
      const [, pipeline] = await services.waitFor(/^pipeline listening on (\S+)$/m);
      const [, report] = await services.waitFor(/^report listening on (\S+)$/m);
      // TMPDIR: the pid files of this test's "host", apart from any other worker on the machine.
      const worker = () =>
        serve(['worker', '--pipeline-address', pipeline, '--report-address', report, '--token', token, '--port', '0'], { VELA_WORKER_ID: '', VELA_WORKER_CPU_SLOTS: '1', TMPDIR: pidFolder });
      const registered = /^worker (\S+): registered with/m;
      workers.push(worker());
      const [, first] = await workers[0].waitFor(registered);
      workers.push(worker());
      const [, second] = await workers[1].waitFor(registered);
      expect(second).toBe(`${first}-2`);
      expect(workers[1].output()).toContain(`worker id '${first}-2': another worker on this host holds '${first}'`);
      const listed = await vela(['workers', '--pipeline-address', pipeline, '--token', token, '--json']);
      expect((JSON.parse(listed.stdout) as { workers: { id: string; state: string }[] }).workers.map(({ id, state }) => `${id} ${state}`).sort()).toEqual([
        `${first} WORKER_STATE_ACTIVE`,
        `${first}-2 WORKER_STATE_ACTIVE`,
      ]);
      // The first worker stops (and frees its id); started again, it is the first worker again.
      workers[0].child.kill('SIGTERM');
      expect((await workers[0].exited)[0]).toBe(0);
      workers.push(worker());
      expect((await workers[2].waitFor(registered))[1]).toBe(first);
    } finally {
      for (const started of workers) started.child.kill('SIGTERM');
      await Promise.all(workers.map((started) => started.exited));
      services.child.kill('SIGINT');
      await services.exited;
      await rm(pidFolder, { recursive: true, force: true });
    }
  });

  it('refuses --port with all, and an unknown service, with exit code 2', async () => {
    const [port, unknown] = await Promise.all([vela(['serve', 'all', '--port', '5000']), vela(['serve', 'everything'])]);
    expect(port).toMatchObject({ status: 2, stderr: expect.stringContaining('--port names one port; `vela serve all` takes VELA_PIPELINE_PORT') });
    expect(unknown).toMatchObject({ status: 2, stderr: expect.stringContaining("unknown service 'everything'; choose one of: pipeline, generator, report, worker, dashboard, all") });
  });
});
