import { createPrismaClient, type PrismaClient } from '@vela/db';
import { seedRunWithTrials, useTestDatabase } from '@vela/testing';
import { PipelineEvents } from './pipeline-events';
import { TrialQueueService } from './trial-queue.service';

// An acquire looks at a window of the queue's first candidates. Trials the asking worker
// cannot hold (GPUs it lacks, labels it has not) must not fill that window, however many
// there are, while another run's trials that it can hold wait behind them.
describe('the acquire window (real Postgres)', () => {
  const database = useTestDatabase();
  let prisma: PrismaClient;
  let events: PipelineEvents;
  let queue: TrialQueueService;

  beforeAll(async () => {
    prisma = createPrismaClient(database.url);
    events = await PipelineEvents.connect(database.url);
    queue = new TrialQueueService(prisma, events, { leaseSeconds: 60, heartbeatSeconds: 10 });
  });
  afterAll(async () => {
    await events?.close();
    await prisma?.$disconnect();
  });

  it('passes over any number of trials the worker cannot hold to one it can', async () => {
    const gpuRun = await seedRunWithTrials(database.url, { trials: 100, state: 'PENDING', step: 'gpu' });
    const labelledRun = await seedRunWithTrials(database.url, { trials: 100, state: 'PENDING', step: 'labelled' });
    const cpuRun = await seedRunWithTrials(database.url, { trials: 1, state: 'PENDING', step: 'cpu' });
    await prisma.run.updateMany({ data: { state: 'RUNNING' } });
    await prisma.trial.updateMany({ where: { runId: gpuRun.runId }, data: { gpus: 1 } });
    await prisma.trial.updateMany({ where: { runId: labelledRun.runId }, data: { labels: { zone: 'b' } } });
    await prisma.worker.create({ data: { id: 'cpu-only', hostname: 'test', gpus: 0, cpuSlots: 1, memoryBytes: 0n, labels: {}, backend: 'wasm', device: 'cpu' } });

    const leased = await queue.acquire('cpu-only', { gpus: 0, cpuSlots: 1, memoryBytes: 0, labels: {} }, 1, 0);
    expect(leased.map(({ trial }) => trial.runId)).toEqual([cpuRun.runId]);
  });
});
