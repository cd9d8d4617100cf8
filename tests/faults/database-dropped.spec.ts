import { ListRecordsRequest, RunState } from '@vela/contracts';
import { useTestDatabase } from '@vela/testing';
import { createRun, runEnded, runEndedOrDiagnose, expectSucceeded, sql, startFaultCluster, tinySearch, until, type FaultCluster } from './harness';

// Every database connection of the services cut, again and again for about 3 s, while a run
// is in progress (pg_terminate_backend: what a Postgres restart or failover does to clients).
// The services reconnect, the run completes and nothing is lost.
jest.setTimeout(150000);

const SAMPLES = 6;
const EPOCHS = 20;

describe('database connections dropped mid-run', () => {
  const database = useTestDatabase();
  let cluster: FaultCluster;

  beforeAll(async () => {
    cluster = await startFaultCluster(database.url, { VELA_LEASE_SECONDS: '3', VELA_HEARTBEAT_SECONDS: '1' });
    await cluster.startWorker('w-db', 2);
  }, 120000);
  afterAll(() => cluster?.stop());

  it('reconnects every service; the run completes with every trial and record', async () => {
    const run = await createRun(cluster, tinySearch(cluster.workDir, { samples: SAMPLES, inFlight: 2, epochs: EPOCHS, numSamples: 4096 }));
    await until('a trial to be running', async () => {
      const rows = await sql(database.url, "SELECT 1 FROM trials WHERE run_id = $1 AND state = 'RUNNING'", [run.id]);
      return rows.length > 0 ? true : undefined;
    }, 60000, 50);

    let terminated = 0;
    for (let cut = 0; cut < 6; cut++) {
      const rows = await sql<{ ok: boolean }>(
        database.url,
        'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      );
      terminated += rows.filter((row) => row.ok).length;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    // Report, generator and the master each held connections (pools and LISTEN ones).
    expect(terminated).toBeGreaterThanOrEqual(6);
    const [{ ended: endedDuringCuts }] = await sql<{ ended: number }>(database.url, "SELECT count(*)::int AS ended FROM trials WHERE run_id = $1 AND state = 'SUCCEEDED'", [run.id]);

    const ended = await runEndedOrDiagnose(cluster, run, 60000);
    const processes = (['report', 'generator', 'pipeline'] as const).map((name) => ({ name, exitCode: cluster.service(name).child.exitCode, signal: cluster.service(name).child.signalCode }));
    expect(processes).toEqual((['report', 'generator', 'pipeline'] as const).map((name) => ({ name, exitCode: null, signal: null })));
    await expectSucceeded(cluster, ended);
    expect({ state: ended.state, error: ended.error }).toEqual({ state: RunState.RUN_STATE_SUCCEEDED, error: '' });
    expect(ended.steps[0].trialCounts).toMatchObject({ succeeded: SAMPLES, failed: 0 });
    expect(endedDuringCuts).toBeLessThan(SAMPLES); // the cuts happened while work was left

    // Nothing lost: every suggestion is a trial, every trial succeeded once, and its
    // successful attempt has all its epochs in Report.
    const [search] = await sql<{ suggestion_count: string; completed: boolean }>(database.url, 'SELECT suggestion_count::text, completed FROM searches WHERE run_id = $1', [run.id]);
    expect(search).toEqual({ suggestion_count: String(SAMPLES), completed: true });
    const perTrial = await sql<{ number: number; state: string; succeeded: number; epochs: number[] }>(
      database.url,
      `SELECT t.number, t.state::text,
              (SELECT count(*)::int FROM attempts a WHERE a.trial_id = t.id AND a.state = 'SUCCEEDED') AS succeeded,
              (SELECT array_agg(r.epoch ORDER BY r.epoch) FROM records r WHERE r.trial_id = t.id AND r.attempt = t.attempt) AS epochs
       FROM trials t WHERE t.run_id = $1 ORDER BY t.number`,
      [run.id],
    );
    expect(perTrial).toEqual(Array.from({ length: SAMPLES }, (_, i) => ({ number: i + 1, state: 'SUCCEEDED', succeeded: 1, epochs: Array.from({ length: EPOCHS }, (_, e) => e + 1) })));
    const { records } = await cluster.clients.report.listRecords(ListRecordsRequest.fromPartial({ filter: { runId: run.id, resultsOnly: true }, pageSize: 100 }));
    expect(records).toHaveLength(SAMPLES);

    // And they keep working after it: a second run on the same services.
    const again = await createRun(cluster, tinySearch(cluster.workDir, { samples: 2, inFlight: 2, epochs: 1 }), 'after the cuts');
    expect((await runEnded(cluster, again.name, 60000)).state).toBe(RunState.RUN_STATE_SUCCEEDED);
  });
});
