import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { diffShapes, shapeOfDatabase, shapeOfPrismaSchema, withPredicatesAsPostgresWrites, type SchemaShape } from './drift';
import { migrate } from './migrator';
import { scratchDatabase } from './test-server';

const ROOT = join(__dirname, '../../../..');
const schema = readFileSync(join(ROOT, 'prisma/schema.prisma'), 'utf8');

// schema.prisma, prisma/migrations and the generated client must agree: this fails when a
// migration is missing or wrong, or when `npm run -w @vela/db generate` was not rerun.
describe('schema drift', () => {
  let database: { url: string; drop: () => Promise<void> };
  let client: Client;
  let expected: SchemaShape;
  beforeEach(async () => {
    database = await scratchDatabase();
    await migrate(database.url);
    client = new Client({ connectionString: database.url });
    await client.connect();
    expected = await withPredicatesAsPostgresWrites(client, shapeOfPrismaSchema(schema));
  });
  afterEach(async () => {
    await client.end();
    await database.drop();
  });

  it('finds none between schema.prisma and the migrated database', async () => {
    const actual = await shapeOfDatabase(client);
    expect(diffShapes(expected, actual)).toEqual([]);
    // The comparison covers what it should, not an empty set.
    expect(Object.keys(actual.tables).sort()).toEqual(
      ['artifacts', 'attempts', 'records', 'runs', 'search_observations', 'searches', 'steps', 'trials', 'workers'],
    );
    expect(actual.enums['attempt_state']).toEqual(['LEASED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'STALE', 'CANCELLED']);
    expect(actual.tables['trials'].indexes).toContain('trials_state_run_id_step_created_at_idx: (state, run_id, step, created_at)');
    expect(actual.tables['trials'].indexes).toContain(
      'trials_unforwarded_idx: (run_id, step, number) WHERE (((forwarded_attempt <> attempt) OR (forwarded_state IS DISTINCT FROM trial_state_text(state)) OR (progress_epoch > forwarded_epoch)) IS TRUE)',
    );
    expect(actual.tables['records'].columns['seq']).toEqual({ type: 'bigint', nullable: false, default: "nextval('records_seq_seq'::regclass)" });
    expect(actual.tables['trials'].columns['lease_expires_at'].type).toBe('timestamp(3) with time zone');
  });

  it('reports a database changed behind the schema’s back', async () => {
    await client.query(`
      ALTER TABLE "trials" ALTER COLUMN "desc" DROP NOT NULL;
      DROP INDEX "trials_lease_expires_at_idx";
      ALTER TABLE "runs" ADD COLUMN "extra" INTEGER;
      ALTER TABLE "records" ALTER COLUMN "performance" SET DEFAULT '[]';
      ALTER TABLE "attempts" ALTER COLUMN "error" TYPE VARCHAR(10);
      ALTER TYPE "worker_state" ADD VALUE 'GONE';
      ALTER TABLE "steps" DROP CONSTRAINT "steps_run_id_fkey";
      ALTER TABLE "steps" ADD CONSTRAINT "steps_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id");
      CREATE UNIQUE INDEX "workers_hostname_key" ON "workers"("hostname");
      DROP INDEX "trials_unforwarded_idx";
      CREATE INDEX "trials_unforwarded_idx" ON "trials"("run_id", "step", "number") WHERE forwarded_attempt <> attempt;
      DROP TABLE "artifacts";`);
    expect(diffShapes(expected, await shapeOfDatabase(client))).toEqual([
      'enum worker_state: schema.prisma has [ACTIVE, DRAINING, LOST], the database [ACTIVE, DRAINING, LOST, GONE]',
      'table artifacts: missing from the database',
      'column attempts.error: schema.prisma has type text, the database character varying(10)',
      `column records.performance: schema.prisma has default '{}'::jsonb, the database '[]'::jsonb`,
      'column runs.extra: in the database but not in schema.prisma',
      'foreign key on steps: steps_run_id_fkey: (run_id) -> runs(id) ON DELETE CASCADE ON UPDATE CASCADE: missing from the database',
      'foreign key on steps: steps_run_id_fkey: (run_id) -> runs(id) ON DELETE NO ACTION ON UPDATE NO ACTION: in the database but not in schema.prisma',
      'column trials.desc: schema.prisma has it NOT NULL, the database nullable',
      'index on trials: trials_lease_expires_at_idx: (lease_expires_at): missing from the database',
      'index on trials: trials_unforwarded_idx: (run_id, step, number) WHERE (((forwarded_attempt <> attempt) OR (forwarded_state IS DISTINCT FROM trial_state_text(state)) OR (progress_epoch > forwarded_epoch)) IS TRUE): missing from the database',
      'index on trials: trials_unforwarded_idx: (run_id, step, number) WHERE (forwarded_attempt <> attempt): in the database but not in schema.prisma',
      'index on workers: workers_hostname_key: UNIQUE (hostname): in the database but not in schema.prisma',
    ]);
  });

  it('reports a schema.prisma change that no migration carries', async () => {
    const changed = schema
      .replace('  hostname        String      @default("")', '  hostname        String      @default("")\n  zone            String?')
      .replace('  @@map("artifacts")', '  @@index([kind, createdAt(sort: Desc)])\n  @@map("artifacts")')
      .replace('  @@map("workers")', '  @@index([hostname], map: "workers_zoned_idx", where: raw("zone IS NOT NULL"))\n  @@map("workers")');
    expect(changed).not.toBe(schema);
    expect(diffShapes(await withPredicatesAsPostgresWrites(client, shapeOfPrismaSchema(changed)), await shapeOfDatabase(client))).toEqual([
      'index on artifacts: artifacts_kind_created_at_idx: (kind, created_at DESC): missing from the database',
      'column workers.zone: missing from the database',
      'index on workers: workers_zoned_idx: (hostname) WHERE zone IS NOT NULL (Postgres refuses it on this database: column "zone" does not exist): missing from the database',
    ]);
  });

  it('finds the generated client made from this very schema.prisma', () => {
    const generated = readFileSync(join(ROOT, 'libs/db/src/generated/prisma/internal/class.ts'), 'utf8');
    const inline = /"inlineSchema": ("(?:[^"\\]|\\.)*")/.exec(generated);
    expect(inline).not.toBeNull();
    // `prisma generate` embeds the schema as it read it; a mismatch means a stale client.
    if (JSON.parse(inline?.[1] ?? '""') !== schema) {
      throw new Error('libs/db/src/generated/prisma is stale or schema.prisma is not `prisma format`ted: run `npx prisma format && npm run -w @vela/db generate`');
    }
  });
});
