import { Injectable } from '@nestjs/common';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError, valueOrRefusal, VelaError } from '@vela/errors';
import { Prisma, PrismaClient, queryRows } from '@vela/db';
import { paretoFront } from '@vela/pareto';
import { decodePageToken, encodePageToken, resolvePageSize, type PagePosition } from '@vela/contracts';
import { checkUuid, validateRecord, TRIAL_STATE_NAMES, type ParetoQuery, type RecordFilter, type RecordInput, type RecordOrder, type RecordPage, type StoredRecord } from '@vela/records';

/** The NOTIFY channel a record write announces itself on (payload: `{seq, runId}`). */
export const RECORDS_CHANNEL = 'vela_records';
export const DEFAULT_PAGE_SIZE = 100;
/** Advisory lock key serialising record writes ('vela' 'rec' as digits). */
const RECORD_WRITE_LOCK = 0x76656c61726563n;
export const MAX_PAGE_SIZE = 1000;
const LIST_RECORDS = 'ListRecords';

interface RecordRow {
  trial_id: string;
  attempt: number;
  epoch: number;
  run_id: string;
  step: string;
  trial_number: number;
  trial_state: string;
  desc: Prisma.JsonValue;
  hyperparameters: Prisma.JsonValue;
  performance: Prisma.JsonValue;
  objectives: Prisma.JsonValue;
  flops: number | null;
  params: number | null;
  latency_ms: number | null;
  backend: string | null;
  threads: number | null;
  device: string | null;
  error: string | null;
  log_tail: string | null;
  checkpoint_artifact_id: string | null;
  train_seconds: number | null;
  seq: bigint;
  created_at: Date;
  updated_at: Date;
}

/** One trial's result with its objective values in the order asked for, its front and crowding. */
export interface ParetoMember {
  readonly record: StoredRecord;
  readonly values: readonly number[];
  /** 0 for the non-dominated front, 1 for the next, ... */
  readonly rank: number;
  readonly crowdingDistance: number;
}

/**
 * Report's records: idempotent writes keyed by (trial, attempt, epoch), filtered and paged
 * listing, pareto fronts over trial results. Report owns the `records` table; it only reads
 * `trials` (the pipeline's) to refuse records of unknown trials and stale attempts.
 *
 * Thread safety: every method is one statement or one transaction; safe across processes.
 */
