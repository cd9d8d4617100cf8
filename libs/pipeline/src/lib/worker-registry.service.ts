import { Injectable } from '@nestjs/common';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '@vela/errors';
import { PrismaClient, type Trial, type Worker } from '@vela/db';
import { NO_CAPACITY, subtractCapacity, type Capacity } from './resources';
import { checkCapacity, fromRawTrial, requestOf, TrialQueueService, type HeldLease } from './trial-queue.service';

export interface WorkerRegistration {
  readonly id: string;
  readonly hostname: string;
  readonly capacity: Capacity;
  readonly backend: string;
  readonly device: string;
}

/**
 * A worker's state as ListWorkers shows it: the stored one, or LEFT for a deregistered
 * (DRAINING) worker silent for longer than a lease. LEFT is derived when read, never stored,
 * so that a master of an earlier version reads every row of a database this one writes.
 */
export type ShownWorkerState = Worker['state'] | 'LEFT';

export interface WorkerView {
  readonly worker: Worker;
  readonly state: ShownWorkerState;
  readonly freeCapacity: Capacity;
  readonly leasedTrialIds: readonly string[];
}

const WORKER_ID = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** How long activeTotals' answer is reused. */
const TOTALS_TTL_MS = 1000;

export interface ActiveTotals {
  readonly workers: number;
  readonly gpus: number;
  readonly cpuSlots: number;
}

/**
 * Trainer-workers and their capacity (DESIGN.md: a worker offers GPUs and CPU slots and
 * labels). A worker chooses its own stable id; registering again with the same id before its
 * leases expire keeps them (it gets them back to resume).
 */
@Injectable()
export class WorkerRegistryService {
  private totals?: { value: ActiveTotals; at: number };

  constructor(
    private readonly prisma: PrismaClient,
    private readonly queue: TrialQueueService,
  ) {}

  async register(registration: WorkerRegistration): Promise<{ view: WorkerView; leasedTrials: Trial[] }> {
    if (!WORKER_ID.test(registration.id)) {
      throw new InvalidArgumentError(`must be 1-128 letters, digits, '.', '_' or '-', got '${registration.id}'`, 'worker.id');
    }
    const capacity = checkCapacity(registration.capacity, 'worker.capacity');
    if (capacity.gpus === 0 && capacity.cpuSlots === 0) throw new InvalidArgumentError('a worker must offer at least one GPU or CPU slot', 'worker.capacity');
    const data = {
      hostname: registration.hostname,
      gpus: capacity.gpus,
      cpuSlots: capacity.cpuSlots,
      memoryBytes: BigInt(capacity.memoryBytes),
      labels: capacity.labels,
      backend: registration.backend,
      device: registration.device,
      state: 'ACTIVE' as const,
      lastHeartbeatAt: new Date(),
    };
    await this.prisma.$transaction(async (tx) => {
      const [holder] = await tx.$queryRaw<{ hostname: string; state: string; quiet_seconds: number }[]>`
        SELECT hostname, state::text, extract(epoch FROM now() - last_heartbeat_at)::float8 AS quiet_seconds FROM workers WHERE id = ${registration.id} FOR UPDATE`;
      // Another host's live worker under this id would have its leases taken over (and its
      // trials trained twice): two workers given the same VELA_WORKER_ID. The same host
      // registering again is a restart, which resumes its leases.
      if (holder && holder.state === 'ACTIVE' && holder.hostname !== registration.hostname && holder.quiet_seconds < this.queue.settings.leaseSeconds) {
        throw new AlreadyExistsError(
          `worker id '${registration.id}' is held by a live worker on host '${holder.hostname}' (its last heartbeat ${Math.round(holder.quiet_seconds)} s ago); give each worker its own VELA_WORKER_ID`,
        );
      }
      await tx.worker.upsert({ where: { id: registration.id }, create: { id: registration.id, ...data }, update: data });
    });
    this.totals = undefined;
    const leasedTrials = (
      await this.prisma.$queryRaw<Trial[]>`
        SELECT * FROM trials WHERE lease_owner = ${registration.id} AND state IN ('LEASED', 'RUNNING') AND lease_expires_at > now() ORDER BY created_at`
    ).map(fromRawTrial);
    return { view: await this.view(registration.id), leasedTrials };
  }

  /**
   * Records the heartbeat (a LOST worker heard from again takes work again), renews the leases
   * the worker still holds and returns its stop signals and its state. One statement reads and
   * revives the state, so a DeregisterWorker or RegisterWorker meanwhile is not undone.
   */
  async heartbeat(workerId: string, held: readonly HeldLease[]) {
    const [row] = await this.prisma.$queryRaw<{ state: Worker['state'] }[]>`
      UPDATE workers SET last_heartbeat_at = now(), state = CASE WHEN state = 'LOST' THEN 'ACTIVE'::worker_state ELSE state END
      WHERE id = ${workerId} RETURNING state::text AS state`;
    if (!row) throw new NotFoundError(`worker '${workerId}' is not registered; call RegisterWorker first`);
    const leases = await this.queue.renewLeases(workerId, held);
    return { ...leases, state: row.state };
  }

