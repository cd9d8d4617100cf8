import { createPrismaClient, Prisma, queryRows, type PrismaClient } from '@vela/db';
import { seedRunWithTrials, useTestDatabase, type SeededRun } from '@vela/testing';
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

  it('is read through trials_unforwarded_idx, in the generic plan a prepared statement keeps', async () => {
    // The services prepare their statements by name, so Postgres soon plans them without the values.
    const plan = await prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SET LOCAL plan_cache_mode = force_generic_plan`;
      await tx.$executeRawUnsafe(`PREPARE backlog(uuid, text) AS SELECT * FROM trials WHERE run_id = $1 AND step = $2 AND ${UNFORWARDED.text} ORDER BY number`);
      const [row] = await tx.$queryRawUnsafe<{ 'QUERY PLAN': unknown }[]>(`EXPLAIN (FORMAT JSON) EXECUTE backlog('${run.runId}', '${run.step}')`);
      await tx.$executeRawUnsafe('DEALLOCATE backlog');
      return JSON.stringify(row['QUERY PLAN']);
    });
    expect(plan).toContain('"Index Name":"trials_unforwarded_idx"');
    expect(plan).not.toContain('Seq Scan');
  });
});
