import { createPrismaClient, type PrismaClient } from '@vela/db';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '@vela/errors';
import type { RecordInput } from '@vela/records';
import { seedRunWithTrials, setTrialState, useTestDatabase, type SeededRun } from '@vela/testing';
import { RecordService } from './record.service';

const record = (trialId: string, epoch: number, accuracy: number, extra: Partial<RecordInput> = {}): RecordInput => ({
  trialId,
  attempt: 1,
  epoch,
  trialState: 'RUNNING',
  desc: { backbone: { type: 'SimpleCnn', channels: 16 } },
  hyperparameters: { lr: 0.01 },
  performance: { accuracy, loss: 1 - accuracy },
  objectives: [
    { key: 'accuracy', goal: 'MAXIMIZE', value: accuracy },
    { key: 'flops', goal: 'MINIMIZE', value: 1 + epoch },
  ],
  flops: 0.04,
  params: 175,
  backend: 'wasm',
  threads: 1,
  device: 'cpu',
  ...extra,
});

describe('RecordService (real Postgres)', () => {
  const database = useTestDatabase();
  let prisma: PrismaClient;
  let service: RecordService;
  let run: SeededRun;

  beforeAll(async () => {
    prisma = createPrismaClient(database.url);
    service = new RecordService(prisma);
    run = await seedRunWithTrials(database.url, { trials: 6 });
  });
  afterAll(() => prisma.$disconnect());

  const count = async () => Number((await prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM records`)[0].n);

  it('writes a record and reads it back with run, step and trial number filled in', async () => {
    const stored = await service.updateRecord(record(run.trials[0].id, 1, 0.5));
    expect(stored).toMatchObject({ runId: run.runId, step: 'nas', trialNumber: 1, epoch: 1, params: 175, performance: { accuracy: 0.5 } });
    expect(await service.getRecord(run.trials[0].id, 1, 1)).toEqual(stored);
  });

  it('is idempotent per (trial, attempt, epoch): a rewrite replaces and gets a new seq', async () => {
    const first = await service.updateRecord(record(run.trials[1].id, 1, 0.6));
    const before = await count();
    const again = await service.updateRecord(record(run.trials[1].id, 1, 0.61));
    expect(await count()).toBe(before);
    expect(again.seq).toBeGreaterThan(first.seq);
    expect((await service.getRecord(run.trials[1].id, 1, 1)).performance.accuracy).toBe(0.61);
  });

  it('refuses a record of an unknown trial, naming the field, and writes nothing', async () => {
    const before = await count();
    const attempt = service.updateRecord(record('00000000-0000-4000-8000-000000000000', 1, 0.5));
    await expect(attempt).rejects.toThrow(NotFoundError);
    await expect(attempt).rejects.toThrow(/record\.trial_id: trial '00000000-0000-4000-8000-000000000000' not found/);
    expect(await count()).toBe(before);
  });

  it('refuses a record from a stale attempt and writes nothing', async () => {
    const trial = run.trials[2];
    await setTrialState(database.url, [trial.id], 'RUNNING', 2);
    const before = await count();
    await expect(service.updateRecord(record(trial.id, 1, 0.5))).rejects.toThrow(FailedPreconditionError);
    await expect(service.updateRecord(record(trial.id, 1, 0.5))).rejects.toThrow(/record\.attempt: attempt 1 .* is stale \(the trial is on attempt 2\)/);
    expect(await count()).toBe(before);
    await expect(service.updateRecord(record(trial.id, 1, 0.5, { attempt: 2 }))).resolves.toMatchObject({ attempt: 2 });
  });

  it('refuses NaN and missing objectives and writes nothing', async () => {
    const before = await count();
    await expect(service.updateRecord(record(run.trials[3].id, 1, NaN))).rejects.toThrow('record.objectives[0].value: must be a finite number, got NaN');
    const missing = { ...record(run.trials[3].id, 1, 0.5), objectives: [{ key: 'accuracy', goal: 'MAXIMIZE' } as never] };
    await expect(service.updateRecord(missing)).rejects.toThrow('record.objectives[0].value: is missing');
    expect(await count()).toBe(before);
  });

  it('writes a batch in one call, in order, answering each record alone: refused ones write nothing and stop nothing', async () => {
    const [fresh, stale] = [run.trials[5], run.trials[2]]; // trials[2] is on attempt 2 (above)
    const before = await count();
    const answers = await service.updateRecords([
      record(fresh.id, 1, 0.41),
      record(stale.id, 7, 0.5),
      record('00000000-0000-4000-8000-000000000001', 1, 0.5),
      record(fresh.id, 2, NaN),
      record(fresh.id, 2, 0.42),
      record(fresh.id, 1, 0.43),
    ]);
    expect(answers[1]).toBeInstanceOf(FailedPreconditionError);
    expect((answers[1] as Error).message).toMatch(/record\.attempt: attempt 1 .* is stale \(the trial is on attempt 2\)/);
    expect(answers[2]).toBeInstanceOf(NotFoundError);
    expect(answers[3]).toBeInstanceOf(InvalidArgumentError);
    expect((answers[3] as Error).message).toBe('record.objectives[0].value: must be a finite number, got NaN');
    // Two writes of one key leave the later; both are answered with it.
    expect(answers[0]).toEqual(answers[5]);
    expect(answers[5]).toMatchObject({ trialNumber: fresh.number, epoch: 1, performance: { accuracy: 0.43 } });
    expect(answers[4]).toMatchObject({ epoch: 2, performance: { accuracy: 0.42 } });
    expect(await count()).toBe(before + 2);
    expect((await service.getRecord(fresh.id, 1, 1)).performance.accuracy).toBe(0.43);
    await expect(service.getRecord(stale.id, 1, 7)).rejects.toThrow(NotFoundError);
  });

  it('reads the newest attempt and epoch when they are not given', async () => {
    const trial = run.trials[4];
    for (const epoch of [1, 2, 3]) await service.updateRecord(record(trial.id, epoch, 0.3 + epoch / 10));
    expect(await service.getRecord(trial.id)).toMatchObject({ attempt: 1, epoch: 3 });
    await expect(service.getRecord(trial.id, 1, 9)).rejects.toThrow(NotFoundError);
  });

  describe('listRecords', () => {
    it('pages in seq order with tokens bound to the filter', async () => {
      const all = await service.listRecords({ runId: run.runId }, { pageSize: 1000 });
      expect(all.totalSize).toBe(all.records.length);
      const seen: number[] = [];
      let token: string | undefined;
      do {
        const page = await service.listRecords({ runId: run.runId }, { pageSize: 2, pageToken: token });
        seen.push(...page.records.map((r) => r.seq));
        token = page.nextPageToken;
      } while (token);
      expect(seen).toEqual(all.records.map((r) => r.seq));
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
    });

    it('refuses a page token never issued, or reused with another filter', async () => {
      await expect(service.listRecords({ runId: run.runId }, { pageToken: 'forged' })).rejects.toThrow(InvalidArgumentError);
      await expect(service.listRecords({ runId: run.runId }, { pageToken: 'forged' })).rejects.toThrow(/^page_token: /);
      const first = await service.listRecords({ runId: run.runId }, { pageSize: 1 });
      await expect(service.listRecords({ runId: run.runId, step: 'other' }, { pageSize: 1, pageToken: first.nextPageToken })).rejects.toThrow(
        /page_token: was issued for a request with different arguments/,
      );
      await expect(service.listRecords({}, { pageSize: -1 })).rejects.toThrow(/^page_size: /);
    });

    it('filters by trial and state, orders by trial or objective', async () => {
      const trial = run.trials[4];
      const byTrial = await service.listRecords({ trialId: trial.id });
      expect(byTrial.records.map((r) => r.epoch)).toEqual([1, 2, 3]);
      expect((await service.listRecords({ runId: run.runId, trialStates: ['SUCCEEDED'] })).totalSize).toBe(0);
      const best = await service.listRecords({ runId: run.runId }, { order: { by: 'objective', key: 'accuracy', goal: 'MAXIMIZE' }, pageSize: 1 });
      expect(best.records[0].performance.accuracy).toBeCloseTo(0.61);
      const ordered = await service.listRecords({ runId: run.runId }, { order: { by: 'trial' } });
      const numbers = ordered.records.map((r) => r.trialNumber);
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    });
  });

  describe('paretoFront', () => {
    it('uses each SUCCEEDED trial’s result: the last epoch of its current attempt', async () => {
      const seeded = await seedRunWithTrials(database.url, { trials: 4, step: 'hpo' });
      const [a, b, c, d] = seeded.trials;
      // (accuracy, flops) results: a=(0.9, 3) b=(0.8, 1) c=(0.7, 2) dominated by b; d failed.
      await service.updateRecord(record(a.id, 1, 0.5, { objectives: [{ key: 'accuracy', goal: 'MAXIMIZE', value: 0.95 }, { key: 'flops', goal: 'MINIMIZE', value: 0.5 }] }));
      await service.updateRecord(record(a.id, 2, 0.9, { objectives: [{ key: 'accuracy', goal: 'MAXIMIZE', value: 0.9 }, { key: 'flops', goal: 'MINIMIZE', value: 3 }] }));
      await service.updateRecord(record(b.id, 1, 0.8, { objectives: [{ key: 'accuracy', goal: 'MAXIMIZE', value: 0.8 }, { key: 'flops', goal: 'MINIMIZE', value: 1 }] }));
      await service.updateRecord(record(c.id, 1, 0.7, { objectives: [{ key: 'accuracy', goal: 'MAXIMIZE', value: 0.7 }, { key: 'flops', goal: 'MINIMIZE', value: 2 }] }));
      await service.updateRecord(record(d.id, 1, 0.99, { objectives: [{ key: 'accuracy', goal: 'MAXIMIZE', value: 0.99 }, { key: 'flops', goal: 'MINIMIZE', value: 0.1 }] }));
      await setTrialState(database.url, [a.id, b.id, c.id], 'SUCCEEDED');
      await setTrialState(database.url, [d.id], 'FAILED');
      const objectives = [
        { key: 'accuracy', goal: 'MAXIMIZE' as const },
        { key: 'flops', goal: 'MINIMIZE' as const },
      ];
      const front = await service.paretoFront({ runId: seeded.runId, step: 'hpo', objectives });
      expect(front.map((m) => [m.record.trialNumber, m.values])).toEqual([
        [1, [0.9, 3]],
        [2, [0.8, 1]],
      ]);
      const three = await service.paretoFront({ runId: seeded.runId, step: 'hpo', objectives, count: 3 });
      expect(three.map((m) => [m.record.trialNumber, m.rank])).toEqual([
        [1, 0],
        [2, 0],
        [3, 1],
      ]);
      const single = await service.paretoFront({ runId: seeded.runId, objectives: [{ key: 'accuracy', goal: 'MAXIMIZE' }] });
      expect(single.map((m) => m.record.trialNumber)).toEqual([1]);
      const results = await service.listRecords({ runId: seeded.runId, resultsOnly: true });
      expect(results.records.map((r) => [r.trialNumber, r.epoch])).toEqual(expect.arrayContaining([[1, 2], [2, 1], [3, 1]]));
      expect(results.totalSize).toBe(3);
    });

    it('refuses an empty objective list, naming the field', async () => {
      await expect(service.paretoFront({ runId: run.runId, objectives: [] })).rejects.toThrow('objectives: at least one objective is needed');
    });
  });
});
