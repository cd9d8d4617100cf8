/**
 * Control-plane benchmark (not a test): trials per second and per-trial overhead (p50, p99)
 * through the whole real path — pipeline → generator → queue → worker → report — with a
 * trainer that trains instantly (`InstantTrainer`, instant-trainer.plugin.ts, loaded by each
 * training process through VELA_PLUGINS). Every service is a real process started by
 * `startLocalCluster` on a fresh test database (DATABASE_URL's server, else an embedded one).
 *
 *   node -r @swc-node/register benchmarks/control-plane/control-plane.ts [--trials 2000] [--workers 1,4] [--slots 2] [--warmup N] [--trials-in-flight N] [--out DIR] [--cpu-prof]
 *
 * `--trials-in-flight N` sets the run's `general.limits.trials_in_flight`: the queue then
 * holds fewer trials ahead of the slots, which trades throughput and the slots' wait (1) for
 * a shorter end-to-end time (2).
 * `--warmup N` first runs N trials on the same cluster and measures the next run only: the
 * services then run compiled code (V8 optimises a function after many calls, and a trial
 * calls most of the hot path once per process), as a long-running deployment does.
 * `--cpu-prof` makes every service write a V8 CPU profile into DIR/cpu-prof-<n>w (summarise
 * them with profile-summary.ts); DIR (default $TMPDIR/vela-control-plane-out) also gets the
 * services' output and the results as JSON.
 *
 * Measured, from the database (trials, attempts, records) and the plugin's per-process trace:
 * - throughput: trials completed per second, from CreateRun to the run's end (and over the
 *   busy window, first lease to last completion);
 * - overhead (1), worker wait: inside a training process, the end of one training to the
 *   start of the next (the time a slot waits between trials: completion, record, lease, IPC);
 *   (1') the same from the database: on one worker, the lease of its next trial minus the
 *   completion of its previous one (paired first-in first-out per worker; a worker that
 *   leases ahead leases before it completes, so this then measures something else);
 * - overhead (2), end to end minus training: a trial's creation (and, separately, its lease)
 *   to its completion, minus the training time its record carries;
 * and prints them as a markdown table beside Optuna's RDB-storage anchors
 * (shared/anchors/RESULTS.md) with the ratios, plus a breakdown of where a trial's time goes.
 */
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { execSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { PipelineServiceService, RunState, type PipelineServiceServer, type Run } from '@vela/contracts';
import { createAsyncClient, type AsyncClient } from '@vela/grpc-server';
import { startLocalCluster } from '@vela/local-mode';
import { createTestDatabase } from '@vela/testing';

const PLUGIN = resolve(__dirname, 'instant-trainer.plugin.ts');

/** shared/anchors/RESULTS.md, Optuna 3.1 on Postgres (RDB storage), random sampler. */
const OPTUNA = { oneProcess: { trialsPerSecond: 33.6, p50: 28.34, p99: 49.71 }, twoProcesses: { trialsPerSecond: 58.0, p50: 32.88, p99: 60.33 } };
/** Issue 5's bar: twice / five times Optuna's two-process throughput, p99 overhead under 60 / 20 ms. */
const FLOOR = { trialsPerSecond: 116, p99: 60 };
const GOAL = { trialsPerSecond: 290, p99: 20 };

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index < 0 ? fallback : process.argv[index + 1];
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const mean = (values: readonly number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN);
const fmt = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

interface Distribution {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  readonly max: number;
}

function distribution(values: readonly number[]): Distribution {
  return { n: values.length, p50: percentile(values, 50), p99: percentile(values, 99), mean: mean(values), max: values.length ? Math.max(...values) : NaN };
}

interface TrialRow {
  readonly id: string;
  readonly number: number;
  readonly state: string;
  readonly worker: string;
  readonly created: number;
  readonly leased: number;
  readonly completed: number;
  readonly recordAt: number;
  readonly trainMs: number;
}

interface TraceRow {
  readonly pid: number;
  readonly trial: string;
  readonly built: number;
  readonly trained: number;
  readonly trainMs: number;
}

interface Result {
  readonly workers: number;
  readonly slots: number;
  /** The run's `trials_in_flight` limit, where one was set. */
  readonly trialsInFlight?: number;
  readonly trials: number;
  readonly succeeded: number;
  readonly wallSeconds: number;
  readonly throughput: number;
  readonly busyThroughput: number;
  /** Trials/s over the first and the last fifth of the completions (a falling rate: per-trial cost grows with the run). */
  readonly firstFifthThroughput: number;
  readonly lastFifthThroughput: number;
  readonly slotWait: Distribution;
  readonly slotIdle: Distribution;
  readonly endToEnd: Distribution;
  readonly leaseToComplete: Distribution;
  readonly breakdown: Record<string, Distribution>;
  readonly load: string;
  /** CPU seconds per kind of process from CreateRun to the run's end, and Postgres's work. */
  readonly cpuSeconds: Record<string, number>;
  /** System calls (reads and writes of any kind: sockets, pipes, files) and context switches, per kind of process. */
  readonly syscalls: Record<string, number>;
  readonly contextSwitches: Record<string, number>;
  readonly database: { commits: number; tables: Record<string, Record<string, number>> };
  readonly progressRaces: number;
}

function config(trials: number, workDir: string, trialsInFlight: number | undefined): string {
  return `
general:
  seed: 7
  task: { local_base_path: ${workDir} }
  limits: { max_retries: 0${trialsInFlight === undefined ? '' : `, trials_in_flight: ${trialsInFlight}`} }
pipeline: [hpo]
hpo:
  pipe_step: { type: SearchPipeStep }
  dataset: { type: Synthetic, common: { num_samples: 8, num_test: 8, image_size: [2, 2, 1], num_class: 2, batch_size: 8 } }
  search_space:
    hyperparameters:
      - { key: trainer.optimizer.params.lr, type: FLOAT_EXP, range: [1e-4, 1e-1] }
      - { key: trainer.optimizer.params.momentum, type: FLOAT, range: [0.0, 0.99] }
  search_algorithm: { type: RandomSearch, policy: { num_sample: ${trials} }, objective_keys: accuracy }
  model: { model_desc: { modules: [backbone], backbone: { type: MLP, hidden_units: [4], num_class: 2 } } }
  trainer: { type: InstantTrainer, epochs: 1 }
`;
}

function loadAverage(): string {
  try {
    return execSync('uptime').toString().trim().replace(/^.*load average:\s*/, '');
  } catch {
    return '?';
  }
}

/** Submits a run of `trials` and follows it to its end, printing progress every 5 s. */
async function runToEnd(
  pipeline: AsyncClient<PipelineServiceServer>,
  trials: number,
  workDir: string,
  displayName: string,
  trialsInFlight: number | undefined,
): Promise<{ run: Run; submitted: number; ended: number }> {
  const submitted = Date.now();
  const run = (await pipeline.createRun({ configYaml: config(trials, workDir, trialsInFlight), overrides: [], displayName, requestId: '', validateOnly: false })).run!;
  let final = run;
  let lastPrint = 0;
  for await (const { run: seen } of pipeline.watchRun({ name: run.name, afterRevision: 0, includeTrialEvents: false })) {
    final = seen!;
    if (Date.now() - lastPrint > 5000) {
      lastPrint = Date.now();
      const counts = final.steps[0]?.trialCounts;
      console.error(`  ${((Date.now() - submitted) / 1000).toFixed(0)} s: ${counts?.succeeded ?? 0} succeeded, ${counts?.failed ?? 0} failed`);
    }
  }
  if (final.state !== RunState.RUN_STATE_SUCCEEDED) throw new Error(`${displayName}: the run ended ${RunState[final.state]}: ${final.error}`);
  return { run, submitted, ended: Date.now() };
}

interface BenchmarkOptions {
  readonly workers: number;
  readonly slots: number;
  readonly trials: number;
  readonly warmup: number;
  /** The run's `trials_in_flight` limit; none when undefined. */
  readonly trialsInFlight?: number;
  readonly outDir: string;
  readonly cpuProf: boolean;
}

async function benchmark({ workers, slots, trials, warmup, trialsInFlight, outDir, cpuProf }: BenchmarkOptions): Promise<Result> {
  const database = await createTestDatabase();
  const workDir = await mkdtemp(join(tmpdir(), 'vela-control-plane-'));
  const traceDir = join(workDir, 'trace');
  await mkdir(traceDir);
  const logFile = join(outDir, `services-${workers}w.log`);
  const profileDir = join(outDir, `cpu-prof-${workers}w`);
  if (cpuProf) await mkdir(profileDir, { recursive: true });
  await writeFile(logFile, '');
  let logBuffer: string[] = [];
  const flushLog = async () => {
    const lines = logBuffer;
    logBuffer = [];
    if (lines.length) await appendFile(logFile, lines.join('\n') + '\n');
  };
  const logTimer = setInterval(() => void flushLog(), 1000);
  console.error(`[${workers} worker(s) × ${slots} slot(s)] starting the cluster on ${database.name}...`);
  const cluster = await startLocalCluster({
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      VELA_ARTIFACT_ROOT: join(workDir, 'artifacts'),
      VELA_PLUGINS: PLUGIN,
      VELA_BENCH_TRACE_DIR: traceDir,
      ...(cpuProf ? { VELA_BENCH_CPU_PROF_DIR: profileDir } : {}),
      ...(cpuProf
        ? { NODE_OPTIONS: [process.env['NODE_OPTIONS'] ?? '', `--require ${require.resolve('@swc-node/register')} --require ${resolve(__dirname, 'cpu-profile.preload.ts')}`].join(' ').trim() }
        : {}),
    },
    workers,
    slotsPerWorker: slots,
    onOutput: (service, line) => logBuffer.push(`${new Date().toISOString()} ${service}: ${line}`),
  });
  const pipeline = createAsyncClient<PipelineServiceServer>(PipelineServiceService, 'vela.v1.PipelineService', cluster.pipelineAddress, cluster.token);
  try {
    if (warmup > 0) {
      console.error(`[${workers} worker(s) × ${slots} slot(s)] warming up with ${warmup} trials`);
      await runToEnd(pipeline, warmup, workDir, 'control-plane benchmark warm-up', trialsInFlight);
      // Only the measured run's trials in the traces (each process reopens its file per trial).
      for (const file of await readdir(traceDir)) await rm(join(traceDir, file));
    }
    const statsBefore = warmup > 0 ? await databaseStats(database.url) : undefined;
    const load = loadAverage();
    console.error(`[${workers} worker(s) × ${slots} slot(s)] submitting ${trials} trials (load average ${load})`);
    const before = await cpuSnapshot(database.name);
    const { run, submitted, ended } = await runToEnd(pipeline, trials, workDir, 'control-plane benchmark', trialsInFlight);
    const { cpuSeconds, syscalls, contextSwitches } = cpuSpent(before, await cpuSnapshot(database.name));
    const stats = statsDelta(await databaseStats(database.url), statsBefore);
    await flushLog();
    const progressRaces = (await readFile(logFile, 'utf8')).split('\n').filter((line) => line.includes('progress of attempt') && line.includes('already SUCCEEDED')).length;
    const rows = await trialRows(database.url, run.id);
    const traces = await traceRows(traceDir);
    await writeFile(join(outDir, `trials-${trials}-${workers}w.json`), JSON.stringify({ rows, traces }));
    return { ...analyse(workers, slots, trials, (ended - submitted) / 1000, rows, traces, load), trialsInFlight, cpuSeconds, syscalls, contextSwitches, database: stats, progressRaces };
  } finally {
    pipeline.close();
    await cluster.stop();
    clearInterval(logTimer);
    await flushLog();
    await database.drop().catch(() => undefined);
    await rm(workDir, { recursive: true, force: true });
  }
}

