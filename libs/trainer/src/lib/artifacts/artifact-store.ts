import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InvalidArgumentError } from '@vela/errors';

/**
 * Where a trainer puts checkpoints, best weights and performance files: bytes by key. The
 * worker connects it to Report's artifact RPCs, so a trial resumes on any host; here there are
 * an in-memory and a folder implementation.
 *
 * Keys are relative slash-separated paths of `[A-Za-z0-9._-]` segments (no `..`), e.g.
 * `trials/42/checkpoint.vela`.
 *
 * Contract: `put` replaces the whole value atomically (a reader sees the old or the new
 * bytes, never a mix) and has completed when its promise resolves; `get` resolves undefined
 * for a key never put. The store keeps its own copy: callers may reuse their buffers.
 * Thread safety: one trainer writes a given key; concurrent writers to one key are
 * last-writer-wins.
 */
export interface ArtifactStore {
  put(key: string, bytes: Uint8Array): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
}

const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** Throws InvalidArgumentError unless `key` is a valid artifact key. */
export function checkArtifactKey(key: string): string {
  const segments = key.split('/');
  if (!key || segments.some((s) => !SEGMENT.test(s) || s === '.' || s === '..')) {
    throw new InvalidArgumentError(`'${key}' is not a relative path of [A-Za-z0-9._-] segments`, 'artifact key');
  }
  return key;
}

/** Joins key segments, skipping empty ones (an empty prefix). */
export function artifactKey(...parts: string[]): string {
  return checkArtifactKey(parts.filter(Boolean).join('/'));
}

/** Artifacts in a Map, for tests and single-process runs. */
export class InMemoryArtifactStore implements ArtifactStore {
  private readonly items = new Map<string, Uint8Array>();

  async put(key: string, bytes: Uint8Array): Promise<void> {
    this.items.set(checkArtifactKey(key), bytes.slice());
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.items.get(checkArtifactKey(key))?.slice();
  }

  /** The keys put so far, sorted. */
  keys(): string[] {
    return [...this.items.keys()].sort();
  }
}

/** Artifacts as files under `root` (a key is a relative path); writes go through a temporary file and a rename. */
export class FolderArtifactStore implements ArtifactStore {
  private sequence = 0;

  constructor(readonly root: string) {}

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const path = join(this.root, checkArtifactKey(key));
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.${this.sequence++}.tmp`;
    await writeFile(temporary, bytes);
    await rename(temporary, path);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(join(this.root, checkArtifactKey(key))));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}
