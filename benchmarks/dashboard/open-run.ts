/**
 * Dashboard benchmark (not a test): how long a run with 10,000 trials takes to open in a
 * real browser (Debian's chromium) — trials table and charts drawn — from a dashboard
 * process in front of the real master and Report on the embedded Postgres (or
 * DATABASE_URL's server).
 *
 * - cold: a dashboard process that has not loaded the run (started just before, with newer
 *   runs than the big one, so it does not load it ahead): the visit waits for the run to be
 *   read from the master and Report.
 * - loaded: the run is loaded (as it is for the newest runs, which the dashboard loads at
 *   start and whenever it lists runs): a first visit in a fresh browser tab.
 *
 *   node -r @swc-node/register benchmarks/dashboard/open-run.ts [--trials 10000] [--repeats 3]
 *
 * Also times each API call the page makes, on the loaded run.
 */
import { availableParallelism, loadavg } from 'node:os';
import { ensureWebBuild, PREFETCHED_RUNS } from '@vela/dashboard';
import { startServiceProcess, type ServiceProcess } from '@vela/grpc-server';
import { startLocalCluster } from '@vela/local-mode';
import { createTestDatabase } from '@vela/testing';
import { launchChromium, openRunPage, seedFinishedRunWithResults, type RunPageTimes } from '@vela/testing/dashboard';

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index < 0 ? fallback : Number(process.argv[index + 1]);
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const trials = argument('trials', 10_000);
  const repeats = argument('repeats', 3);
  await ensureWebBuild();
  const database = await createTestDatabase();
  const seeded = Date.now();
  const run = await seedFinishedRunWithResults(database.url, { trials });
  console.log(`seeded a finished run of ${trials} trials with one result record each in ${Date.now() - seeded} ms`);
  // Newer runs, so a fresh dashboard does not load the big one ahead of the visit.
  for (let newer = 0; newer < PREFETCHED_RUNS; newer++) await seedFinishedRunWithResults(database.url, { trials: 10 });
  const cluster = await startLocalCluster({ env: { ...process.env, DATABASE_URL: database.url }, workers: 0 });
  const browser = await launchChromium();
  const startDashboard = () =>
    startServiceProcess({
      name: 'dashboard',
      entry: 'apps/dashboard/src/main.ts',
      env: { DATABASE_URL: database.url, VELA_TOKEN: cluster.token, VELA_PIPELINE_ADDRESS: cluster.pipelineAddress, VELA_REPORT_ADDRESS: cluster.reportAddress, VELA_DASHBOARD_PORT: '0' },
    });
  let dashboard: ServiceProcess | undefined;
  try {
    const cold: RunPageTimes[] = [];
    const loaded: RunPageTimes[] = [];
    for (let repeat = 0; repeat < repeats; repeat++) {
      await dashboard?.stop();
      dashboard = await startDashboard();
      const baseUrl = `http://${dashboard.address}`;
      for (const times of [cold, loaded, loaded]) {
        const page = await browser.context.newPage();
        times.push(await openRunPage(page, baseUrl, run.runId, cluster.token, trials));
        await page.close();
      }
    }
    const summary = (times: RunPageTimes[], of: keyof RunPageTimes) => `median ${median(times.map((t) => t[of]))} ms [${times.map((t) => t[of]).join(', ')}]`;
    console.log(`\nopen a ${trials}-trial run (${repeats} dashboard starts; load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores):`);
    console.log(`  cold (the visit loads the run):  usable ${summary(cold, 'usableMs')}; complete ${summary(cold, 'completeMs')}`);
    console.log(`  loaded (a first visit per tab):  usable ${summary(loaded, 'usableMs')}; complete ${summary(loaded, 'completeMs')}`);

    const baseUrl = `http://${dashboard!.address}`;
    const step = `${baseUrl}/api/runs/${run.runId}/steps/${run.step}`;
    const calls: Record<string, string> = {
      'GET run': `${baseUrl}/api/runs/${run.runId}`,
      'GET trials (200, by number)': `${step}/trials?limit=200`,
      'GET trials (200, by accuracy)': `${step}/trials?limit=200&sort=objective:accuracy&order=desc`,
      'GET best-so-far (400 points)': `${step}/best-so-far?objective=accuracy&points=400`,
      'GET pareto (64x36 grid)': `${step}/pareto?x=accuracy&y=params&width=64&height=36`,
      'GET parallel (200 lines)': `${step}/parallel?objective=accuracy&lines=200`,
    };
    console.log('\nAPI on the loaded run (median of 10):');
    for (const [label, url] of Object.entries(calls)) {
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < 10; i++) {
        const started = performance.now();
        const response = await fetch(url, { headers: { authorization: `Bearer ${cluster.token}` } });
        bytes = (await response.arrayBuffer()).byteLength;
        times.push(performance.now() - started);
      }
      console.log(`  ${label.padEnd(32)} ${median(times).toFixed(1).padStart(7)} ms  ${(bytes / 1024).toFixed(1).padStart(7)} KiB`);
    }
  } finally {
    await browser.close();
    await dashboard?.stop();
    await cluster.stop();
    await database.drop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
