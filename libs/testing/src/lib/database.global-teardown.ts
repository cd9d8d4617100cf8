// Jest globalTeardown: stops the server database.global-setup.ts started (see there).
import type { EmbeddedPostgres } from '@vela/db';
import { TEST_SERVER_URL_ENV } from './database';
import { SERVER_GLOBAL } from './database.global-setup';

export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as Record<string, unknown>;
  const server = holder[SERVER_GLOBAL] as EmbeddedPostgres | undefined;
  if (!server) return;
  delete holder[SERVER_GLOBAL];
  delete process.env[TEST_SERVER_URL_ENV];
  await server.stop();
}