interface ProcessSample {
  readonly label: string;
  /** CPU ticks (1/100 s). */
  readonly ticks: number;
  readonly syscalls: number;
  readonly contextSwitches: number;
}

/**
 * CPU ticks, system calls and context switches of this benchmark's processes, by pid,
 * labelled by what they run: the descendants of this process (other work on the machine may
 * run the same entry points), and the Postgres backends serving this run's database.
 */
async function cpuSnapshot(databaseName: string): Promise<Map<number, ProcessSample>> {
  const labels: [RegExp, string][] = [
    [/apps\/report\/src\/main/, 'report'],
    [/apps\/generator\/src\/main/, 'generator'],
    [/apps\/pipeline\/src\/main/, 'pipeline (master)'],
    [/apps\/trainer-worker\/src\/main/, 'worker supervisors'],
    [/training-child/, 'training processes'],
  ];
  const backends = new RegExp(`^postgres: .*${databaseName}`);
  const processes = new Map<number, { ppid: number; cmdline: string; ticks: number }>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).replace(/\0/g, ' ').trim();
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      processes.set(Number(entry), { ppid: Number(fields[1]), cmdline, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // The process ended meanwhile.
    }
  }
  const mine = (pid: number): boolean => {
    for (let at = pid, hops = 0; at > 1 && hops < 64; hops++) {
      if (at === process.pid) return true;
      at = processes.get(at)?.ppid ?? 0;
    }
    return false;
  };
  const snapshot = new Map<number, ProcessSample>();
  for (const [pid, { cmdline, ticks }] of processes) {
    const label = backends.test(cmdline) ? 'postgres backends' : mine(pid) ? labels.find(([pattern]) => pattern.test(cmdline))?.[1] : undefined;
    if (label) snapshot.set(pid, { label, ticks, ...(await syscallsOf(pid)) });
  }
  return snapshot;
}

