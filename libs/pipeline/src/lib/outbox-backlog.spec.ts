import { createPrismaClient, Prisma, queryRows, type PrismaClient } from '@vela/db';
import { planNodes, seedRunWithTrials, useTestDatabase, type PlanNode, type SeededRun } from '@vela/testing';
import { UNFORWARDED } from './step-context';

// The driver reads the outbox's backlog at every pass. A step's trials are nearly all
// forwarded, so the backlog must come from the partial index of the others: a scan of the
// whole step (or table) grows with every trial and, at thousands of trials, costs more than
// the rest of the pass.
describe('the outbox backlog (real Postgres)', () => {
  const database = useTestDatabase();
  let prisma: PrismaClient;
  let run: SeededRun;

  beforeAll(async () => {
    prisma = createPrismaClient(database.url);
    run = await seedRunWithTrials(database.url, { trials: 3000, state: 'SUCCEEDED' });
    // Everything told to the generator but three trials: one ended since, one retried, one with a new epoch.
    await prisma.$executeRaw`UPDATE trials SET forwarded_attempt = attempt, forwarded_state = state, forwarded_epoch = progress_epoch`;
    await prisma.$executeRaw`UPDATE trials SET forwarded_state = 'RUNNING' WHERE number = 17`;
    await prisma.$executeRaw`UPDATE trials SET state = 'PENDING', attempt = 2 WHERE number = 1200`;
    await prisma.$executeRaw`UPDATE trials SET progress_epoch = 3 WHERE number = 2999`;
    await prisma.$executeRaw`ANALYZE trials`;
  });
  afterAll(async () => {
    await prisma?.$disconnect();
  });

  const backlogSql = () => Prisma.sql`SELECT * FROM trials WHERE run_id = ${run.runId}::uuid AND step = ${run.step} AND ${UNFORWARDED} ORDER BY number`;

  it('holds exactly the trials the generator was not told about', async () => {
    const rows = await queryRows<{ number: number }>(prisma, backlogSql());
    expect(rows.map((row) => row.number)).toEqual([17, 1200, 2999]);
  });

  it('keeps what a master of the previous version reads and writes working (a rollout migrates first)', async () => {
    const [{ behind }] = await prisma.$queryRaw<{ behind: bigint }[]>`
      SELECT count(*) AS behind FROM trials WHERE run_id = ${run.runId}::uuid AND step = ${run.step}
        AND (forwarded_attempt <> attempt OR forwarded_state IS DISTINCT FROM state::text OR progress_epoch > forwarded_epoch)`;
    expect(Number(behind)).toBe(3);
    await prisma.$transaction(async (tx) => {
      await tx.$executeRaw`UPDATE trials t SET forwarded_state = m.state FROM unnest(${[run.trials[16].id]}::uuid[], ${['SUCCEEDED']}::text[]) AS m(id, state) WHERE t.id = m.id`;
      const rows = await tx.$queryRaw<{ number: number }[]>(backlogSql());
      expect(rows.map((row) => row.number)).toEqual([1200, 2999]);
      // Leaves the fixture as it was for the other tests.
      await tx.$executeRaw`UPDATE trials SET forwarded_state = 'RUNNING' WHERE number = 17`;
    });
  });

  it('is read through trials_unforwarded_idx, in the generic plan a prepared statement keeps, knowing how few trials it holds', async () => {
    // The services prepare their statements by name, so Postgres soon plans them without the values.
    const plan = await prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SET LOCAL plan_cache_mode = force_generic_plan`;
      await tx.$executeRawUnsafe(`PREPARE backlog(uuid, text) AS SELECT * FROM trials WHERE run_id = $1 AND step = $2 AND ${UNFORWARDED.text} ORDER BY number`);
      const [row] = await tx.$queryRawUnsafe<{ 'QUERY PLAN': [{ Plan: PlanNode }] }[]>(`EXPLAIN (FORMAT JSON) EXECUTE backlog('${run.runId}', '${run.step}')`);
      await tx.$executeRawUnsafe('DEALLOCATE backlog');
      return row['QUERY PLAN'][0].Plan;
    });
    const nodes = planNodes(plan);
    expect(nodes.map((node) => node['Node Type'])).not.toContain('Seq Scan');
    const scan = nodes.find((node) => node['Index Name'] === 'trials_unforwarded_idx');
    expect(scan).toBeDefined();
    // The statistics kept on the predicate: without them Postgres expects nearly all 3,000 trials.
    expect(scan?.['Plan Rows']).toBeLessThan(100);
  });
});
