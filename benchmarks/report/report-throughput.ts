/**
 * Report service benchmark (not a test): UpdateRecord throughput and ParetoFront latency
 * over 100,000 records with 2 objectives, through the real service process over gRPC on
 * loopback, on the embedded Postgres (or DATABASE_URL's server).
 *
 *   node -r @swc-node/register benchmarks/report/report-throughput.ts [--writes 3000] [--records 100000]
 *
 * Prints a table and, as a ratio, UpdateRecord/s against the Optuna anchor's per-trial rate
 * on Postgres (shared/anchors/RESULTS.md: RDB storage, random sampler, 1 process: 33.6 trials/s;
 * 2 processes: 58.0), since both are the cost of persisting one trial result.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ObjectiveGoal, Record as RecordProto, ReportServiceService, TrialState, type ReportServiceServer } from '@vela/contracts';
import { createScratchDatabase, dropDatabase, migrate } from '@vela/db';
import { createAsyncClient, startServiceProcess } from '@vela/grpc-server';
import { seedRunWithTrials, setTrialState, testDatabaseServerUrl } from '@vela/testing';

const OPTUNA_POSTGRES_TRIALS_PER_SECOND = { oneProcess: 33.6, twoProcesses: 58.0 };

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index < 0 ? fallback : Number(process.argv[index + 1]);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];

async function main(): Promise<void> {
  const writes = argument('writes', 3000);
  const totalRecords = argument('records', 100_000);
  const serverUrl = await testDatabaseServerUrl();
  const { name, url } = await createScratchDatabase(serverUrl, 'vela_bench');
  await migrate(url);
  const artifactRoot = await mkdtemp(join(tmpdir(), 'vela-bench-'));
  const report = await startServiceProcess({
    name: 'report',
    entry: 'apps/report/src/main.ts',
    env: { DATABASE_URL: url, VELA_REPORT_PORT: '0', VELA_TOKEN: 'bench', VELA_ARTIFACT_ROOT: artifactRoot },
  });
  const client = createAsyncClient<ReportServiceServer>(ReportServiceService, 'vela.v1.ReportService', report.address, 'bench');
  try {
    const run = await seedRunWithTrials(url, { trials: writes, step: 'nas' });
    const record = (trialId: string, i: number) =>
      RecordProto.fromPartial({
        trialId,
        attempt: 1,
        epoch: 1,
        trialState: TrialState.TRIAL_STATE_SUCCEEDED,
        desc: { backbone: { type: 'ResNet', depth: 18, width: 16 + (i % 7) } },
        hyperparameters: { lr: 0.001 * (1 + (i % 10)) },
        performance: { accuracy: Math.random(), loss: Math.random() },
        objectives: [
          { key: 'accuracy', goal: ObjectiveGoal.OBJECTIVE_GOAL_MAXIMIZE, value: Math.random() },
          { key: 'flops', goal: ObjectiveGoal.OBJECTIVE_GOAL_MINIMIZE, value: Math.random() },
        ],
        flops: 0.04,
        params: 175,
        backend: 'wasm',
        threads: 1,
        device: 'cpu',
      });

    const rows: string[] = [];
    for (const concurrency of [1, 2, 8]) {
      const share = Math.floor(writes / 3);
      const offset = [1, 2, 8].indexOf(concurrency) * share;
      const latencies: number[] = [];
      const started = performance.now();
      let next = offset;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < offset + share) {
            const i = next++;
            const t0 = performance.now();
            await client.updateRecord({ record: record(run.trials[i].id, i) });
            latencies.push(performance.now() - t0);
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const perSecond = share / seconds;
      rows.push(
        `| UpdateRecord, ${concurrency} in flight | ${perSecond.toFixed(1)} records/s | p50 ${median(latencies).toFixed(2)} ms | p99 ${percentile(latencies, 0.99).toFixed(2)} ms | ${(perSecond / OPTUNA_POSTGRES_TRIALS_PER_SECOND.oneProcess).toFixed(1)}× Optuna RDB 1 process |`,
      );
    }

    // Fill up to `totalRecords` trial results in bulk (the write path was measured above).
    const pg = new Client({ connectionString: url });
    await pg.connect();
    const missing = totalRecords - writes;
    await pg.query(
      `WITH t AS (
         INSERT INTO trials (run_id, step, number, state, attempt, "desc")
         SELECT $1, 'nas', $2 + n, 'SUCCEEDED', 1, '{}'::jsonb FROM generate_series(1, $3::int) AS n RETURNING id, number)
       INSERT INTO records (trial_id, attempt, epoch, run_id, step, trial_number, trial_state, "desc", objectives)
       SELECT id, 1, 1, $1, 'nas', number, 'SUCCEEDED', '{}'::jsonb,
              jsonb_build_array(jsonb_build_object('key', 'accuracy', 'goal', 'MAXIMIZE', 'value', random()),
                                jsonb_build_object('key', 'flops', 'goal', 'MINIMIZE', 'value', random()))
       FROM t`,
      [run.runId, writes, missing],
    );
    await pg.query('ANALYZE');
    await pg.end();
    await setTrialState(url, run.trials.map((trial) => trial.id), 'SUCCEEDED');

    const objectives = [
      { key: 'accuracy', goal: ObjectiveGoal.OBJECTIVE_GOAL_MAXIMIZE },
      { key: 'flops', goal: ObjectiveGoal.OBJECTIVE_GOAL_MINIMIZE },
    ];
    for (const count of [undefined, 100]) {
      const times: number[] = [];
      let points = 0;
      for (let rep = 0; rep < 5; rep++) {
        const t0 = performance.now();
        const response = await client.paretoFront({ runId: run.runId, stepId: 'nas', objectives, count });
        times.push(performance.now() - t0);
        points = response.points.length;
      }
      rows.push(`| ParetoFront over ${totalRecords.toLocaleString('en')} results${count ? `, count ${count}` : ''} | ${points} points | median ${median(times).toFixed(0)} ms | max ${Math.max(...times).toFixed(0)} ms | |`);
    }
    process.stdout.write(['| measure | rate / size | median | tail | ratio |', '|---|---|---|---|---|', ...rows].join('\n') + '\n');
  } finally {
    client.close();
    await report.stop();
    await dropDatabase(serverUrl, name);
    await rm(artifactRoot, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
