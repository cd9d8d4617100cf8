import { Worker, WorkerState, type Capacity } from '@vela/contracts';
import type { CommandOutput } from './command-output';
import type { ServiceConnection } from './connection';
import { enumLabel, formatAgo } from './format';
import { formatTable } from './table';

/**
 * `vela workers`: every registered trainer-worker, its capacity, what is free and what it
 * trains; those that left (deregistered and stopped) only with `all`.
 */
export async function listWorkers(connection: ServiceConnection, options: { all: boolean } = { all: false }): Promise<CommandOutput> {
  const { workers } = await connection.pipeline((client) => client.listWorkers({ filter: undefined, showLeft: options.all, pageSize: 1000, pageToken: '' }, connection.callOptions));
  const lines = workers.length
    ? formatTable(
        [
          { header: 'WORKER', value: (worker: Worker) => worker.id },
          { header: 'STATE', value: (worker: Worker) => enumLabel(WorkerState, worker.state) },
          { header: 'HOST', value: (worker: Worker) => worker.hostname },
          { header: 'CAPACITY', value: (worker: Worker) => formatCapacity(worker.capacity) },
          { header: 'FREE', value: (worker: Worker) => formatCapacity(worker.freeCapacity) },
          { header: 'TRIALS', value: (worker: Worker) => String(worker.leasedTrialIds.length), align: 'right' as const },
          { header: 'BACKEND', value: (worker: Worker) => worker.backend },
          { header: 'HEARTBEAT', value: (worker: Worker) => formatAgo(worker.lastHeartbeatTime) },
        ],
        workers,
      )
    : ['no workers registered; start one with `vela serve worker` (it needs VELA_PIPELINE_ADDRESS, VELA_REPORT_ADDRESS and VELA_TOKEN)'];
  return { json: { workers: workers.map((worker) => Worker.toJSON(worker)) }, lines };
}

/** `1 GPU, 4 slots`. */
function formatCapacity(capacity: Capacity | undefined): string {
  const parts = [capacity?.gpus ? `${capacity.gpus} GPU` : '', `${capacity?.cpuSlots ?? 0} slot${capacity?.cpuSlots === 1 ? '' : 's'}`];
  return parts.filter(Boolean).join(', ');
}