/** A process's system calls (/proc/PID/io: syscr + syscw) and context switches over all its threads; zero when unreadable. */
async function syscallsOf(pid: number): Promise<{ syscalls: number; contextSwitches: number }> {
  try {
    const io = await readFile(`/proc/${pid}/io`, 'utf8');
    const field = (text: string, name: string) => Number(new RegExp(`^${name}:\\s*(\\d+)`, 'm').exec(text)?.[1] ?? 0);
    let contextSwitches = 0;
    for (const task of await readdir(`/proc/${pid}/task`)) {
      const status = await readFile(`/proc/${pid}/task/${task}/status`, 'utf8').catch(() => '');
      contextSwitches += field(status, 'voluntary_ctxt_switches') + field(status, 'nonvoluntary_ctxt_switches');
    }
    return { syscalls: field(io, 'syscr') + field(io, 'syscw'), contextSwitches };
  } catch {
    return { syscalls: 0, contextSwitches: 0 };
  }
}

/** What each kind of process spent between two snapshots, by measure. */
function cpuSpent(before: Map<number, ProcessSample>, after: Map<number, ProcessSample>): { cpuSeconds: Record<string, number>; syscalls: Record<string, number>; contextSwitches: Record<string, number> } {
  const spent = { cpuSeconds: {} as Record<string, number>, syscalls: {} as Record<string, number>, contextSwitches: {} as Record<string, number> };
  for (const [pid, sample] of after) {
    const earlier = before.get(pid);
    spent.cpuSeconds[sample.label] = (spent.cpuSeconds[sample.label] ?? 0) + (sample.ticks - (earlier?.ticks ?? 0)) / 100;
    spent.syscalls[sample.label] = (spent.syscalls[sample.label] ?? 0) + sample.syscalls - (earlier?.syscalls ?? 0);
    spent.contextSwitches[sample.label] = (spent.contextSwitches[sample.label] ?? 0) + sample.contextSwitches - (earlier?.contextSwitches ?? 0);
  }
  return spent;
}

