import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

export interface PrismaClientOptions {
  /** Size of the connection pool. Default 10 (pg's default). */
  maxConnections?: number;
}

/**
 * A Prisma client over `pg` (the Rust-free client with `@prisma/adapter-pg`). The caller
 * owns it: `await client.$disconnect()` closes its pool.
 */
export function createPrismaClient(url: string, options: PrismaClientOptions = {}): PrismaClient {
  const adapter = new PrismaPg({ connectionString: url, max: options.maxConnections ?? 10 });
  return new PrismaClient({ adapter });
}
