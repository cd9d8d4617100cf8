import type { RunPage as RunPageData } from '@vela/dashboard/api';
import { NavLink } from '../App';
import { formatNumber, formatTime } from '../format';
import { useApi, useTicker } from '../use-api';

/** The newest runs first, refreshed every few seconds. */
export function RunsPage() {
  const tick = useTicker(5000);
  const { data, error } = useApi<RunPageData>('/runs', { pageSize: 50 }, tick);
  return (
    <section>
      <h1>Runs {data ? <small>({data.runs.length < data.totalSize ? `newest ${data.runs.length} of ${data.totalSize}` : data.totalSize})</small> : null}</h1>
      {error ? <p className="error">{error}</p> : null}
      <table className="grid" data-testid="runs-table">
        <thead>
          <tr>
            <th>Run</th>
            <th>State</th>
            <th>Progress</th>
            <th>Started</th>
            <th>Ended</th>
            <th>Best objective</th>
          </tr>
        </thead>
        <tbody>
          {(data?.runs ?? []).map((run) => (
            <tr key={run.id} data-run={run.id}>
              <td>
                <NavLink to={`/runs/${run.id}`}>{run.displayName || run.id}</NavLink>
              </td>
              <td>
                <span className={`state state-${run.state}`}>{run.state}</span>
              </td>
              <td>
                <Progress finished={run.progress.finished} total={run.progress.total} />
                <small>
                  {' '}
                  {run.progress.finished}/{run.progress.total} trials · step {run.progress.stepsDone}/{run.progress.steps}
                </small>
              </td>
              <td>{formatTime(run.startTime ?? run.createTime)}</td>
              <td>{formatTime(run.endTime)}</td>
              <td>{run.best ? `${run.best.key} ${formatNumber(run.best.value)} (${run.best.step} #${run.best.trialNumber})` : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function Progress({ finished, total }: { finished: number; total: number }) {
  return (
    <span className="progress" title={`${finished} of ${total}`}>
      <span style={{ width: `${total ? (100 * finished) / total : 0}%` }} />
    </span>
  );
}
