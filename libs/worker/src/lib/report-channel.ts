import { createHash, randomUUID } from 'node:crypto';
import {
  ArtifactKind,
  ListRecordsRequest,
  RecordOrder,
  ReportServiceService,
  TrialState,
  UploadArtifactRequest,
  type Record as RecordProto,
  type ReportServiceServer,
} from '@vela/contracts';
import { FailedPreconditionError, InvalidArgumentError, VelaError } from '@vela/errors';
import { createAsyncClient, type AsyncClient } from '@vela/grpc-server';
import type { ArtifactStore } from '@vela/trainer';
import { Backoff, callMessage, isFenced, isTransient, sleep, unauthenticated } from './calls';

const UPLOAD_CHUNK_BYTES = 1024 * 1024;
const CALL_TIMEOUT_MS = 30000;

export type ReportClient = AsyncClient<ReportServiceServer>;

export function reportClient(address: string, token?: string): ReportClient {
  return createAsyncClient<ReportServiceServer>(ReportServiceService, 'vela.v1.ReportService', address, token);
}

/** Where an attempt's artifacts belong. */
export interface ArtifactOwner {
  readonly runId: string;
  readonly trialId: string;
  readonly attempt: number;
}

type Operation = { readonly describe: string; readonly run: () => Promise<void> };

/**
 * One attempt's writes to Report, in order: epoch records and artifact uploads. Writes are
 * queued and sent by one background loop, so training never waits on Report: while Report is
 * unreachable they stay buffered and are retried with backoff (nothing is dropped), and the
 * attempt's end waits for `flush()`. A refusal ends the channel: FAILED_PRECONDITION (the
 * attempt was fenced by a newer one), a wrong token, or a refused record (each with Report's
 * message); later writes are dropped and `failure` says why.
 *
 * With `holdFinalRecord`, the attempt's final record (SUCCEEDED or FAILED: always its last)
 * is not sent but kept for `finalRecord()`: the worker's supervisor writes the final records
 * of several trials in one call, and completes each only once its record is stored.
 */
export class ReportChannel {
  /** Why the channel stopped sending, once it has. */
  failure?: VelaError;
  private readonly queue: Operation[] = [];
  private readonly artifactNames = new Map<string, string>();
  private readonly closed = new AbortController();
  private pumping?: Promise<void>;
  private readonly listeners: ((failure: VelaError) => void)[] = [];
  private held?: { record: RecordProto; checkpointKey?: string };
  /** Whether the last call failed as unreachable and the channel waits to retry. */
  private unreachable = false;

  constructor(
    private readonly client: ReportClient,
    private readonly log: (line: string) => void = () => undefined,
    private readonly options: { holdFinalRecord?: boolean } = {},
  ) {}

  /** Called once when the channel fails (to stop the training it serves). */
  onFailure(listener: (failure: VelaError) => void): void {
    this.listeners.push(listener);
  }

  /** Queues a record (or holds it, see the class comment); `checkpointKey` names an artifact queued before it, resolved when the record is sent. */
  writeRecord(record: RecordProto, checkpointKey?: string): void {
    if (this.held) {
      // A record after the held one: the held one was not the last after all, so it goes first.
      const earlier = this.held;
      this.held = undefined;
      this.send(earlier.record, earlier.checkpointKey);
    }
    const final = record.trialState === TrialState.TRIAL_STATE_SUCCEEDED || record.trialState === TrialState.TRIAL_STATE_FAILED;
    if (this.options.holdFinalRecord && final) this.held = { record, checkpointKey };
    else this.send(record, checkpointKey);
  }

  /** The held final record, its checkpoint resolved, once `flush()` went through; undefined when none was held or the channel failed. */
  finalRecord(): RecordProto | undefined {
    if (!this.held || this.failure || this.pending > 0) return undefined;
    const { record, checkpointKey } = this.held;
    return checkpointKey ? { ...record, checkpointArtifact: this.artifactNames.get(checkpointKey) ?? '' } : record;
  }

  private send(record: RecordProto, checkpointKey?: string): void {
    this.enqueue({
      describe: `record of epoch ${record.epoch}`,
      run: async () => {
        const checkpointArtifact = checkpointKey ? (this.artifactNames.get(checkpointKey) ?? '') : record.checkpointArtifact;
        await this.client.updateRecord({ record: { ...record, checkpointArtifact } }, { timeoutMs: CALL_TIMEOUT_MS });
      },
    });
  }

