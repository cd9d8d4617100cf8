import { createPrismaClient, type PrismaClient } from '@vela/db';
import { seedRunWithTrials, useTestDatabase, type SeededRun } from '@vela/testing';
import { PipelineEvents, QUEUE_CHANNEL } from './pipeline-events';
import { subtractCapacity, whyItDoesNotFit, type Capacity } from './resources';
import { TrialQueueService } from './trial-queue.service';

// The acquire statement walks the queue in SQL; resources.ts states the same rules in
// TypeScript (GetRun's explanations use them). Random queues and free capacities on a real
// Postgres: the statement must lease exactly what the TypeScript greedy walk takes.
describe('TrialQueueService.acquire (real Postgres)', () => {
  const database = useTestDatabase();
  let prisma: PrismaClient;
  let events: PipelineEvents;
  let queue: TrialQueueService;
  let run: SeededRun;
  const GIB = 2 ** 30;
  const outcomes = { leased: 0, refusedSome: 0 };

  beforeAll(async () => {
    prisma = createPrismaClient(database.url);
    events = await PipelineEvents.connect(database.url);
    queue = new TrialQueueService(prisma, events, { leaseSeconds: 60, heartbeatSeconds: 10 });
    run = await seedRunWithTrials(database.url, { trials: 8, state: 'PENDING' });
    await prisma.run.update({ where: { id: run.runId }, data: { state: 'RUNNING' } });
    await prisma.worker.create({ data: { id: 'walker', hostname: 'test', gpus: 2, cpuSlots: 3, memoryBytes: BigInt(4 * GIB), labels: { zone: 'a' }, backend: 'wasm', device: 'cpu' } });
  });
  afterAll(async () => {
    await events?.close();
    await prisma?.$disconnect();
  });

  /** A small deterministic generator, so a failure names a reproducible case. */
  const random = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(next: () => number, options: readonly T[]) => options[Math.floor(next() * options.length)];

  it.each(Array.from({ length: 30 }, (_, seed) => seed))('leases what the greedy walk of resources.ts takes (case %i)', async (seed) => {
    const next = random(seed + 1);
    const requests: Capacity[] = run.trials.map(() => ({
      gpus: pick(next, [0, 0, 0, 1, 2]),
      cpuSlots: pick(next, [1, 1, 2]),
      memoryBytes: pick(next, [0, 0, GIB, 3 * GIB]),
      labels: pick<Record<string, string>>(next, [{}, {}, { zone: 'a' }, { zone: 'b' }]),
    }));
    const free: Capacity = { gpus: pick(next, [0, 1, 2]), cpuSlots: pick(next, [0, 1, 2, 3]), memoryBytes: pick(next, [0, 2 * GIB, 4 * GIB]), labels: pick<Record<string, string>>(next, [{}, { zone: 'a' }]) };
    const maxTrials = pick(next, [1, 2, 4]);
    await prisma.attempt.deleteMany({ where: { trialId: { in: run.trials.map((t) => t.id) } } });
    for (const [index, trial] of run.trials.entries()) {
      const { gpus, cpuSlots, memoryBytes, labels } = requests[index];
      await prisma.trial.update({ where: { id: trial.id }, data: { state: 'PENDING', attempt: 1, leaseOwner: null, gpus, cpuSlots, memoryBytes: BigInt(memoryBytes), labels } });
    }

    const expected: number[] = [];
    let left = free;
    for (const [index, request] of requests.entries()) {
      if (expected.length >= maxTrials) break;
      if (whyItDoesNotFit(request, left) === undefined) {
        expected.push(run.trials[index].number);
        left = subtractCapacity(left, request);
      }
    }
    const leased = await queue.acquire('walker', free, maxTrials, 0);
    outcomes.leased += leased.length;
    if (expected.length < Math.min(maxTrials, requests.length) && expected.length > 0) outcomes.refusedSome++;
    // In queue order: a worker starts them in the order of the answer.
    expect(leased.map(({ trial }) => trial.number)).toEqual(expected);
    expect(leased.every(({ trial, attempts }) => trial.state === 'LEASED' && trial.leaseOwner === 'walker' && attempts.map((a) => a.state).join() === 'LEASED')).toBe(true);
  });

  it('saw cases that lease several trials and cases that pass some over', () => {
    expect(outcomes.leased).toBeGreaterThan(20);
    expect(outcomes.refusedSome).toBeGreaterThan(5);
  });

  it('wakes waiting acquirers when it leaves candidates it locked queued, and not when nothing it saw fits', async () => {
    const queueAll = async (request: { gpus: number; labels: Record<string, string> }) => {
      await prisma.attempt.deleteMany({ where: { trialId: { in: run.trials.map((t) => t.id) } } });
      await prisma.trial.updateMany({ where: { runId: run.runId }, data: { state: 'PENDING', attempt: 1, leaseOwner: null, cpuSlots: 1, memoryBytes: 0n, ...request } });
    };
    /** Whether a waiting acquirer (a latch on the queue channel) wakes within a second of `act`. */
    const wakesWaiters = async (act: () => Promise<unknown>) => {
      const latch = events.latch(QUEUE_CHANNEL);
      try {
        await act();
        const started = Date.now();
        await latch.next(1000);
        return Date.now() - started < 900;
      } finally {
        latch.close();
      }
    };
    const free: Capacity = { gpus: 0, cpuSlots: 3, memoryBytes: 0, labels: {} };
    await queueAll({ gpus: 0, labels: {} });
    expect(await wakesWaiters(() => queue.acquire('walker', free, 2, 0))).toBe(true);
    // Labels nobody offers: the walk takes nothing, and says nothing (no wake-up ping-pong).
    await queueAll({ gpus: 0, labels: { zone: 'nowhere' } });
    expect(await wakesWaiters(() => queue.acquire('walker', free, 2, 0))).toBe(false);
  });

  it('renews a LOST or quiet worker when it asks for work, and writes nothing for an acquire a second after the last renewal', async () => {
    const none: Capacity = { gpus: 0, cpuSlots: 0, memoryBytes: 0, labels: {} };
    const heartbeat = async () => (await prisma.worker.findUniqueOrThrow({ where: { id: 'walker' } })).lastHeartbeatAt.getTime();
    await prisma.worker.update({ where: { id: 'walker' }, data: { state: 'LOST', lastHeartbeatAt: new Date(Date.now() - 120_000) } });
    await queue.acquire('walker', none, 1, 0);
    const renewed = await prisma.worker.findUniqueOrThrow({ where: { id: 'walker' } });
    expect(renewed.state).toBe('ACTIVE');
    expect(Date.now() - renewed.lastHeartbeatAt.getTime()).toBeLessThan(5000);
    const xmin = async () => (await prisma.$queryRaw<{ xmin: string }[]>`SELECT xmin::text FROM workers WHERE id = 'walker'`)[0].xmin;
    const version = await xmin();
    await queue.acquire('walker', none, 1, 0);
    // The same row version: the second acquire did not write the worker.
    expect(await xmin()).toBe(version);
    expect(await heartbeat()).toBe(renewed.lastHeartbeatAt.getTime());
  });

  it('refuses a worker that never registered', async () => {
    await expect(queue.acquire('stranger', { gpus: 0, cpuSlots: 1, memoryBytes: 0, labels: {} }, 1, 0)).rejects.toThrow("worker 'stranger' is not registered");
  });
});
