import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

export interface PrismaClientOptions {
  /** Size of the connection pool. Default 10 (pg's default). */
  maxConnections?: number;
}

/**
 * How many distinct statements a process prepares by name. Ours are a few dozen shapes; a
 * query whose text grows with its arguments (`IN ($1, ..., $n)`) past this stays unnamed, so
 * neither this map nor a connection's prepared statements grow without bound.
 */
const NAMED_STATEMENTS = 512;

/**
 * Names each distinct SQL text once, so `pg` prepares it once per connection and Postgres
 * plans it from its cache: the queue's statements take as long to plan as to run.
 */
export function statementNamer(limit = NAMED_STATEMENTS): (query: { sql: string }) => string | undefined {
  const names = new Map<string, string>();
  return ({ sql }) => {
    let name = names.get(sql);
    if (name === undefined && names.size < limit) {
      name = `vela_${names.size + 1}`;
      names.set(sql, name);
    }
    return name;
  };
}

/**
 * A Prisma client over `pg` (the Rust-free client with `@prisma/adapter-pg`), its statements
 * prepared by name (statementNamer). The caller owns it: `await client.$disconnect()` closes
 * its pool.
 */
export function createPrismaClient(url: string, options: PrismaClientOptions = {}): PrismaClient {
  // The adapter's type wants a name for every statement; pg runs one without a name unprepared.
  const adapter = new PrismaPg({ connectionString: url, max: options.maxConnections ?? 10 }, { statementNameGenerator: statementNamer() as (query: { sql: string }) => string });
  return new PrismaClient({ adapter });
}