  /** Queues an upload of `bytes` (copied now) under `key`; its artifact name is `artifactName(key)` once sent. */
  upload(key: string, bytes: Uint8Array, owner: ArtifactOwner, kind: ArtifactKind): void {
    const copy = Buffer.from(bytes);
    const requestId = randomUUID();
    const fileName = key.split('/').pop() as string;
    const sha256 = createHash('sha256').update(copy).digest('hex');
    this.enqueue({
      describe: `upload of ${fileName}`,
      run: async () => {
        const requests: UploadArtifactRequest[] = [
          UploadArtifactRequest.fromPartial({ metadata: { artifact: { ...owner, kind, fileName, sizeBytes: copy.length, sha256 }, requestId } }),
        ];
        for (let at = 0; at < copy.length; at += UPLOAD_CHUNK_BYTES) requests.push(UploadArtifactRequest.fromPartial({ chunk: copy.subarray(at, at + UPLOAD_CHUNK_BYTES) }));
        const { artifact } = await this.client.uploadArtifact(requests, { timeoutMs: CALL_TIMEOUT_MS * 4 });
        if (artifact) this.artifactNames.set(key, artifact.name);
      },
    });
  }

  /** The name of the artifact last uploaded under `key`, once its upload went through. */
  artifactName(key: string): string | undefined {
    return this.artifactNames.get(key);
  }

  /** Downloads an artifact whole, checking its size and SHA-256; transient failures are retried. */
  async download(name: string): Promise<Uint8Array> {
    return this.retrying(`download of ${name}`, async () => {
      const chunks: Buffer[] = [];
      let expected: { size: number; sha256: string } | undefined;
      for await (const message of this.client.downloadArtifact({ name }, { timeoutMs: CALL_TIMEOUT_MS * 4 })) {
        if (message.metadata) expected = { size: message.metadata.sizeBytes, sha256: message.metadata.sha256 };
        if (message.chunk) chunks.push(message.chunk);
      }
      const bytes = Buffer.concat(chunks);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      if (!expected || bytes.length !== expected.size || sha256 !== expected.sha256) {
        throw new InvalidArgumentError(`received ${bytes.length} bytes hashing to ${sha256}, expected ${expected?.size} bytes hashing to ${expected?.sha256}`, name);
      }
      return new Uint8Array(bytes);
    });
  }

  /**
   * The checkpoint of the newest record (latest attempt up to `upToAttempt`, then latest
   * epoch) that has one, or undefined: every page of the trial's records is read, since a
   * long trial's first attempt alone may fill a page.
   */
  async latestCheckpoint(trialId: string, upToAttempt: number): Promise<string | undefined> {
    return this.retrying(`records of trial ${trialId}`, async () => {
      let newest: { attempt: number; epoch: number; checkpoint: string } | undefined;
      let pageToken = '';
      try {
        do {
          const page = await this.client.listRecords(ListRecordsRequest.fromPartial({ filter: { trialId }, pageSize: 1000, pageToken, order: RecordOrder.RECORD_ORDER_TRIAL }), {
            timeoutMs: CALL_TIMEOUT_MS,
          });
          for (const record of page.records) {
            if (!record.checkpointArtifact || record.attempt > upToAttempt) continue;
            if (!newest || record.attempt > newest.attempt || (record.attempt === newest.attempt && record.epoch > newest.epoch)) {
              newest = { attempt: record.attempt, epoch: record.epoch, checkpoint: record.checkpointArtifact };
            }
          }
          pageToken = page.nextPageToken;
        } while (pageToken);
      } catch (error) {
        if (isFenced(error)) return undefined;
        throw error;
      }
      return newest?.checkpoint;
    });
  }

  /**
   * Resolves once the writes queued so far went through, or after `timeoutMs`; at once while
   * Report is unreachable (training goes on, the writes stay buffered). A training process
   * pauses here after each epoch: while it trains, its event loop turns once per step, and an
   * upload takes a turn per HTTP/2 flow-control window (64 KiB) Report grants. A checkpoint of
   * 2.5 MB then took 7–8 s of training to upload, and the epoch's record queued behind it
   * reached Report that late, so the master's early-stopping rule acted epochs late or never.
   */
  async settle(timeoutMs: number): Promise<void> {
    const pumping = this.pumping;
    if (!pumping || this.unreachable) return;
    const timer = new AbortController();
    await Promise.race([pumping, sleep(timeoutMs, timer.signal)]);
    timer.abort();
  }

