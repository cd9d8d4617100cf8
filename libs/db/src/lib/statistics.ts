import type { PrismaClient } from '../generated/prisma/client';

/** A table is analyzed once it holds at least this many rows and twice as many as its statistics say. */
const MIN_ROWS = 50;

/**
 * Analyzes the named tables whose planner statistics are far behind their size: never
 * analyzed and at least MIN_ROWS rows, or more than twice the rows last counted. Prepared
 * statements keep the plan they chose while a table was empty (a scan of the whole table
 * looks cheapest then) until the table is analyzed; a server with autovacuum off, or one
 * that has not woken yet (a minute by default), would keep them as a queue grows to
 * thousands of rows. Doubling keeps it to a handful of ANALYZEs over a table's growth.
 * Returns the tables analyzed.
 */
export async function refreshStatistics(prisma: PrismaClient, tables: readonly string[]): Promise<string[]> {
  const stale = await prisma.$queryRaw<{ relname: string }[]>`
    SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
    WHERE s.schemaname = current_schema() AND s.relname = ANY(${tables}::text[])
      AND s.n_live_tup >= ${MIN_ROWS} AND s.n_live_tup > 2 * greatest(c.reltuples, 0)`;
  for (const { relname } of stale) {
    // A name from the catalogue, quoted: ANALYZE takes no parameters.
    await prisma.$executeRawUnsafe(`ANALYZE "${relname.replace(/"/g, '""')}"`);
  }
  return stale.map(({ relname }) => relname);
}
