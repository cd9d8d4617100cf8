import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// The `vela` command as a user runs it: a real process, its output and exit code.
const vela = (...args: string[]) =>
  spawnSync(process.execPath, [join(__dirname, '..', '..', '..', 'scripts', 'vela.js'), ...args], { encoding: 'utf8', timeout: 60000, env: { ...process.env, NO_COLOR: '1' } });

describe('vela', () => {
  it('documents its commands and exit codes in --help', () => {
    const result = vela('--help');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('run [options] [config]');
    expect(result.stdout).toContain('serve [options] <service>');
    expect(result.stdout).toContain('0 success, 1 the run or command failed, 2 usage or config error, 130 interrupted');
  });

  it('exits 2 with the known services on an unknown one', () => {
    const result = vela('serve', 'teleporter');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("unknown service 'teleporter'; choose one of: pipeline, generator, report, worker");
  });

  it('exits 2 on a port out of range, naming the setting', () => {
    const result = vela('serve', 'report', '--port', '70000');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("VELA_REPORT_PORT: must be a port number between 0 and 65535, got '70000'");
  });
});
