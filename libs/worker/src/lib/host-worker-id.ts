import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A default worker id this process holds on its host until it releases it. */
export interface ClaimedWorkerId {
  readonly id: string;
  release(): void;
}

/** More workers than this on one host without ids of their own is a mistake, not a fleet. */
const MAX_WORKERS_PER_HOST = 64;

/** Whether a process with this pid runs on this host (signal 0 only checks). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims the default id of a worker without VELA_WORKER_ID: `base` (the host name) for the
 * first worker running on the host, `<base>-2`, `<base>-3`, ... for the others at the same
 * time. Two workers under one id would each take the other's leases as their own; a worker
 * that restarts finds its id free again (the pid file of a process that is gone is taken
 * over), so it keeps getting its own trials back.
 *
 * Each claim is a pid file in `directory` (the host's temporary folder, which a container has
 * its own of, as it has its own host name), created whole: written aside and hard-linked into
 * place, which fails if the file exists, so no claimant ever reads another's file empty.
 */
export function claimHostWorkerId(
  base: string,
  directory = join(tmpdir(), 'vela-worker-ids'),
  pid = process.pid,
  alive: (pid: number) => boolean = processAlive,
): ClaimedWorkerId {
  mkdirSync(directory, { recursive: true });
  for (let n = 1; n <= MAX_WORKERS_PER_HOST; n++) {
    const id = n === 1 ? base : `${base}-${n}`;
    const file = join(directory, `${id}.pid`);
    // Tries again after a takeover, or when the file went away between the failed create and
    // the read (its holder released it): another claimant may win it meanwhile.
    for (let attempt = 0; attempt < 3; attempt++) {
      if (createWhole(file, String(pid))) return { id, release: () => removeIfHolds(file, String(pid)) };
      const holder = readHolder(file);
      if (holder === undefined) continue;
      if (holder === String(pid)) return { id, release: () => removeIfHolds(file, holder) };
      if (holdsAlive(holder, alive)) break;
      takeOver(file, holder, pid, alive);
    }
  }
  throw new Error(`more than ${MAX_WORKERS_PER_HOST} workers run on this host without VELA_WORKER_ID (pid files in ${directory}); give each its own id`);
}

function holdsAlive(holder: string, alive: (pid: number) => boolean): boolean {
  const holderPid = Number(holder);
  return Number.isInteger(holderPid) && holderPid > 0 && alive(holderPid);
}

/**
 * Removes `file` if it still names the dead `holder`, under `<file>.lock` (created whole, like
 * a claim): the check and the removal are then one step for every claimant taking it over, so
 * none removes a claim another created meanwhile. Creating needs no lock: it fails while the
 * file exists. A lock held by a live claimant is left be (the caller tries again, then moves
 * on); one whose holder is gone is removed first. That removal is unguarded, which matters only
 * if a claimant died inside its takeover and two others came for the same file at once; a lock
 * whose dead holder's pid a new process got is never removed, and that id is not reused.
 */
function takeOver(file: string, holder: string, pid: number, alive: (pid: number) => boolean): void {
  const lock = `${file}.lock`;
  if (!lockFor(lock, String(pid), alive)) return;
  try {
    removeIfHolds(file, holder);
  } finally {
    removeIfHolds(lock, String(pid));
  }
}

/** Creates `lock` for `me`; false while a live claimant holds it. */
function lockFor(lock: string, me: string, alive: (pid: number) => boolean): boolean {
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createWhole(lock, me)) return true;
    const locker = readHolder(lock);
    // Released between the failed create and the read: create it again.
    if (locker === undefined) continue;
    if (holdsAlive(locker, alive)) return false;
    removeIfHolds(lock, locker);
  }
  return false;
}

/** Creates `file` holding `text`, unless it exists (false). */
function createWhole(file: string, text: string): boolean {
  const aside = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(aside, text);
  try {
    linkSync(aside, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    unlinkSync(aside);
  }
}

/** What `file` holds, trimmed; undefined when there is no such file. */
function readHolder(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Removes `file` if it is there and still holds `text`: a claimant that took it over meanwhile keeps it. */
function removeIfHolds(file: string, text: string): void {
  if (readHolder(file) !== text) return;
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
