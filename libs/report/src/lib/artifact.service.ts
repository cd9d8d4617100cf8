import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { once } from 'node:events';
import { Inject, Injectable } from '@nestjs/common';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '@vela/errors';
import { PrismaClient } from '@vela/db';
import { ARTIFACT_KINDS, checkUuid, type ArtifactInfo, type ArtifactKindName, type ArtifactUpload } from '@vela/records';

/** The folder on the Report host that holds every artifact (DESIGN.md: `artifact_root`). */
export const ARTIFACT_ROOT = Symbol('ARTIFACT_ROOT');
export const DOWNLOAD_CHUNK_BYTES = 1024 * 1024;

/**
 * Checkpoints and weights in a folder store. An upload is streamed to a temporary file while
 * it is hashed; only when size and sha256 match the declared ones is it moved into place
 * and recorded, so a broken or tampered upload leaves nothing behind.
 */
@Injectable()
export class ArtifactService {
  constructor(
    private readonly prisma: PrismaClient,
    @Inject(ARTIFACT_ROOT) private readonly root: string,
  ) {}

  /**
   * Stores an upload. A retry with the same `requestId` returns the artifact stored the first
   * time (its bytes are not read again); the same id with other content is refused.
   */
  async upload(meta: ArtifactUpload, chunks: AsyncIterable<Uint8Array>): Promise<ArtifactInfo> {
    validateUpload(meta);
    const earlier = meta.requestId ? await this.prisma.artifact.findUnique({ where: { requestId: meta.requestId } }) : null;
    if (earlier) return sameUpload(toInfo(earlier), meta);
    const id = randomUUID();
    const storePath = join(meta.runId ?? 'unattached', `${id}-${meta.fileName}`);
    const temporary = join(this.root, '.incoming', id);
    await mkdir(dirname(temporary), { recursive: true });
    const hash = createHash('sha256');
    const file = createWriteStream(temporary);
    let received = 0;
    try {
      for await (const chunk of chunks) {
        received += chunk.byteLength;
        if (received > meta.size) throw new InvalidArgumentError(`upload is larger than the declared ${meta.size} bytes; nothing was stored`, 'artifact.size');
        hash.update(chunk);
        if (!file.write(chunk)) await once(file, 'drain');
      }
      file.end();
      await once(file, 'close');
      if (received !== meta.size) throw new InvalidArgumentError(`declared ${meta.size} bytes, received ${received}; nothing was stored`, 'artifact.size');
      const actual = hash.digest('hex');
      if (actual !== meta.sha256.toLowerCase()) {
        throw new InvalidArgumentError(`checksum mismatch: declared ${meta.sha256}, received content hashes to ${actual}; nothing was stored`, 'artifact.sha256');
      }
      await mkdir(dirname(join(this.root, storePath)), { recursive: true });
      await rename(temporary, join(this.root, storePath));
    } catch (error) {
      file.destroy();
      await rm(temporary, { force: true });
      throw error;
    }
    const row = await this.prisma.artifact
      .create({
      data: {
        id,
        runId: meta.runId ?? null,
        trialId: meta.trialId ?? null,
        attempt: meta.attempt ?? null,
        kind: meta.kind,
        fileName: meta.fileName,
        size: BigInt(meta.size),
        sha256: meta.sha256.toLowerCase(),
        storePath,
        complete: true,
        requestId: meta.requestId ?? null,
      },
    })
      .catch(async (error: unknown) => {
        // A concurrent retry of the same request stored it first: keep that one.
        await rm(join(this.root, storePath), { force: true });
        const winner = meta.requestId ? await this.prisma.artifact.findUnique({ where: { requestId: meta.requestId } }) : null;
        if (!winner) throw error;
        return winner;
      });
    return sameUpload(toInfo(row), meta);
  }

  async get(id: string): Promise<ArtifactInfo> {
    const artifactId = checkUuid(id, 'artifact_id');
    const row = await this.prisma.artifact.findUnique({ where: { id: artifactId } });
    if (!row || !row.complete) throw new NotFoundError(`artifact '${artifactId}' not found`);
    return toInfo(row);
  }

  /** The artifact's metadata and its content in chunks, read from the store as it is sent. */
  async download(id: string): Promise<{ info: ArtifactInfo; chunks: AsyncIterable<Buffer> }> {
    const info = await this.get(id);
    const path = join(this.root, info.storePath);
    await stat(path).catch(() => {
      throw new NotFoundError(`artifact '${info.id}' is recorded but its file ${info.storePath} is missing from the store`);
    });
    return { info, chunks: createReadStream(path, { highWaterMark: DOWNLOAD_CHUNK_BYTES }) };
  }
}

function sameUpload(stored: ArtifactInfo, meta: ArtifactUpload): ArtifactInfo {
  if (stored.sha256 !== meta.sha256.toLowerCase() || stored.size !== meta.size) {
    throw new AlreadyExistsError(`metadata.request_id: '${meta.requestId}' already stored artifact '${stored.id}' with other content (sha256 ${stored.sha256})`);
  }
  return stored;
}

function validateUpload(meta: ArtifactUpload): void {
  if (meta.runId) checkUuid(meta.runId, 'artifact.run_id');
  if (meta.trialId) checkUuid(meta.trialId, 'artifact.trial_id');
  if (!ARTIFACT_KINDS.includes(meta.kind)) throw new InvalidArgumentError(`must be one of ${ARTIFACT_KINDS.join(', ')}, got '${meta.kind}'`, 'artifact.kind');
  if (!meta.fileName || /[/\\]|^\.\.?$/.test(meta.fileName)) throw new InvalidArgumentError(`must be a plain file name, got '${meta.fileName}'`, 'artifact.file_name');
  if (!Number.isSafeInteger(meta.size) || meta.size < 0) throw new InvalidArgumentError(`must be a non-negative integer, got ${meta.size}`, 'artifact.size');
  if (!/^[0-9a-f]{64}$/i.test(meta.sha256 ?? '')) throw new InvalidArgumentError(`must be 64 hex digits (sha256), got '${meta.sha256}'`, 'artifact.sha256');
}

function toInfo(row: { id: string; runId: string | null; trialId: string | null; attempt: number | null; kind: string; fileName: string; size: bigint; sha256: string | null; storePath: string; createdAt: Date }): ArtifactInfo {
  return {
    id: row.id,
    runId: row.runId ?? undefined,
    trialId: row.trialId ?? undefined,
    attempt: row.attempt ?? undefined,
    kind: row.kind as ArtifactKindName,
    fileName: row.fileName,
    size: Number(row.size),
    sha256: row.sha256 ?? '',
    storePath: row.storePath,
    createdAt: row.createdAt,
  };
}