@Injectable()
export class RecordService {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Writes one epoch's record, replacing an earlier write of the same key (and giving it a
   * new seq, so watchers see the change). Refuses a record whose trial is unknown or whose
   * attempt is not the trial's current one; nothing is written then.
   */
  async updateRecord(input: RecordInput): Promise<StoredRecord> {
    const [written] = await this.updateRecords([input]);
    if (written instanceof VelaError) throw written;
    return written;
  }

  /**
   * Writes several records as updateRecord would, in order, in one statement (one commit):
   * each is answered with the stored record or the error updateRecord would have thrown for
   * it, so one refused record does not stop the others. Two writes of the same key in one
   * call leave the later one, and both are answered with it.
   */
  async updateRecords(inputs: readonly RecordInput[]): Promise<(StoredRecord | VelaError)[]> {
    const answers: (StoredRecord | VelaError | undefined)[] = inputs.map((input) => {
      const refusal = valueOrRefusal(() => validateRecord(input));
      return refusal instanceof VelaError ? refusal : undefined;
    });
    // The last write of each key is the one stored (an earlier one would be replaced at once).
    const lastOfKey = new Map<string, number>();
    inputs.forEach((input, index) => answers[index] === undefined && lastOfKey.set(recordKey(input), index));
    const batch = [...lastOfKey.values()].map((index) => recordWriteRow(index, inputs[index]));
    if (batch.length === 0) return answers as (StoredRecord | VelaError)[];
    const rows = await queryRows<RecordRow & { position: number; current_attempt: number | null }>(this.prisma, recordWriteSql(batch));
    const stored = new Map<string, StoredRecord | VelaError>();
    for (const row of rows) {
      const input = inputs[row.position];
      const trialId = input.trialId.toLowerCase();
      let answer: StoredRecord | VelaError;
      if (row.current_attempt === null) answer = new NotFoundError(`record.trial_id: trial '${trialId}' not found; nothing was written`);
      else if (row.trial_id === null) {
        const why = input.attempt < row.current_attempt ? 'is stale' : 'has not started';
        answer = new FailedPreconditionError(`record.attempt: attempt ${input.attempt} of trial '${trialId}' ${why} (the trial is on attempt ${row.current_attempt}); nothing was written`);
      } else answer = toStoredRecord(row);
      stored.set(recordKey(input), answer);
    }
    return inputs.map((input, index) => answers[index] ?? (stored.get(recordKey(input)) as StoredRecord | VelaError));
  }

  /**
   * One record; without `epoch`, the attempt's last epoch; without `attempt`, the newest
   * attempt that has records (so a bare trial id reads the trial's latest state or result).
   */
  async getRecord(trialId: string, attempt?: number, epoch?: number): Promise<StoredRecord> {
    const id = checkUuid(trialId, 'trial_id');
    const attemptFilter = attempt === undefined ? Prisma.empty : Prisma.sql`AND attempt = ${attempt}`;
    const epochFilter = epoch === undefined ? Prisma.empty : Prisma.sql`AND epoch = ${epoch}`;
    const [row] = await queryRows<RecordRow>(this.prisma, Prisma.sql`
      SELECT * FROM records WHERE trial_id = ${id}::uuid ${attemptFilter} ${epochFilter} ORDER BY attempt DESC, epoch DESC LIMIT 1`);
    if (!row) {
      const which = [attempt === undefined ? '' : `attempt ${attempt}`, epoch === undefined ? '' : `epoch ${epoch}`].filter(Boolean).join(', ');
      throw new NotFoundError(`no record of trial '${id}'${which ? ` at ${which}` : ''}`);
    }
    return toStoredRecord(row);
  }

  /**
   * Records matching `filter` in `order`, paged by an opaque token bound to the filter and
   * order (a token used with other arguments, or never issued, is INVALID_ARGUMENT).
   * Write order pages by seq (stable while records arrive); other orders page by offset.
   */
  async listRecords(filter: RecordFilter, options: { pageSize?: number; pageToken?: string; order?: RecordOrder } = {}): Promise<RecordPage> {
    const order = checkOrder(options.order ?? { by: 'seq' });
    const pageSize = resolvePageSize(options.pageSize, { defaultSize: DEFAULT_PAGE_SIZE, maxSize: MAX_PAGE_SIZE });
    const normalised = normaliseFilter(filter);
    const boundTo = { filter: normalised, order };
    const position: PagePosition | undefined = options.pageToken ? decodePageToken(LIST_RECORDS, options.pageToken, boundTo) : undefined;
    const afterSeq = position && 'cursor' in position ? Number(position.cursor) : undefined;
    const offset = position && 'offset' in position ? position.offset : 0;
    const where = whereClause(normalised);
    const from = fromClause(normalised);
    let page: Prisma.Sql;
    if (order.by === 'seq') {
      page = Prisma.sql`${afterSeq === undefined ? Prisma.empty : Prisma.sql`AND r.seq > ${afterSeq}`} ORDER BY r.seq LIMIT ${pageSize + 1}`;
    } else {
      const sortKey =
        order.by === 'trial'
          ? Prisma.sql`r.trial_number, r.attempt, r.epoch`
          : Prisma.sql`(SELECT (o->>'value')::float8 FROM jsonb_array_elements(r.objectives) o WHERE o->>'key' = ${order.key} LIMIT 1) ${order.goal === 'MAXIMIZE' ? Prisma.sql`DESC` : Prisma.sql`ASC`} NULLS LAST, r.seq`;
      page = Prisma.sql`ORDER BY ${sortKey} LIMIT ${pageSize + 1} OFFSET ${offset}`;
    }
    const rows = await queryRows<RecordRow>(this.prisma, Prisma.sql`SELECT r.* FROM ${from} WHERE ${where} ${page}`);
    // A first page that holds every match is its own count; later offset pages carry the first page's.
    const whole = rows.length <= pageSize && offset === 0 && afterSeq === undefined;
    const counted = position && 'offset' in position ? position.total : undefined;
    const count = whole ? rows.length : (counted ?? Number((await this.prisma.$queryRaw<{ count: bigint }[]>`SELECT count(*) FROM ${from} WHERE ${where}`)[0].count));
    const records = rows.slice(0, pageSize).map(toStoredRecord);
    let nextPageToken: string | undefined;
    if (rows.length > pageSize) {
      const next: PagePosition = order.by === 'seq' ? { cursor: records[records.length - 1].seq } : { offset: offset + pageSize, total: count };
      nextPageToken = encodePageToken(LIST_RECORDS, next, boundTo);
    }
    return { records, nextPageToken, totalSize: Number(count) };
  }

  /** Records with seq > `afterSeq` matching `filter`, oldest first (the watch stream's catch-up). */
  async recordsAfter(filter: RecordFilter, afterSeq: number, limit: number): Promise<StoredRecord[]> {
    const normalised = normaliseFilter(filter);
    const rows = await queryRows<RecordRow>(this.prisma, Prisma.sql`
      SELECT r.* FROM ${fromClause(normalised)} WHERE ${whereClause(normalised)} AND r.seq > ${afterSeq} ORDER BY r.seq LIMIT ${limit}`);
    return rows.map(toStoredRecord);
  }

  /**
   * The pareto front over each trial's result in a run (or one of its steps): the record with
   * the highest epoch of the trial's current attempt, for trials that SUCCEEDED. Trials whose
   * result lacks one of the objectives are left out.
   */
  async paretoFront(query: ParetoQuery): Promise<ParetoMember[]> {
    const runId = checkUuid(query.runId, 'run_id');
    if (query.objectives.length === 0) throw new InvalidArgumentError('at least one objective is needed', 'objectives');
    query.objectives.forEach((objective, index) => {
      if (!objective.key) throw new InvalidArgumentError('is required', `objectives[${index}].key`);
      if (objective.goal !== 'MINIMIZE' && objective.goal !== 'MAXIMIZE') {
        throw new InvalidArgumentError(`must be MINIMIZE or MAXIMIZE, got '${objective.goal}'`, `objectives[${index}].goal`);
      }
    });
    const step = query.step ? Prisma.sql`AND r.step = ${query.step}` : Prisma.empty;
    // Only the compared values of each trial's result cross the wire; full records are
    // read for the chosen few. (The same result rule as fromClause, kept narrow.)
    const values = Prisma.join(query.objectives.map((objective) => objectiveValueSql(objective.key)));
    const rows = await queryRows<{ trial_id: string; attempt: number; epoch: number; trial_number: number; objective_values: (number | null)[] }>(this.prisma, Prisma.sql`
      SELECT DISTINCT ON (r.trial_id) r.trial_id, r.attempt, r.epoch, r.trial_number, ARRAY[${values}] AS objective_values
      FROM records r JOIN trials t ON t.id = r.trial_id AND r.attempt = t.attempt
      WHERE t.state = 'SUCCEEDED' AND r.run_id = ${runId}::uuid ${step}
      ORDER BY r.trial_id, r.epoch DESC`);
    rows.sort((a, b) => a.trial_number - b.trial_number);
    const scored = rows.flatMap((row) =>
      row.objective_values.every((value): value is number => value !== null && Number.isFinite(value)) ? [{ item: row, values: row.objective_values as number[] }] : [],
    );
    const chosen = paretoFront(scored, query.objectives.map((objective) => objective.goal), query.count);
    if (chosen.length === 0) return [];
    const full = await queryRows<RecordRow>(this.prisma, Prisma.sql`
      SELECT r.* FROM records r JOIN unnest(${chosen.map((c) => c.item.trial_id)}::uuid[], ${chosen.map((c) => c.item.attempt)}::int[], ${chosen.map((c) => c.item.epoch)}::int[])
        AS k(trial_id, attempt, epoch) USING (trial_id, attempt, epoch)`);
    const byKey = new Map(full.map((row) => [`${row.trial_id}/${row.attempt}/${row.epoch}`, toStoredRecord(row)]));
    return chosen.flatMap((entry) => {
      const record = byKey.get(`${entry.item.trial_id}/${entry.item.attempt}/${entry.item.epoch}`);
      return record ? [{ record, values: entry.values, rank: entry.rank, crowdingDistance: entry.crowdingDistance }] : [];
    });
  }
}

