import { createPrismaClient, type PrismaClient } from '@vela/db';
import type { RecordInput } from '@vela/records';
import { explainPlan, planNodes, seedRunWithTrials, useTestDatabase, type SeededRun } from '@vela/testing';
import { RecordService, recordWriteRow, recordWriteSql } from './record.service';

const finalRecord = (trialId: string): RecordInput => ({
  trialId,
  attempt: 1,
  epoch: 1,
  trialState: 'SUCCEEDED',
  desc: {},
  hyperparameters: { lr: 0.1 },
  performance: { accuracy: 0.9 },
  objectives: [{ key: 'accuracy', goal: 'MAXIMIZE', value: 0.9 }],
});

// Every epoch of every trial is one write, so a write must not cost more as the runs grow:
// it reads its few trials through their primary key, never a scan of the trials table.
describe('a record write among thousands of trials (real Postgres)', () => {
  const database = useTestDatabase();
  let prisma: PrismaClient;
  let run: SeededRun;

  beforeAll(async () => {
    prisma = createPrismaClient(database.url);
    run = await seedRunWithTrials(database.url, { trials: 3000 });
    await prisma.$executeRaw`ANALYZE trials`;
  });
  afterAll(async () => {
    await prisma?.$disconnect();
  });

  const batchOf = (numbers: readonly number[]) => numbers.map((number, position) => recordWriteRow(position, finalRecord(run.trials[number - 1].id)));

  it.each([[[7]], [[3, 1500, 2999]]])('reads the trials of a batch of %j through trials_pkey', async (numbers) => {
    const nodes = planNodes(await explainPlan(prisma, recordWriteSql(batchOf(numbers))));
    expect(nodes.filter((node) => node['Relation Name'] === 'trials').map((node) => node['Node Type'])).not.toContain('Seq Scan');
    expect(nodes.map((node) => node['Index Name'])).toContain('trials_pkey');
  });

  it('writes each record of the batch to its own trial', async () => {
    const service = new RecordService(prisma);
    const written = await service.updateRecords([3, 1500, 2999].map((number) => finalRecord(run.trials[number - 1].id)));
    expect(written.map((record) => ('trialNumber' in record ? record.trialNumber : record.message))).toEqual([3, 1500, 2999]);
  });
});
