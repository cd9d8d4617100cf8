// Public surface of @vela/db: database selection (DATABASE_URL or embedded Postgres),
// the migrator, the Prisma client and LISTEN/NOTIFY.
export { openDatabase, ensureDatabase, withDatabase, createScratchDatabase, dropDatabase, EMBEDDED_DATABASE_NAME } from './lib/database';
export type { Database, OpenDatabaseOptions } from './lib/database';
export { startEmbeddedPostgres, defaultDataDir, dataDirInUse, freeLoopbackPort } from './lib/embedded-postgres';
export type { EmbeddedPostgres, EmbeddedPostgresOptions } from './lib/embedded-postgres';
export { migrate, loadMigrations, checksumMatches, DEFAULT_MIGRATIONS_DIR, MIGRATION_LOCK_KEY } from './lib/migrator';
export type { Migration, MigrateOptions, MigrateResult } from './lib/migrator';
export { createPrismaClient, queryRows } from './lib/client';
export type { PrismaClientOptions } from './lib/client';
export { PgNotifications } from './lib/notifications';
export { refreshStatistics } from './lib/statistics';
export type { NotificationHandler, NotificationsOptions } from './lib/notifications';
// The generated client: PrismaClient, the Prisma namespace, enums and model types.
export * from './generated/prisma/client';
