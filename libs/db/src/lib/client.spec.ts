import { queryRows, statementNamer } from './client';
import { useMigratedClient } from './test-server';
import { Prisma } from '../generated/prisma/client';

describe('createPrismaClient', () => {
  const database = useMigratedClient();

  it('writes and reads the resource model through the pg adapter', async () => {
    const run = await database.prisma.run.create({
      data: {
        configYaml: 'pipeline: [hpo]\n',
        overrides: ['general.seed=1'],
        steps: { create: { name: 'hpo', index: 0, type: 'SearchPipeStep', objectives: [{ key: 'accuracy', goal: 'MAXIMIZE' }] } },
      },
    });
    expect(run.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(run.state).toBe('PENDING');
    const trial = await database.prisma.trial.create({
      data: { runId: run.id, step: 'hpo', number: 1, desc: { modules: ['backbone'] }, memoryBytes: 2n ** 33n },
    });
    expect(trial.memoryBytes).toBe(2n ** 33n);
    await database.prisma.attempt.create({ data: { trialId: trial.id, attempt: 1 } });

    // Leases are measured by the database clock.
    const [{ expired }] = await database.prisma.$queryRaw<{ expired: boolean }[]>`
      UPDATE trials SET state = 'LEASED', lease_expires_at = now() - interval '1 second' WHERE id = ${trial.id}::uuid
      RETURNING lease_expires_at < now() AS expired`;
    expect(expired).toBe(true);

    const read = await database.prisma.trial.findUniqueOrThrow({ where: { id: trial.id }, include: { attempts: true, stepRef: true } });
    expect(read).toMatchObject({ state: 'LEASED', attempt: 1, desc: { modules: ['backbone'] }, stepRef: { objectives: [{ key: 'accuracy', goal: 'MAXIMIZE' }] } });
    expect(read.attempts.map((a) => [a.attempt, a.state])).toEqual([[1, 'LEASED']]);

    const first = await database.prisma.trialRecord.create({
      data: { trialId: trial.id, attempt: 1, epoch: 0, runId: run.id, step: 'hpo', trialNumber: 1, trialState: 'RUNNING', desc: {}, performance: { accuracy: 0.5 } },
    });
    const second = await database.prisma.trialRecord.create({
      data: { trialId: trial.id, attempt: 1, epoch: 1, runId: run.id, step: 'hpo', trialNumber: 1, trialState: 'RUNNING', desc: {} },
    });
    expect(second.seq).toBeGreaterThan(first.seq);
  });

  it('reads raw rows through queryRows exactly as $queryRaw does, on the same prepared statements', async () => {
    const run = await database.prisma.run.create({ data: { configYaml: 'pipeline: [nas]\n', steps: { create: { name: 'nas', index: 0, type: 'SearchPipeStep', objectives: [] } } } });
    await database.prisma.trial.create({ data: { runId: run.id, step: 'nas', number: 1, desc: { modules: ['backbone'], depth: [1, 2] }, memoryBytes: 2n ** 40n, labels: { zone: 'a' }, startedAt: new Date('2026-01-02T03:04:05.678Z') } });
    const statement = () => Prisma.sql`
      SELECT t.*, count(*) OVER () AS total, ${[run.id]}::uuid[] AS ids, ${{ nested: [1, 'x'] }}::jsonb AS echoed, ${2n ** 40n}::bigint AS big, ${null}::text AS nothing
      FROM trials t WHERE t.run_id = ${run.id}::uuid AND t.step = ${'nas'} AND t.number = ANY(${[1, 2]}::int[])`;
    const viaPrisma = await database.prisma.$queryRaw<Record<string, unknown>[]>(statement());
    const direct = await queryRows<Record<string, unknown>>(database.prisma, statement());
    expect(direct).toEqual(viaPrisma);
    expect(direct[0]).toMatchObject({ memory_bytes: 2n ** 40n, total: 1n, big: 2n ** 40n, state: 'PENDING', desc: { modules: ['backbone'], depth: [1, 2] }, echoed: { nested: [1, 'x'] }, ids: [run.id], nothing: null });
    expect(direct[0]['started_at']).toEqual(new Date('2026-01-02T03:04:05.678Z'));
    // A second run of the same text reuses the statement its first run prepared.
    expect(await queryRows(database.prisma, statement())).toEqual(direct);
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