/** What Postgres did for the run: transactions, and per table scans and row writes. */
async function databaseStats(url: string): Promise<{ commits: number; tables: Record<string, Record<string, number>> }> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    // Statistics reach the views within a second or so.
    await new Promise((resolveWait) => setTimeout(resolveWait, 1500));
    const [{ xact_commit }] = (await client.query('SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()')).rows;
    const { rows } = await client.query(
      `SELECT relname, seq_scan, seq_tup_read, idx_scan, idx_tup_fetch, n_tup_ins, n_tup_upd FROM pg_stat_user_tables
       WHERE relname IN ('trials', 'attempts', 'records', 'runs', 'steps', 'workers', 'searches', 'search_observations') ORDER BY relname`,
    );
    return {
      commits: Number(xact_commit),
      tables: Object.fromEntries(rows.map((row) => [row.relname, Object.fromEntries(Object.entries(row).filter(([key]) => key !== 'relname').map(([key, value]) => [key, Number(value)]))])),
    };
  } finally {
    await client.end();
  }
}

type DatabaseStats = Awaited<ReturnType<typeof databaseStats>>;

/** `after` less what a warm-up left in the counters (`before`). */
function statsDelta(after: DatabaseStats, before: DatabaseStats | undefined): DatabaseStats {
  if (!before) return after;
  const tables = Object.fromEntries(
    Object.entries(after.tables).map(([table, counters]) => [table, Object.fromEntries(Object.entries(counters).map(([key, value]) => [key, value - (before.tables[table]?.[key] ?? 0)]))]),
  );
  return { commits: after.commits - before.commits, tables };
}

