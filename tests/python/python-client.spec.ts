import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServiceProcess, type ServiceProcess } from '@vela/grpc-server';
import { seedRunWithTrials, useTestDatabase } from '@vela/testing';

// The polyglot proof: Python stubs generated from the same protos (Debian's protoc and gRPC
// plugin) drive the running Report service with Debian's python3-grpcio. CI installs them
// (.ci/run); elsewhere: apt-get install protobuf-compiler protobuf-compiler-grpc python3-grpcio.
const root = join(__dirname, '..', '..');
const TOKEN = 'python-token';

describe('a Python client of the Report service', () => {
  const database = useTestDatabase();
  let report: ServiceProcess;
  let artifactRoot: string;

  beforeAll(async () => {
    execFileSync('bash', [join(root, 'scripts', 'generate-python.sh')], { cwd: root, stdio: 'pipe' });
    artifactRoot = await mkdtemp(join(tmpdir(), 'vela-python-artifacts-'));
    report = await startServiceProcess({
      name: 'report',
      entry: 'apps/report/src/main.ts',
      env: { DATABASE_URL: database.url, VELA_REPORT_PORT: '0', VELA_TOKEN: TOKEN, VELA_ARTIFACT_ROOT: artifactRoot },
    });
  }, 120000);

  afterAll(async () => {
    await report?.stop();
    await rm(artifactRoot, { recursive: true, force: true });
  });

  it('checks health, writes a record, reads the pareto front and a watch stream, and round-trips an artifact', async () => {
    const run = await seedRunWithTrials(database.url, { trials: 1, step: 'hpo', state: 'SUCCEEDED' });
    const output = execFileSync(
      '/usr/bin/python3',
      [join(root, 'tests', 'python', 'report_client.py'), report.address, TOKEN, '--run-id', run.runId, '--step-id', 'hpo', '--trial-id', run.trials[0].id],
      { cwd: root, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' }, timeout: 60000 },
    ).toString();
    const result = JSON.parse(output.trim().split('\n').pop() ?? '{}');
    expect(result).toMatchObject({ ok: true, sha256_match: true });
    expect(result.pareto_trial_ids).toContain(run.trials[0].id);
  });

  it('is refused without the token', () => {
    let failure: { status: number; stdout: Buffer } | undefined;
    try {
      execFileSync('/usr/bin/python3', [join(root, 'tests', 'python', 'report_client.py'), report.address, '', '--timeout', '10'], { cwd: root, stdio: 'pipe' });
    } catch (error) {
      failure = error as { status: number; stdout: Buffer };
    }
    expect(failure?.status).toBe(1);
    const result = JSON.parse(failure!.stdout.toString().trim().split('\n').pop() ?? '{}');
    expect(result).toMatchObject({ ok: false });
    expect(JSON.stringify(result)).toMatch(/UNAUTHENTICATED|missing 'authorization/);
  });
});