/** An objective's value in SQL: from the record's objectives, else its performance map. */
function objectiveValueSql(key: string): Prisma.Sql {
  return Prisma.sql`COALESCE((SELECT (o->>'value')::float8 FROM jsonb_array_elements(r.objectives) o WHERE o->>'key' = ${key} LIMIT 1),
                             (r.performance->>${key})::float8)`;
}


function checkOrder(order: RecordOrder): RecordOrder {
  if (order.by === 'objective') {
    if (!order.key) throw new InvalidArgumentError('is required when ordering by objective', 'order_objective.key');
    if (order.goal !== 'MINIMIZE' && order.goal !== 'MAXIMIZE') throw new InvalidArgumentError(`must be MINIMIZE or MAXIMIZE, got '${order.goal}'`, 'order_objective.goal');
  } else if (order.by !== 'seq' && order.by !== 'trial') {
    throw new InvalidArgumentError(`unknown order '${(order as { by: string }).by}'`, 'order');
  }
  return order;
}

function normaliseFilter(filter: RecordFilter): RecordFilter {
  (filter.trialStates ?? []).forEach((state, index) => {
    if (!TRIAL_STATE_NAMES.includes(state)) throw new InvalidArgumentError(`must be one of ${TRIAL_STATE_NAMES.join(', ')}, got '${state}'`, `filter.trial_states[${index}]`);
  });
  return {
    runId: filter.runId ? checkUuid(filter.runId, 'filter.run_id') : undefined,
    step: filter.step || undefined,
    trialId: filter.trialId ? checkUuid(filter.trialId, 'filter.trial_id') : undefined,
    trialStates: filter.trialStates?.length ? [...filter.trialStates].sort() : undefined,
    resultsOnly: filter.resultsOnly || undefined,
  };
}

