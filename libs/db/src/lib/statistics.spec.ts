import { Client } from 'pg';
import { refreshStatistics } from './statistics';
import { useMigratedClient } from './test-server';

describe('refreshStatistics', () => {
  const database = useMigratedClient();

  /** Inserts `count` trials from a connection of its own, closed after: a backend's table counters reach pg_stat_user_tables when it ends. */
  async function addTrials(runId: string, from: number, count: number): Promise<void> {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query(`INSERT INTO trials (run_id, step, number, "desc") SELECT $1::uuid, 'hpo', n, '{}'::jsonb FROM generate_series($2::int, $3::int) AS n`, [runId, from, from + count - 1]);
    } finally {
      await client.end();
    }
  }

  /** Waits until the table's row counter shows `rows` (the statistics collector is asynchronous). */
  async function liveRowsReach(table: string, rows: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const [{ live }] = await database.prisma.$queryRawUnsafe<{ live: bigint }[]>(`SELECT n_live_tup AS live FROM pg_stat_user_tables WHERE relname = '${table}'`);
      if (Number(live) >= rows) return;
      if (Date.now() > deadline) throw new Error(`${table}: the statistics collector still counts ${live} rows, not ${rows}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const reltuples = async (table: string) => Number((await database.prisma.$queryRawUnsafe<{ reltuples: number }[]>(`SELECT reltuples FROM pg_class WHERE relname = '${table}'`))[0].reltuples);

  it('analyzes a table once it has grown past twice its statistics, and leaves small or current tables alone', async () => {
    const run = await database.prisma.run.create({ data: { configYaml: 'pipeline: [hpo]\n', steps: { create: { name: 'hpo', index: 0, type: 'SearchPipeStep', objectives: [] } } } });
    await addTrials(run.id, 1, 20);
    await liveRowsReach('trials', 20);
    // Twenty rows are below the threshold: nothing to do (and runs has one row).
    expect(await refreshStatistics(database.prisma, ['trials', 'runs'])).toEqual([]);
    expect(await reltuples('trials')).toBeLessThanOrEqual(0);

    await addTrials(run.id, 21, 180);
    await liveRowsReach('trials', 200);
    expect(await refreshStatistics(database.prisma, ['trials', 'runs'])).toEqual(['trials']);
    expect(await reltuples('trials')).toBe(200);
    // Current now: a second look analyzes nothing.
    expect(await refreshStatistics(database.prisma, ['trials', 'runs'])).toEqual([]);

    // Growing by half is not enough; doubling is.
    await addTrials(run.id, 201, 100);
    await liveRowsReach('trials', 300);
    expect(await refreshStatistics(database.prisma, ['trials'])).toEqual([]);
    await addTrials(run.id, 301, 150);
    await liveRowsReach('trials', 450);
    expect(await refreshStatistics(database.prisma, ['trials'])).toEqual(['trials']);
    expect(await reltuples('trials')).toBe(450);
  });
});
