import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import {
  ArtifactKind,
  ObjectiveGoal,
  RecordOrder,
  ReportServiceService,
  TrialState,
  ListRecordsRequest,
  Record as RecordProto,
  UploadArtifactRequest,
  type ReportServiceServer,
} from '@vela/contracts';
import { createAsyncClient, startServiceProcess, type AsyncClient, type ServiceProcess } from '@vela/grpc-server';
import { seedRunWithTrials, setTrialState, useTestDatabase, type SeededRun } from '@vela/testing';
import { Client } from 'pg';

// The Report service as users run it: separate processes on loopback, a real Postgres,
// real gRPC, the generated TypeScript client.
const TOKEN = 'e2e-token';

describe('Report service over gRPC', () => {
  const database = useTestDatabase();
  let artifactRoot: string;
  let first: ServiceProcess;
  let second: ServiceProcess;
  let client: AsyncClient<ReportServiceServer>;
  let other: AsyncClient<ReportServiceServer>;
  let run: SeededRun;

  beforeAll(async () => {
    artifactRoot = await mkdtemp(join(tmpdir(), 'vela-artifacts-'));
    const env = { DATABASE_URL: database.url, VELA_REPORT_PORT: '0', VELA_TOKEN: TOKEN, VELA_ARTIFACT_ROOT: artifactRoot };
    // Two replicas on one database: a watch on one sees writes through the other (LISTEN/NOTIFY).
    [first, second] = await Promise.all([
      startServiceProcess({ name: 'report', entry: 'apps/report/src/main.ts', env }),
      startServiceProcess({ name: 'report', entry: 'apps/report/src/main.ts', env }),
    ]);
    client = createAsyncClient(ReportServiceService, 'vela.v1.ReportService', first.address, TOKEN);
    other = createAsyncClient(ReportServiceService, 'vela.v1.ReportService', second.address, TOKEN);
    run = await seedRunWithTrials(database.url, { trials: 3 });
  }, 120000);

  afterAll(async () => {
    client?.close();
    other?.close();
    await Promise.all([first?.stop(), second?.stop()]);
    await rm(artifactRoot, { recursive: true, force: true });
  });

  const record = (trialId: string, epoch: number, accuracy: number, state = TrialState.TRIAL_STATE_RUNNING): RecordProto =>
    RecordProto.fromPartial({
      trialId,
      attempt: 1,
      epoch,
      trialState: state,
      desc: { modules: ['backbone'], backbone: { type: 'SimpleCnn', channels: [16, 32] } },
      hyperparameters: { trainer: { optimizer: { type: 'SGD', params: { lr: 0.1 } } } },
      performance: { accuracy },
      objectives: [
        { key: 'accuracy', goal: ObjectiveGoal.OBJECTIVE_GOAL_MAXIMIZE, value: accuracy },
        { key: 'params', goal: ObjectiveGoal.OBJECTIVE_GOAL_MINIMIZE, value: 100 * accuracy },
      ],
      flops: 0.04,
      params: 12.5,
      backend: 'wasm',
      threads: 1,
      device: 'cpu',
      trainDuration: { seconds: 3, nanos: 500_000_000 },
    });

  const countRows = async (table: 'records' | 'artifacts') => {
    const pg = new Client({ connectionString: database.url });
    await pg.connect();
    try {
      return Number((await pg.query(`SELECT count(*) FROM ${table}`)).rows[0].count);
    } finally {
      await pg.end();
    }
  };

  it('writes records idempotently and lists them paged', async () => {
    const { record: stored } = await client.updateRecord({ record: record(run.trials[0].id, 1, 0.7) });
    expect(stored).toMatchObject({ runId: run.runId, stepId: 'nas', trialNumber: 1, epoch: 1, trainDuration: { seconds: 3, nanos: 500_000_000 } });
    expect(stored?.desc).toEqual({ modules: ['backbone'], backbone: { type: 'SimpleCnn', channels: [16, 32] } });
    await client.updateRecord({ record: record(run.trials[0].id, 1, 0.7) });
    await client.updateRecord({ record: record(run.trials[0].id, 2, 0.8) });
    const page = await client.listRecords(ListRecordsRequest.fromPartial({ filter: { runId: run.runId }, pageSize: 1, order: RecordOrder.RECORD_ORDER_TRIAL }));
    expect(page.totalSize).toBe(2);
    expect(page.records.map((r) => r.epoch)).toEqual([1]);
    const next = await client.listRecords(ListRecordsRequest.fromPartial({ filter: { runId: run.runId }, pageSize: 1, pageToken: page.nextPageToken, order: RecordOrder.RECORD_ORDER_TRIAL }));
    expect(next.records.map((r) => r.epoch)).toEqual([2]);
    expect(next.nextPageToken).toBe('');
  });

  it('answers bad input with a status whose message names the field, writing nothing', async () => {
    const before = await countRows('records');
    await expect(client.updateRecord({ record: record('5f0c6a57-8f0e-4b4e-9d7e-1a3c2b4d5e6f', 1, 0.5) })).rejects.toMatchObject({
      code: status.NOT_FOUND,
      details: expect.stringContaining('record.trial_id'),
    });
    await setTrialState(database.url, [run.trials[2].id], 'RUNNING', 2);
    await expect(client.updateRecord({ record: record(run.trials[2].id, 1, 0.5) })).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: expect.stringContaining('record.attempt: attempt 1'),
    });
    await expect(client.updateRecord({ record: record(run.trials[1].id, 1, NaN) })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'record.objectives[0].value: must be a finite number, got NaN',
    });
    await expect(client.updateRecord({ record: { ...record(run.trials[1].id, 1, 0.5), trialState: TrialState.TRIAL_STATE_UNSPECIFIED } })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('record.trial_state'),
    });
    await expect(client.listRecords(ListRecordsRequest.fromPartial({ pageSize: 10, pageToken: 'never-issued' }))).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^page_token: /),
    });
    await expect(client.paretoFront({ runId: run.runId, stepId: 'nas', objectives: [], count: undefined })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'objectives: at least one objective is needed',
    });
    expect(await countRows('records')).toBe(before);
  });

  it('refuses calls without the token', async () => {
    const anonymous = createAsyncClient<ReportServiceServer>(ReportServiceService, 'vela.v1.ReportService', first.address);
    await expect(anonymous.getRecord({ trialId: run.trials[0].id })).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    anonymous.close();
  });

  it('computes the pareto front over trial results', async () => {
    await client.updateRecord({ record: record(run.trials[1].id, 1, 0.6) });
    await setTrialState(database.url, [run.trials[0].id, run.trials[1].id], 'SUCCEEDED');
    const { points } = await client.paretoFront({
      runId: run.runId,
      stepId: 'nas',
      objectives: [
        { key: 'accuracy', goal: ObjectiveGoal.OBJECTIVE_GOAL_MAXIMIZE },
        { key: 'params', goal: ObjectiveGoal.OBJECTIVE_GOAL_MINIMIZE },
      ],
    });
    // Trial 1's result is its epoch 2 (0.8, 80); trial 2's is (0.6, 60): neither dominates.
    expect(points.map((p) => [p.record?.trialNumber, p.record?.epoch, p.rank])).toEqual([
      [1, 2, 0],
      [2, 1, 0],
    ]);
  });

  it('streams records written through another replica, resumable from a cursor', async () => {
    const controller = new AbortController();
    const seen: RecordProto[] = [];
    const latest = await client.listRecords(ListRecordsRequest.fromPartial({ pageSize: 1000 }));
    const cursor = Math.max(...latest.records.map((r) => r.seq));
    const watching = (async () => {
      for await (const message of client.watchRecords({ runId: run.runId, stepId: '', trialId: '', afterSeq: cursor }, { signal: controller.signal })) {
        seen.push(message.record!);
        if (seen.length === 2) controller.abort();
      }
    })().catch((error: { code?: number }) => {
      if (error.code !== status.CANCELLED) throw error;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await other.updateRecord({ record: record(run.trials[1].id, 2, 0.65) });
    await other.updateRecord({ record: record(run.trials[1].id, 3, 0.66) });
    await watching;
    expect(seen.map((r) => r.epoch)).toEqual([2, 3]);
    // Resuming after the first one replays only the second.
    const resumed: number[] = [];
    for await (const message of client.watchRecords({ runId: run.runId, stepId: '', trialId: '', afterSeq: seen[0].seq }, { signal: AbortSignal.timeout(1500) })) {
      resumed.push(message.record!.epoch);
      if (resumed.length === 1) break;
    }
    expect(resumed).toEqual([3]);
  });

  it('round-trips an artifact in chunks and refuses a checksum mismatch', async () => {
    const content = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    content.write('checkpoint', 0);
    const sha256 = createHash('sha256').update(content).digest('hex');
    const chunks = [content.subarray(0, 1 << 20), content.subarray(1 << 20, 2 << 20), content.subarray(2 << 20)];
    const meta = { runId: run.runId, trialId: run.trials[0].id, attempt: 1, kind: ArtifactKind.ARTIFACT_KIND_CHECKPOINT, fileName: 'epoch-2.ckpt', sizeBytes: content.length, sha256 };
    const upload = (requestId: string, parts: Buffer[]) => [
      UploadArtifactRequest.fromPartial({ metadata: { artifact: meta, requestId } }),
      ...parts.map((chunk) => UploadArtifactRequest.fromPartial({ chunk })),
    ];
    const { artifact } = await client.uploadArtifact(upload('upload-1', chunks));
    expect(artifact).toMatchObject({ sizeBytes: content.length, sha256, complete: true, name: `artifacts/${artifact?.id}` });
    // A retry with the same request id returns the same artifact.
    const retry = await other.uploadArtifact(upload('upload-1', chunks));
    expect(retry.artifact?.id).toBe(artifact?.id);

    const received: Buffer[] = [];
    let metadata;
    for await (const message of other.downloadArtifact({ name: artifact!.name })) {
      if (message.metadata) metadata = message.metadata;
      if (message.chunk) received.push(message.chunk);
    }
    expect(metadata).toMatchObject({ id: artifact?.id, sha256 });
    expect(Buffer.concat(received).equals(content)).toBe(true);

    const artifactsBefore = await countRows('artifacts');
    const filesBefore = await readdir(join(artifactRoot, run.runId));
    const tampered = Buffer.from(content);
    tampered[5] ^= 1;
    await expect(client.uploadArtifact(upload('', [tampered]))).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringMatching(/^artifact\.sha256: checksum mismatch/),
    });
    expect(await countRows('artifacts')).toBe(artifactsBefore);
    expect(await readdir(join(artifactRoot, run.runId))).toEqual(filesBefore);
    await expect(client.getArtifact({ name: 'artifacts/00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: status.NOT_FOUND });
  });
});
