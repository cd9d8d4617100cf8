import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { useTestDatabase } from '@vela/testing';
import { VELA, vela } from './vela';

// `vela run` as scripts see it: a config error exits 2 with every problem; Ctrl-C cancels the
// run through the master (whose process the terminal's SIGINT must not reach first), stops
// every service it started and exits 130.
jest.setTimeout(240000);

/** Every process below `root`, from `ps`. */
function descendantsOf(root: number): number[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number));
  const found: number[] = [];
  const visit = (parent: number) => rows.filter(([, ppid]) => ppid === parent).forEach(([pid]) => (found.push(pid), visit(pid)));
  visit(root);
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('vela run', () => {
  const database = useTestDatabase();
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vela-interrupt-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('exits 2 on an invalid config, listing every problem with its line', async () => {
    const config = join(dir, 'invalid.yml');
    await writeFile(config, 'pipeline: [hpo]\nhpo:\n  pipe_step: { type: SearchPipeStp }\n  trainer: { type: Trainer, epochs: -1 }\n');
    const result = await vela(['run', config, '--database-url', database.url, '--workers', '1', '--slots', '1']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`vela: ${config}: `);
    expect(result.stderr).toMatch(/line 3: hpo\.pipe_step\.type: unknown pipe step 'SearchPipeStp'/);
    expect(result.stderr).toMatch(/line 4: hpo\.trainer\.epochs: /);
  });

  it('cancels the run on SIGINT, stops every service and exits 130', async () => {
    const config = join(dir, 'long.yml');
    await writeFile(
      config,
      `
general: { seed: 1, task: { local_base_path: ${dir} } }
pipeline: [hpo]
hpo:
  pipe_step: { type: SearchPipeStep }
  dataset: { type: Synthetic, common: { num_samples: 256, num_test: 32, image_size: [8, 8, 1], num_class: 2, batch_size: 8 } }
  search_space:
    hyperparameters:
      - { key: trainer.optimizer.params.lr, type: FLOAT_EXP, range: [1e-3, 1e-1] }
  search_algorithm: { type: RandomSearch, policy: { num_sample: 50 } }
  model: { model_desc: { modules: [backbone], backbone: { type: MLP, hidden_units: [16], num_class: 2 } } }
  trainer: { type: Trainer, epochs: 200, optimizer: { type: SGD, params: { lr: 0.01 } } }
`,
    );
    const child = spawn(process.execPath, [VELA, 'run', config, '--database-url', database.url, '--workers', '1', '--slots', '1'], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // A process group of its own, as a shell gives a foreground job.
      detached: true,
    });
    let output = '';
    const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
    const printed = (pattern: RegExp, timeoutMs = 120000) =>
      new Promise<RegExpMatchArray>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${output}`)), timeoutMs);
        const check = () => {
          const match = output.match(pattern);
          if (!match) return;
          clearTimeout(timer);
          child.stdout.off('data', check);
          resolve(match);
        };
        child.stdout.on('data', check);
        check();
      });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));

    const [, runId] = await printed(/run ([0-9a-f-]{36}):/);
    await printed(/\[hpo: running \d+ done, [1-9]\d* in flight/);
    const services = descendantsOf(child.pid!);
    expect(services.length).toBeGreaterThanOrEqual(4); // report, generator, pipeline, worker (and its trainer)
    // What a terminal's Ctrl-C does: SIGINT to every process of the foreground group.
    process.kill(-child.pid!, 'SIGINT');
    const [code] = await exited;
    expect({ code, output }).toMatchObject({ code: 130 });
    expect(output).toContain('cancelling the run');
    expect(output).toContain(`run ${runId} CANCELLED: interrupted (Ctrl-C)`);

    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ state: string }>('SELECT state FROM runs WHERE id = $1', [runId]);
      expect(rows[0].state).toBe('CANCELLED');
    } finally {
      await client.end();
    }
    // Orphans would still be alive after their parent exited; give exiting ones a moment.
    const deadline = Date.now() + 10000;
    while (services.some(alive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(services.filter(alive)).toEqual([]);
  });
});
