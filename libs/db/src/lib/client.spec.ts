import { createPrismaClient, statementNamer } from './client';
import { migrate } from './migrator';
import { scratchDatabase } from './test-server';
import type { PrismaClient } from '../generated/prisma/client';

describe('createPrismaClient', () => {
  let database: { url: string; drop: () => Promise<void> };
  let prisma: PrismaClient;
  beforeAll(async () => {
    database = await scratchDatabase();
    await migrate(database.url);
    prisma = createPrismaClient(database.url, { maxConnections: 2 });
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await database.drop();
  });

  it('writes and reads the resource model through the pg adapter', async () => {
    const run = await prisma.run.create({
      data: {
        configYaml: 'pipeline: [hpo]\n',
        overrides: ['general.seed=1'],
        steps: { create: { name: 'hpo', index: 0, type: 'SearchPipeStep', objectives: [{ key: 'accuracy', goal: 'MAXIMIZE' }] } },
      },
    });
    expect(run.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(run.state).toBe('PENDING');
    const trial = await prisma.trial.create({
      data: { runId: run.id, step: 'hpo', number: 1, desc: { modules: ['backbone'] }, memoryBytes: 2n ** 33n },
    });
    expect(trial.memoryBytes).toBe(2n ** 33n);
    await prisma.attempt.create({ data: { trialId: trial.id, attempt: 1 } });

    // Leases are measured by the database clock.
    const [{ expired }] = await prisma.$queryRaw<{ expired: boolean }[]>`
      UPDATE trials SET state = 'LEASED', lease_expires_at = now() - interval '1 second' WHERE id = ${trial.id}::uuid
      RETURNING lease_expires_at < now() AS expired`;
    expect(expired).toBe(true);

    const read = await prisma.trial.findUniqueOrThrow({ where: { id: trial.id }, include: { attempts: true, stepRef: true } });
    expect(read).toMatchObject({ state: 'LEASED', attempt: 1, desc: { modules: ['backbone'] }, stepRef: { objectives: [{ key: 'accuracy', goal: 'MAXIMIZE' }] } });
    expect(read.attempts.map((a) => [a.attempt, a.state])).toEqual([[1, 'LEASED']]);

    const first = await prisma.trialRecord.create({
      data: { trialId: trial.id, attempt: 1, epoch: 0, runId: run.id, step: 'hpo', trialNumber: 1, trialState: 'RUNNING', desc: {}, performance: { accuracy: 0.5 } },
    });
    const second = await prisma.trialRecord.create({
      data: { trialId: trial.id, attempt: 1, epoch: 1, runId: run.id, step: 'hpo', trialNumber: 1, trialState: 'RUNNING', desc: {} },
    });
    expect(second.seq).toBeGreaterThan(first.seq);
  });
});

describe('statementNamer', () => {
  it('names each distinct statement once, and stops naming past its limit', () => {
    const name = statementNamer(2);
    expect(name({ sql: 'SELECT 1' })).toBe('vela_1');
    expect(name({ sql: 'SELECT 2' })).toBe('vela_2');
    expect(name({ sql: 'SELECT 1' })).toBe('vela_1');
    // A third shape runs unnamed (unprepared) rather than growing the caches.
    expect(name({ sql: 'SELECT 3' })).toBeUndefined();
  });
});