/**
 * Records, or for `resultsOnly` each trial's result: the highest epoch of the trial's
 * current attempt, for trials that SUCCEEDED (DESIGN.md: a trial's result).
 */
function fromClause(filter: RecordFilter): Prisma.Sql {
  if (!filter.resultsOnly) return Prisma.sql`records r`;
  const run = filter.runId ? Prisma.sql`AND t.run_id = ${filter.runId}::uuid` : Prisma.empty;
  return Prisma.sql`(SELECT DISTINCT ON (rr.trial_id) rr.* FROM records rr JOIN trials t ON t.id = rr.trial_id AND rr.attempt = t.attempt
                     WHERE t.state = 'SUCCEEDED' ${run} ORDER BY rr.trial_id, rr.epoch DESC) r`;
}

function whereClause(filter: RecordFilter): Prisma.Sql {
  const conditions = [Prisma.sql`TRUE`];
  if (filter.runId) conditions.push(Prisma.sql`r.run_id = ${filter.runId}::uuid`);
  if (filter.step) conditions.push(Prisma.sql`r.step = ${filter.step}`);
  if (filter.trialId) conditions.push(Prisma.sql`r.trial_id = ${filter.trialId}::uuid`);
  if (filter.trialStates) conditions.push(Prisma.sql`r.trial_state::text IN (${Prisma.join(filter.trialStates)})`);
  return Prisma.join(conditions, ' AND ');
}

