// Prisma 7 reads its settings here. The URL is only needed by `prisma migrate` and
// `prisma studio`; `prisma generate` runs without one, so a missing DATABASE_URL is not an
// error here (the services pick their database through @vela/db's openDatabase()).
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