async function trialRows(url: string, runId: string): Promise<TrialRow[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT t.id, t.number, t.state, a.worker_id,
              extract(epoch FROM t.created_at) * 1000 AS created,
              extract(epoch FROM a.started_at) * 1000 AS leased,
              extract(epoch FROM a.ended_at) * 1000 AS completed,
              extract(epoch FROM r.created_at) * 1000 AS record_at,
              r.train_seconds * 1000 AS train_ms
       FROM trials t
       JOIN attempts a ON a.trial_id = t.id AND a.attempt = t.attempt
       LEFT JOIN records r ON r.trial_id = t.id AND r.attempt = t.attempt AND r.epoch = 1
       WHERE t.run_id = $1 ORDER BY t.number`,
      [runId],
    );
    return rows.map((row) => ({
      id: row.id,
      number: row.number,
      state: row.state,
      worker: row.worker_id,
      created: Number(row.created),
      leased: Number(row.leased),
      completed: Number(row.completed),
      recordAt: Number(row.record_at),
      trainMs: Number(row.train_ms ?? 0),
    }));
  } finally {
    await client.end();
  }
}

async function traceRows(dir: string): Promise<TraceRow[]> {
  const rows: TraceRow[] = [];
  for (const file of await readdir(dir)) {
    for (const line of (await readFile(join(dir, file), 'utf8')).split('\n').filter(Boolean)) rows.push(JSON.parse(line) as TraceRow);
  }
  return rows;
}

/** Per worker: each lease paired with the oldest completion not yet followed by a lease (a freed slot). */
function slotWaits(rows: readonly TrialRow[]): number[] {
  const waits: number[] = [];
  const byWorker = new Map<string, TrialRow[]>();
  for (const row of rows) byWorker.set(row.worker, [...(byWorker.get(row.worker) ?? []), row]);
  for (const list of byWorker.values()) {
    const events = [
      ...list.map((row) => ({ at: row.completed, kind: 'free' as const })),
      ...list.map((row) => ({ at: row.leased, kind: 'lease' as const })),
    ].sort((a, b) => a.at - b.at || (a.kind === 'free' ? -1 : 1));
    const freed: number[] = [];
    for (const event of events) {
      if (event.kind === 'free') freed.push(event.at);
      else if (freed.length) waits.push(event.at - (freed.shift() as number));
    }
  }
  return waits;
}

function analyse(
  workers: number,
  slots: number,
  trials: number,
  wallSeconds: number,
  rows: readonly TrialRow[],
  traces: readonly TraceRow[],
  load: string,
): Omit<Result, 'cpuSeconds' | 'syscalls' | 'contextSwitches' | 'database' | 'progressRaces'> {
  const done = rows.filter((row) => row.state === 'SUCCEEDED');
  const firstLease = Math.min(...done.map((row) => row.leased));
  const lastCompletion = Math.max(...done.map((row) => row.completed));
  const traceByTrial = new Map(traces.map((trace) => [trace.trial, trace]));
  // Inside each training process (a slot): end of one training → start of the next.
  const idle: number[] = [];
  const byPid = new Map<number, TraceRow[]>();
  for (const trace of traces) byPid.set(trace.pid, [...(byPid.get(trace.pid) ?? []), trace]);
  for (const list of byPid.values()) {
    list.sort((a, b) => a.built - b.built);
    for (let i = 1; i < list.length; i++) idle.push(list[i].built - list[i - 1].trained);
  }
  const stages: Record<string, number[]> = {
    'created → leased (queue)': [],
    'leased → training starts (AcquireTrials answer, IPC, trainer built)': [],
    'training (InstantTrainer)': [],
    'training ends → record stored (UpdateRecord)': [],
    'record stored → completed (flush, IPC, CompleteTrial)': [],
  };
  for (const row of done) {
    const trace = traceByTrial.get(row.id);
    stages['created → leased (queue)'].push(row.leased - row.created);
    if (!trace) continue;
    stages['leased → training starts (AcquireTrials answer, IPC, trainer built)'].push(trace.built - row.leased);
    stages['training (InstantTrainer)'].push(trace.trained - trace.built);
    stages['training ends → record stored (UpdateRecord)'].push(row.recordAt - trace.trained);
    stages['record stored → completed (flush, IPC, CompleteTrial)'].push(row.completed - row.recordAt);
  }
  // How fast the master refills the queue: each trial's creation after the latest completion before it.
  const completions = done.map((row) => row.completed).sort((a, b) => a - b);
  const refill: number[] = [];
  for (const row of done) {
    let lo = 0;
    let hi = completions.length - 1;
    let latest = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (completions[mid] <= row.created) {
        latest = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (latest >= 0) refill.push(row.created - completions[latest]);
  }
  stages['a completion → the next trial created (master: observe, suggest, insert)'] = refill;
  const fifth = Math.max(1, Math.floor(completions.length / 5));
  const rate = (from: number, to: number) => (to - from) / ((completions[to] - completions[from]) / 1000);
  return {
    workers,
    slots,
    trials,
    succeeded: done.length,
    firstFifthThroughput: rate(0, fifth),
    lastFifthThroughput: rate(completions.length - 1 - fifth, completions.length - 1),
    wallSeconds,
    throughput: done.length / wallSeconds,
    busyThroughput: done.length / ((lastCompletion - firstLease) / 1000),
    slotWait: distribution(slotWaits(done)),
    slotIdle: distribution(idle),
    endToEnd: distribution(done.map((row) => row.completed - row.created - row.trainMs)),
    leaseToComplete: distribution(done.map((row) => row.completed - row.leased - row.trainMs)),
    breakdown: Object.fromEntries(Object.entries(stages).map(([key, values]) => [key, distribution(values)])),
    load,
  };
}

/** `workers × slots`, and the in-flight limit where the run had one. */
function label(result: Result): string {
  return `${result.workers} × ${result.slots}${result.trialsInFlight === undefined ? '' : ` (≤ ${result.trialsInFlight} in flight)`}`;
}

function report(results: readonly Result[], trials: number): string {
  const lines: string[] = [];
  lines.push(`## Control plane: ${trials} trials, InstantTrainer, RandomSearch`);
  lines.push('');
  lines.push('| workers × slots | trials/s (CreateRun → end) | busy-window trials/s | first / last fifth trials/s | × Optuna 1 proc (33.6) | × Optuna 2 procs (58.0) | × floor (116) | × goal (290) | load avg (1, 5, 15 min) |');
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    lines.push(
      `| ${label(r)} | ${fmt(r.throughput)} | ${fmt(r.busyThroughput)} | ${fmt(r.firstFifthThroughput)} / ${fmt(r.lastFifthThroughput)} | ${fmt(r.throughput / OPTUNA.oneProcess.trialsPerSecond, 2)} | ${fmt(r.throughput / OPTUNA.twoProcesses.trialsPerSecond, 2)} | ${fmt(r.throughput / FLOOR.trialsPerSecond, 2)} | ${fmt(r.throughput / GOAL.trialsPerSecond, 2)} | ${r.load} |`,
    );
  }
  lines.push('');
  lines.push('Overhead per trial, ms (p50 / p99; Optuna 1 process: 28.34 / 49.71, 2 processes: 32.88 / 60.33; floor p99 < 60, goal p99 < 20):');
  lines.push('');
  lines.push('| workers × slots | overhead | n | p50 | p99 | mean | max | p50 ÷ Optuna 28.34 | p99 ÷ Optuna 49.71 | p99 ÷ floor 60 | p99 ÷ goal 20 |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const rows: [string, Distribution][] = [
      ['(1) worker wait inside the training process: training ends → next starts', r.slotIdle],
      ["(1') previous completion → next lease, same worker (early when leased ahead)", r.slotWait],
      ['(2) end to end minus training: created → completed', r.endToEnd],
      ["(2') leased → completed minus training", r.leaseToComplete],
    ];
    for (const [name, d] of rows) {
      lines.push(
        `| ${label(r)} | ${name} | ${d.n} | ${fmt(d.p50)} | ${fmt(d.p99)} | ${fmt(d.mean)} | ${fmt(d.max)} | ${fmt(d.p50 / OPTUNA.oneProcess.p50, 2)} | ${fmt(d.p99 / OPTUNA.oneProcess.p99, 2)} | ${fmt(d.p99 / FLOOR.p99, 2)} | ${fmt(d.p99 / GOAL.p99, 2)} |`,
      );
    }
  }
  lines.push('');
  // Little's law: with every slot of the run sharing one control plane, a slot runs
  // throughput ÷ slots trials a second, so between two of its trials it waits at least
  // slots ÷ throughput minus a trial's training, on average, however the waits fall.
  for (const r of results) {
    const slotCount = r.workers * r.slots;
    const floor = (slotCount / r.busyThroughput) * 1000 - r.breakdown['training (InstantTrainer)'].mean;
    lines.push(`${label(r)}: ${slotCount} slots at ${fmt(r.busyThroughput)} trials/s wait on average at least ${fmt(floor)} ms between trials (measured mean of (1): ${fmt(r.slotIdle.mean)} ms).`);
  }
  lines.push('');
  lines.push('Where a trial\'s time goes, ms (p50 / p99 / mean):');
  lines.push('');
  lines.push(`| stage | ${results.map((r) => `${label(r)}`).join(' | ')} |`);
  lines.push(`|---|${results.map(() => '---').join('|')}|`);
  for (const stage of Object.keys(results[0]?.breakdown ?? {})) {
    lines.push(`| ${stage} | ${results.map((r) => { const d = r.breakdown[stage]; return `${fmt(d.p50)} / ${fmt(d.p99)} / ${fmt(d.mean)}`; }).join(' | ')} |`);
  }
  lines.push('');
  lines.push('CPU seconds per trial by process kind (CreateRun → end; the machine has 2 cores, shared), and Postgres:');
  lines.push('');
  const kinds = [...new Set(results.flatMap((r) => Object.keys(r.cpuSeconds)))].sort();
  lines.push(`| | ${results.map((r) => `${label(r)}`).join(' | ')} |`);
  lines.push(`|---|${results.map(() => '---').join('|')}|`);
  for (const kind of kinds) lines.push(`| ${kind}: CPU ms per trial | ${results.map((r) => fmt(((r.cpuSeconds[kind] ?? 0) * 1000) / r.succeeded)).join(' | ')} |`);
  lines.push(`| all: CPU ms per trial | ${results.map((r) => fmt((Object.values(r.cpuSeconds).reduce((a, b) => a + b, 0) * 1000) / r.succeeded)).join(' | ')} |`);
  for (const kind of kinds) lines.push(`| ${kind}: system calls / context switches per trial | ${results.map((r) => `${fmt((r.syscalls[kind] ?? 0) / r.succeeded, 0)} / ${fmt((r.contextSwitches[kind] ?? 0) / r.succeeded, 0)}`).join(' | ')} |`);
  lines.push(`| Postgres commits per trial | ${results.map((r) => fmt(r.database.commits / r.succeeded)).join(' | ')} |`);
  for (const table of ['trials', 'records', 'attempts', 'runs', 'steps', 'workers', 'searches', 'search_observations']) {
    if (!results.some((r) => r.database.tables[table])) continue;
    lines.push(
      `| ${table}: seq scans / rows read by seq scans / index scans / rows updated, per trial | ${results
        .map((r) => {
          const t = r.database.tables[table];
          return t ? `${fmt(t['seq_scan'] / r.succeeded)} / ${fmt(t['seq_tup_read'] / r.succeeded, 0)} / ${fmt(t['idx_scan'] / r.succeeded)} / ${fmt(t['n_tup_upd'] / r.succeeded)}` : '–';
        })
        .join(' | ')} |`,
    );
  }
  lines.push(`| ReportProgress refused after CompleteTrial ("lease lost" warnings) | ${results.map((r) => `${r.progressRaces} of ${r.succeeded}`).join(' | ')} |`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const trials = Number(argument('trials', '2000'));
  const workerCounts = argument('workers', '1,4').split(',').map(Number);
  const slots = Number(argument('slots', '2'));
  const warmup = Number(argument('warmup', '0'));
  const outDir = resolve(argument('out', join(tmpdir(), 'vela-control-plane-out')));
  const inFlightArgument = argument('trials-in-flight', '');
  const trialsInFlight = inFlightArgument === '' ? undefined : Number(inFlightArgument);
  if (trialsInFlight !== undefined && !(Number.isInteger(trialsInFlight) && trialsInFlight > 0)) throw new Error(`--trials-in-flight: must be a positive integer, got ${inFlightArgument}`);
  const cpuProf = process.argv.includes('--cpu-prof');
  await mkdir(outDir, { recursive: true });
  const results: Result[] = [];
  for (const workers of workerCounts) {
    const result = await benchmark({ workers, slots, trials, warmup, trialsInFlight, outDir, cpuProf });
    results.push(result);
    console.error(`[${workers} worker(s)] ${result.succeeded}/${trials} in ${result.wallSeconds.toFixed(1)} s: ${result.throughput.toFixed(1)} trials/s`);
  }
  const table = report(results, trials);
  process.stdout.write(`${table}\n`);
  await writeFile(join(outDir, `results-${trials}.json`), JSON.stringify(results, null, 2));
  console.error(`service logs and results.json in ${outDir}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
