import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { UnavailableError } from '@vela/errors';

const LISTENING = / listening on (\S+)\s*$/m;
const REPO_ROOT = resolve(__dirname, '../../../..');

export interface ServiceProcessOptions {
  /** A label for errors and logs, e.g. `report`. */
  readonly name: string;
  /** The TypeScript entry point, relative to the repository root (e.g. `apps/report/src/main.ts`). */
  readonly entry: string;
  readonly env?: NodeJS.ProcessEnv;
  /** How long to wait for the `listening on` line. Default 60 s. */
  readonly startTimeoutMs?: number;
  /** Receives the child's output lines (default: dropped, but kept for error messages). */
  readonly onOutput?: (line: string) => void;
  /** The child's working folder (default: the repository root); relative paths in configs resolve there. */
  readonly cwd?: string;
  /**
   * Its own process group, so a terminal's Ctrl-C (sent to the whole foreground group)
   * reaches only the parent, which then stops its children in order (`vela run` cancels the
   * run before the services stop).
   */
  readonly ownProcessGroup?: boolean;
}

export interface ServiceProcess {
  readonly name: string;
  readonly address: string;
  readonly child: ChildProcess;
  /** The last lines the process printed, for error messages. */
  outputTail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts a Vela service as a child process (TypeScript through @swc-node/register) and
 * waits until it prints `<name> listening on <address>` (see runUntilSignalled). Local mode
 * and the end-to-end tests start services this way, as separate processes.
 */
export async function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['-r', require.resolve('@swc-node/register'), resolve(REPO_ROOT, options.entry)], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.ownProcessGroup,
  });
  const tail: string[] = [];
  const remember = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      options.onOutput?.(line);
    }
  };
  child.stdout.on('data', remember);
  child.stderr.on('data', remember);
  const outputTail = () => tail.join('\n');
  const exited = once(child, 'exit').catch(() => undefined);

  const address = await new Promise<string>((resolveAddress, reject) => {
    const timer = setTimeout(() => fail(`did not report listening within ${options.startTimeoutMs ?? 60000} ms`), options.startTimeoutMs ?? 60000);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new UnavailableError(`${options.name} ${why}; its last output:\n${outputTail()}`));
    };
    const onData = (chunk: Buffer) => {
      const match = LISTENING.exec(chunk.toString());
      if (!match) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      resolveAddress(match[1]);
    };
    const onExit = (code: number | null, signal: string | null) => fail(`exited (${signal ?? `code ${code}`}) before listening`);
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });

  let stopping: Promise<void> | undefined;
  return {
    name: options.name,
    address,
    child,
    outputTail,
    stop: (graceMs = 10000) =>
      (stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      })()),
  };
}
