import { execFile } from 'node:child_process';
import { join } from 'node:path';

export const VELA = join(__dirname, '..', '..', 'scripts', 'vela.js');

export interface VelaResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The `vela` command as a user runs it: a real process, its output and exit code (async, so
 * several can run at once), from the repository's folder unless `cwd` names another.
 */
export function vela(args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<VelaResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [VELA, ...args], { encoding: 'utf8', timeout: 60000, cwd, env: { ...process.env, NO_COLOR: '1', ...env } }, (error, stdout, stderr) =>
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}