function toStoredRecord(row: RecordRow): StoredRecord {
  const optional = <T>(value: T | null) => (value === null ? undefined : value);
  return {
    trialId: row.trial_id,
    attempt: row.attempt,
    epoch: row.epoch,
    runId: row.run_id,
    step: row.step,
    trialNumber: row.trial_number,
    trialState: row.trial_state as StoredRecord['trialState'],
    desc: row.desc as StoredRecord['desc'],
    hyperparameters: row.hyperparameters as StoredRecord['hyperparameters'],
    performance: row.performance as StoredRecord['performance'],
    objectives: row.objectives as unknown as StoredRecord['objectives'],
    flops: optional(row.flops),
    params: optional(row.params),
    latencyMs: optional(row.latency_ms),
    backend: optional(row.backend),
    threads: optional(row.threads),
    device: optional(row.device),
    error: optional(row.error),
    logTail: optional(row.log_tail),
    checkpointArtifactId: optional(row.checkpoint_artifact_id),
    trainSeconds: optional(row.train_seconds),
    seq: Number(row.seq),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function recordKey(input: RecordInput): string {
  return `${input.trialId.toLowerCase()}/${input.attempt}/${input.epoch}`;
}

/** A record as a row of updateRecords' batch (jsonb_to_recordset's column names). */
export function recordWriteRow(position: number, input: RecordInput) {
  return {
    position,
    trial_id: input.trialId.toLowerCase(),
    attempt: input.attempt,
    epoch: input.epoch,
    trial_state: input.trialState,
    desc: input.desc ?? {},
    hyperparameters: input.hyperparameters ?? {},
    performance: input.performance ?? {},
    objectives: input.objectives,
    flops: input.flops ?? null,
    params: input.params ?? null,
    latency_ms: input.latencyMs ?? null,
    backend: input.backend ?? null,
    threads: input.threads ?? null,
    device: input.device ?? null,
    error: input.error ?? null,
    log_tail: input.logTail ?? null,
    checkpoint_artifact_id: input.checkpointArtifactId || null,
    train_seconds: input.trainSeconds ?? null,
  };
}

/**
 * One statement, so one round trip. Writers take turns (the advisory lock, held to the
 * end of the statement's transaction) so that seq order is commit order: a watcher that
 * has seen seq n never later finds a committed record below n. A record is inserted only
 * when its trial exists and is on its attempt (the fence); trials are locked in id order,
 * as the master's statements over several trials lock them.
 *
 * Trials are found through their primary key, named by the batch's ids as an array: Postgres
 * expects a hundred rows from jsonb_to_recordset whatever the batch holds, so a plain join
 * scanned every trial of the database at each write until there were thousands of them.
 */
export function recordWriteSql(batch: readonly ReturnType<typeof recordWriteRow>[]): Prisma.Sql {
  return Prisma.sql`
    WITH writer AS (SELECT pg_advisory_xact_lock(${RECORD_WRITE_LOCK})),
    batch AS (SELECT * FROM jsonb_to_recordset(${JSON.stringify(batch)}::jsonb) AS b(
      position int, trial_id uuid, attempt int, epoch int, trial_state trial_state, "desc" jsonb, hyperparameters jsonb, performance jsonb, objectives jsonb,
      flops float8, params float8, latency_ms float8, backend text, threads int, device text, error text, log_tail text, checkpoint_artifact_id uuid, train_seconds float8)),
    trial AS (
      SELECT b.position, t.run_id, t.step, t.number, t.attempt FROM batch b JOIN trials t ON t.id = b.trial_id CROSS JOIN writer
      WHERE t.id = ANY (ARRAY(SELECT trial_id FROM batch)) ORDER BY t.id FOR SHARE OF t),
    written AS (
      INSERT INTO records (trial_id, attempt, epoch, run_id, step, trial_number, trial_state, "desc", hyperparameters, performance, objectives,
                           flops, params, latency_ms, backend, threads, device, error, log_tail, checkpoint_artifact_id, train_seconds)
      SELECT b.trial_id, b.attempt, b.epoch, trial.run_id, trial.step, trial.number, b.trial_state, b."desc", b.hyperparameters, b.performance, b.objectives,
             b.flops, b.params, b.latency_ms, b.backend, b.threads, b.device, b.error, b.log_tail, b.checkpoint_artifact_id, b.train_seconds
      FROM batch b JOIN trial ON trial.position = b.position WHERE trial.attempt = b.attempt ORDER BY b.position
      ON CONFLICT (trial_id, attempt, epoch) DO UPDATE SET
        trial_state = EXCLUDED.trial_state, "desc" = EXCLUDED."desc", hyperparameters = EXCLUDED.hyperparameters,
        performance = EXCLUDED.performance, objectives = EXCLUDED.objectives, flops = EXCLUDED.flops, params = EXCLUDED.params,
        latency_ms = EXCLUDED.latency_ms, backend = EXCLUDED.backend, threads = EXCLUDED.threads, device = EXCLUDED.device,
        error = EXCLUDED.error, log_tail = EXCLUDED.log_tail, checkpoint_artifact_id = EXCLUDED.checkpoint_artifact_id, train_seconds = EXCLUDED.train_seconds,
        seq = nextval(pg_get_serial_sequence('records', 'seq')), updated_at = now()
      RETURNING *),
    notified AS (SELECT count(pg_notify(${RECORDS_CHANNEL}, json_build_object('seq', seq, 'runId', run_id)::text)) AS n FROM written)
    SELECT b.position, trial.attempt AS current_attempt, written.*
    FROM batch b CROSS JOIN notified LEFT JOIN trial ON trial.position = b.position
    LEFT JOIN written ON written.trial_id = b.trial_id AND written.attempt = b.attempt AND written.epoch = b.epoch`;
}
