import type { CapacityView, WorkerView } from '@vela/dashboard/api';
import { NavLink } from '../App';
import { formatTime } from '../format';
import { useApi, useTicker } from '../use-api';

const capacity = (value: CapacityView) => [value.gpus ? `${value.gpus} GPU` : '', value.cpuSlots ? `${value.cpuSlots} CPU slots` : ''].filter(Boolean).join(', ') || '—';

/** Registered workers: capacity, what each trains now, when it was last heard from. */
export function WorkersPage() {
  const tick = useTicker(3000);
  const { data, error } = useApi<WorkerView[]>('/workers', {}, tick);
  return (
    <section>
      <h1>Workers {data ? <small>({data.length})</small> : null}</h1>
      {error ? <p className="error">{error}</p> : null}
      <table className="grid" data-testid="workers-table">
        <thead>
          <tr>
            <th>Worker</th>
            <th>State</th>
            <th>Capacity</th>
            <th>Free</th>
            <th>Running</th>
            <th>Last heartbeat</th>
          </tr>
        </thead>
        <tbody>
          {(data ?? []).map((worker) => (
            <tr key={worker.id}>
              <td>
                {worker.id}
                <small> {[worker.hostname, worker.backend, worker.device].filter(Boolean).join(' · ')}</small>
              </td>
              <td>
                <span className={`state state-${worker.state}`}>{worker.state}</span>
              </td>
              <td>{capacity(worker.capacity)}</td>
              <td>{capacity(worker.free)}</td>
              <td>
                {worker.running.length === 0
                  ? 'idle'
                  : worker.running.map((trial) => (
                      <div key={trial.trialId}>
                        {trial.runId ? (
                          <NavLink to={`/runs/${trial.runId}`}>
                            {trial.step} #{trial.number}
                          </NavLink>
                        ) : (
                          trial.trialId
                        )}
                        {trial.epoch !== undefined ? <small> epoch {trial.epoch}</small> : null}
                      </div>
                    ))}
              </td>
              <td>{formatTime(worker.lastHeartbeatTime)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
