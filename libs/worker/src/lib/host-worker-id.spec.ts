import { existsSync, mkdtempSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimHostWorkerId } from './host-worker-id';

describe('claimHostWorkerId', () => {
  const folder = () => mkdtempSync(join(tmpdir(), 'vela-worker-ids-'));
  const running = new Set<number>();
  const alive = (pid: number) => running.has(pid);
  beforeEach(() => running.clear());

  it('gives the first worker the host name and workers running beside it their own ids', () => {
    const dir = folder();
    running.add(101).add(102).add(103);
    expect(claimHostWorkerId('gpu-1', dir, 101, alive).id).toBe('gpu-1');
    expect(claimHostWorkerId('gpu-1', dir, 102, alive).id).toBe('gpu-1-2');
    expect(claimHostWorkerId('gpu-1', dir, 103, alive).id).toBe('gpu-1-3');
    expect(readFileSync(join(dir, 'gpu-1-2.pid'), 'utf8')).toBe('102');
  });

  it('gives a released id to the next worker, and a restarted worker its id back once its old process is gone', () => {
    const dir = folder();
    running.add(201).add(202);
    const first = claimHostWorkerId('host', dir, 201, alive);
    expect(claimHostWorkerId('host', dir, 202, alive).id).toBe('host-2');
    first.release();
    expect(existsSync(join(dir, 'host.pid'))).toBe(false);
    running.add(203);
    expect(claimHostWorkerId('host', dir, 203, alive).id).toBe('host');
    // 202 was killed without releasing: its restart (a new pid) takes the file over.
    running.delete(202);
    running.add(204);
    expect(claimHostWorkerId('host', dir, 204, alive).id).toBe('host-2');
    expect(readFileSync(join(dir, 'host-2.pid'), 'utf8')).toBe('204');
    expect(existsSync(join(dir, 'host-2.pid.lock'))).toBe(false);
  });

  it("leaves a dead holder's file to another claimant taking it over, and moves on to the next id", () => {
    const dir = folder();
    writeFileSync(join(dir, 'box.pid'), '999');
    // 401 is between its check that 999 is gone and its removal of 999's file.
    writeFileSync(join(dir, 'box.pid.lock'), '401');
    running.add(401).add(402);
    expect(claimHostWorkerId('box', dir, 402, alive).id).toBe('box-2');
    expect(readFileSync(join(dir, 'box.pid'), 'utf8')).toBe('999');
    expect(readFileSync(join(dir, 'box.pid.lock'), 'utf8')).toBe('401');
  });

  it('clears the takeover lock of a claimant that died holding it, and takes the file over', () => {
    const dir = folder();
    writeFileSync(join(dir, 'box.pid'), '999');
    writeFileSync(join(dir, 'box.pid.lock'), '998');
    running.add(403);
    expect(claimHostWorkerId('box', dir, 403, alive).id).toBe('box');
    expect(readFileSync(join(dir, 'box.pid'), 'utf8')).toBe('403');
    expect(existsSync(join(dir, 'box.pid.lock'))).toBe(false);
  });

  it('creates a file its holder released between the failed create and the read again, and takes nothing over', () => {
    // The module object host-worker-id.ts calls into (a namespace import would be a copy).
    const fs = jest.requireActual<typeof import('node:fs')>('node:fs');
    const dir = folder();
    const file = join(dir, 'box.pid');
    writeFileSync(file, '601');
    running.add(601).add(602);
    const read = fs.readFileSync;
    const reads = jest.spyOn(fs, 'readFileSync').mockImplementation(((path: import('node:fs').PathOrFileDescriptor, options?: unknown) => {
      if (path === file && running.has(601)) {
        // 601 releases its id just after 602 found the file there.
        running.delete(601);
        unlinkSync(file);
      }
      return read(path, options as BufferEncoding);
    }) as typeof readFileSync);
    const links = jest.spyOn(fs, 'linkSync');
    try {
      expect(claimHostWorkerId('box', dir, 602, alive).id).toBe('box');
      // No lock was taken: a file that is gone has no dead holder to take over from.
      expect(links.mock.calls.map(([, target]) => String(target))).not.toContain(`${file}.lock`);
    } finally {
      reads.mockRestore();
      links.mockRestore();
    }
  });

  it('takes over a file that names no process, and a release leaves a file another process took', () => {
    const dir = folder();
    writeFileSync(join(dir, 'box.pid'), 'garbage');
    running.add(301).add(302);
    const claimed = claimHostWorkerId('box', dir, 301, alive);
    expect(claimed.id).toBe('box');
    writeFileSync(join(dir, 'box.pid'), '302');
    claimed.release();
    expect(readFileSync(join(dir, 'box.pid'), 'utf8')).toBe('302');
  });

  it('refuses a 65th worker without an id of its own, naming VELA_WORKER_ID', () => {
    const dir = folder();
    for (let pid = 1000; pid < 1064; pid++) {
      running.add(pid);
      claimHostWorkerId('farm', dir, pid, alive);
    }
    running.add(1064);
    expect(() => claimHostWorkerId('farm', dir, 1064, alive)).toThrow(/more than 64 workers run on this host without VELA_WORKER_ID/);
  });

  it('checks pids with the operating system by default: this process is alive, so a second claim moves on', () => {
    const dir = folder();
    const mine = claimHostWorkerId('me', dir);
    // Another claimant (a made-up pid that no process has) sees this live process hold 'me'.
    expect(claimHostWorkerId('me', dir, 2 ** 22 + 12345).id).toBe('me-2');
    mine.release();
  });
});