  /**
   * A worker leaving: it takes no more work, and what it still holds goes back to the queue at
   * once (TrialQueueService.handBack), not when its leases expire. A worker deregisters once
   * it has completed what it could; a trial it still trains is fenced and stops at its next
   * report.
   */
  async deregister(workerId: string): Promise<WorkerView> {
    const updated = await this.prisma.worker.updateMany({ where: { id: workerId }, data: { state: 'DRAINING' } });
    if (updated.count === 0) throw new NotFoundError(`worker '${workerId}' is not registered`);
    this.totals = undefined;
    await this.queue.handBack(workerId);
    return this.view(workerId);
  }

  /** Workers whose heartbeats stopped for longer than a lease are LOST (their leases expire on their own). */
  async markLost(leaseSeconds: number): Promise<void> {
    const lost = await this.prisma.$executeRaw`
      UPDATE workers SET state = 'LOST' WHERE state = 'ACTIVE' AND last_heartbeat_at < now() - make_interval(secs => ${leaseSeconds})`;
    if (lost > 0) this.totals = undefined;
  }

  /**
   * How many workers are ACTIVE and what they offer in all: one aggregate, for sizing the
   * queue. Step drivers ask on every pass; the answer is kept TOTALS_TTL_MS (workers come and
   * go far less often), and this process's own registrations refresh it at once.
   */
  async activeTotals(): Promise<ActiveTotals> {
    if (this.totals && Date.now() - this.totals.at < TOTALS_TTL_MS) return this.totals.value;
    const [row] = await this.prisma.$queryRaw<{ workers: bigint; gpus: bigint | null; cpu_slots: bigint | null }[]>`
      SELECT count(*) AS workers, sum(gpus) AS gpus, sum(cpu_slots) AS cpu_slots FROM workers WHERE state = 'ACTIVE'`;
    const value = { workers: Number(row.workers), gpus: Number(row.gpus ?? 0), cpuSlots: Number(row.cpu_slots ?? 0) };
    this.totals = { value, at: Date.now() };
    return value;
  }

  async view(workerId: string): Promise<WorkerView> {
    const [view] = await this.list({ id: workerId });
    if (!view) throw new NotFoundError(`worker '${workerId}' not found`);
    return view;
  }

  /** Workers with what they hold and what is free (capacity minus their leased trials' requests). */
  async list(filter: { id?: string; states?: readonly string[] } = {}): Promise<WorkerView[]> {
    const workers = await this.prisma.worker.findMany({
      where: { id: filter.id, state: filter.states?.length ? { in: filter.states as Worker['state'][] } : undefined },
      orderBy: { registeredAt: 'asc' },
    });
    const draining = workers.filter((worker) => worker.state === 'DRAINING').map((worker) => worker.id);
    const [leased, silentDrained] = await Promise.all([
      this.prisma.trial.findMany({
        where: { leaseOwner: { in: workers.map((worker) => worker.id) }, state: { in: ['LEASED', 'RUNNING'] } },
        select: { id: true, leaseOwner: true, gpus: true, cpuSlots: true, memoryBytes: true, labels: true },
      }),
      // Which of them left, by the database's clock as markLost reads it; asked only when any drains.
      draining.length
        ? this.prisma.$queryRaw<{ id: string }[]>`
            SELECT id FROM workers WHERE id = ANY(${draining}) AND last_heartbeat_at < now() - make_interval(secs => ${this.queue.settings.leaseSeconds})`
        : [],
    ]);
    const leftIds = new Set(silentDrained.map((row) => row.id));
    return workers.map((worker) => {
      const held = leased.filter((trial) => trial.leaseOwner === worker.id);
      const capacity = capacityOf(worker);
      const freeCapacity = worker.state === 'ACTIVE' ? held.reduce((left, trial) => subtractCapacity(left, requestOf(trial)), capacity) : { ...NO_CAPACITY, labels: capacity.labels };
      return { worker, state: leftIds.has(worker.id) ? 'LEFT' : worker.state, freeCapacity, leasedTrialIds: held.map((trial) => trial.id) };
    });
  }
}

export function capacityOf(worker: Pick<Worker, 'gpus' | 'cpuSlots' | 'memoryBytes' | 'labels'>): Capacity {
  return { gpus: worker.gpus, cpuSlots: worker.cpuSlots, memoryBytes: Number(worker.memoryBytes), labels: (worker.labels ?? {}) as Record<string, string> };
}