  /** Resolves when every queued write went through; rejects with `failure` if the channel failed. */
  async flush(): Promise<void> {
    while (this.pumping) await this.pumping;
    if (this.failure) throw this.failure;
  }

  /** Writes still queued (not yet accepted by Report). */
  get pending(): number {
    return this.queue.length;
  }

  /** Stops retrying; queued writes are dropped (they are counted in `pending`). */
  close(): void {
    // A reason of its own: without one, abort() builds a DOMException and its stack trace, once per trial.
    this.closed.abort('closed');
  }

  private enqueue(operation: Operation): void {
    if (this.failure || this.closed.signal.aborted) return;
    this.queue.push(operation);
    this.pumping ??= this.pump().finally(() => (this.pumping = undefined));
  }

  private async pump(): Promise<void> {
    while (this.queue.length && !this.failure && !this.closed.signal.aborted) {
      const operation = this.queue[0];
      try {
        await this.retrying(operation.describe, operation.run);
        this.queue.shift();
      } catch (error) {
        if (this.closed.signal.aborted) return;
        this.fail(error instanceof VelaError ? error : new InvalidArgumentError(callMessage(error), operation.describe));
      }
    }
  }

  private fail(failure: VelaError): void {
    if (this.failure) return;
    this.failure = failure;
    this.queue.length = 0;
    for (const listener of this.listeners) listener(failure);
  }

  /** Runs `call` until it succeeds, retrying while Report is unreachable; a refusal becomes a VelaError. */
  private async retrying<T>(describe: string, call: () => Promise<T>): Promise<T> {
    const backoff = new Backoff();
    let reported = false;
    for (;;) {
      try {
        const result = await call();
        this.unreachable = false;
        if (reported) this.log(`report: ${describe} went through after Report came back`);
        return result;
      } catch (error) {
        const denied = unauthenticated(error, 'Report');
        if (denied) throw denied;
        if (isFenced(error)) throw new FailedPreconditionError(`Report refused the ${describe}: ${callMessage(error)}`);
        if (!isTransient(error)) throw new InvalidArgumentError(`Report refused the ${describe}: ${callMessage(error)}`);
        if (this.closed.signal.aborted) throw error;
        if (!reported) this.log(`report: ${describe} failed (${callMessage(error)}); buffering and retrying`);
        reported = true;
        this.unreachable = true;
        await sleep(backoff.next(), this.closed.signal);
      }
    }
  }
}

/**
 * The trainer's ArtifactStore over Report's artifact RPCs, for one attempt. `checkpoint.vela`
 * (`uploadKey`) is uploaded after every epoch (a CHECKPOINT artifact that the epoch's record
 * names), so a retry, a promotion or a PBT child resumes from it on any host; a key in
 * `remote` (the trial's own checkpoint to resume from, a PBT parent's checkpoint to start
 * from) is downloaded from its `artifacts/{id}` the first time the trainer asks for it. Other
 * keys (best weights, performance.json) stay in memory for the attempt: the records carry the
 * performance and the checkpoints carry the weights. Puts return once queued (see
 * ReportChannel), and a `get` after a `put` reads the bytes put.
 */
export class ReportArtifactStore implements ArtifactStore {
  private readonly local = new Map<string, Uint8Array>();

  constructor(
    private readonly channel: ReportChannel,
    private readonly owner: ArtifactOwner,
    private readonly uploadKey: string,
    private readonly remote: ReadonlyMap<string, string>,
  ) {}

  async put(key: string, bytes: Uint8Array): Promise<void> {
    this.local.set(key, bytes.slice());
    if (key === this.uploadKey) this.channel.upload(key, bytes, this.owner, ArtifactKind.ARTIFACT_KIND_CHECKPOINT);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const held = this.local.get(key);
    if (held) return held.slice();
    const name = this.remote.get(key);
    if (!name) return undefined;
    const bytes = await this.channel.download(name);
    this.local.set(key, bytes);
    return bytes.slice();
  }
}
