import type { BestSoFarChart as BestData, LearningCurve, ParallelChart, ParetoChart as ParetoData, RunDetail, StepView, TrialRow } from '@vela/dashboard/api';
import { useEffect, useState } from 'react';
import { getJson, openEvents } from '../api-client';
import { BestSoFarChart } from '../charts/BestSoFarChart';
import { LearningCurves } from '../charts/LearningCurves';
import { ParallelCoordinates } from '../charts/ParallelCoordinates';
import { ParetoChart } from '../charts/ParetoChart';
import { TrialsTable } from '../components/TrialsTable';
import { formatNumber, formatTime } from '../format';
import { useApi } from '../use-api';
import { Progress } from './RunsPage';

/** The pareto cloud's resolution: one point per 6×6-pixel cell of the plot (its dots are 4 pixels wide). */
const PARETO_GRID = { width: 64, height: 36 };
/** Trials compared in the learning-curve chart at most. */
const MAX_CURVES = 8;

/** The run, kept live by its event stream: `run` events replace it, `trials` events refresh tables and charts. */
function useLiveRun(runId: string): { run?: RunDetail; error?: string; version: number; live: boolean } {
  const initial = useApi<RunDetail>(`/runs/${runId}`);
  const [latest, setLatest] = useState<RunDetail>();
  const [version, setVersion] = useState(0);
  const [live, setLive] = useState(false);
  useEffect(() => {
    const events = openEvents(`/runs/${runId}/events`);
    events.onopen = () => setLive(true);
    events.onerror = () => setLive(false);
    events.addEventListener('run', (event) => setLatest(JSON.parse((event as MessageEvent<string>).data) as RunDetail));
    events.addEventListener('trials', () => setVersion((value) => value + 1));
    return () => events.close();
  }, [runId]);
  return { run: latest ?? initial.data, error: initial.error, version, live };
}

/** The step shown first: the one in progress, else the last with trials. */
function defaultStep(run: RunDetail): StepView | undefined {
  const total = (step: StepView) => Object.values(step.counts).reduce((a, b) => a + b, 0);
  return run.steps.find((step) => step.state === 'RUNNING') ?? [...run.steps].reverse().find((step) => total(step) > 0) ?? run.steps[0];
}

export function RunPage({ runId }: { runId: string }) {
  const { run, error, version, live } = useLiveRun(runId);
  const [stepId, setStepId] = useState<string>();
  if (!run) return <section>{error ? <p className="error">{error}</p> : <p>Loading run…</p>}</section>;
  const step = run.steps.find((candidate) => candidate.id === stepId) ?? defaultStep(run);
  return (
    <section>
      <h1>
        {run.displayName || run.id} <span className={`state state-${run.state}`} data-testid="run-state">{run.state}</span>{' '}
        <small className={live ? 'live on' : 'live'}>{live ? '● live' : '○ offline'}</small>
        {run.loading ? (
          <small className="loading" data-testid="loading">
            {' '}
            reading results {run.loading.loaded}/{run.loading.total}…
          </small>
        ) : null}
      </h1>
      <p className="meta">
        <Progress finished={run.progress.finished} total={run.progress.total} /> {run.progress.finished}/{run.progress.total} trials · started {formatTime(run.startTime)} · ended{' '}
        {formatTime(run.endTime)}
        {run.best ? ` · best ${run.best.key} ${formatNumber(run.best.value)} (${run.best.step} #${run.best.trialNumber})` : ''}
      </p>
      {run.error ? <p className="error">{run.error}</p> : null}
      <table className="grid steps" data-testid="steps-table">
        <thead>
          <tr>
            <th>Step</th>
            <th>Type</th>
            <th>State</th>
            <th>Pending</th>
            <th>Running</th>
            <th>Succeeded</th>
            <th>Failed</th>
            <th>Stopped early</th>
            <th>Cancelled</th>
            <th>Note</th>
          </tr>
        </thead>
        <tbody>
          {run.steps.map((candidate) => (
            <tr key={candidate.id} className={candidate.id === step?.id ? 'selected' : ''} onClick={() => setStepId(candidate.id)} data-step={candidate.id}>
              <td>{candidate.id}</td>
              <td>{candidate.type}</td>
              <td>
                <span className={`state state-${candidate.state}`}>{candidate.state}</span>
              </td>
              <td>{candidate.counts.pending}</td>
              <td>{candidate.counts.leased + candidate.counts.running}</td>
              <td data-testid={`succeeded-${candidate.id}`}>{candidate.counts.succeeded}</td>
              <td>{candidate.counts.failed}</td>
              <td>{candidate.counts.earlyStopped}</td>
              <td>{candidate.counts.cancelled}</td>
              <td>{candidate.error || candidate.waitReason}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {step ? <StepPanel key={step.id} runId={run.id} step={step} version={version} /> : null}
    </section>
  );
}

function StepPanel({ runId, step, version }: { runId: string; step: StepView; version: number }) {
  const keys = step.objectives.map((objective) => objective.key);
  const [objective, setObjective] = useState(keys[0]);
  const [x, setX] = useState(keys[0]);
  const [y, setY] = useState(keys[1] ?? keys[0]);
  const [selected, setSelected] = useState<ReadonlyMap<string, TrialRow>>(new Map());
  const [focused, setFocused] = useState<TrialRow>();
  const base = `/runs/${runId}/steps/${step.id}`;
  const chosenObjective = objective ?? keys[0];
  const best = useApi<BestData>(chosenObjective ? `${base}/best-so-far` : undefined, { objective: chosenObjective, points: 400 }, version);
  const pareto = useApi<ParetoData>(keys.length >= 2 ? `${base}/pareto` : undefined, { x: x ?? keys[0], y: y ?? keys[1], ...PARETO_GRID }, version);
  const parallel = useApi<ParallelChart>(chosenObjective ? `${base}/parallel` : undefined, { objective: chosenObjective, lines: 200 }, version);

  const toggle = (row: TrialRow) =>
    setSelected((previous) => {
      const next = new Map(previous);
      if (next.has(row.id)) next.delete(row.id);
      else if (next.size < MAX_CURVES) next.set(row.id, row);
      return next;
    });
  const pickByNumber = (number: number) => getJson<{ rows: TrialRow[] }>(`${base}/trials`, { q: '', limit: 1, offset: number - 1 }).then((page) => page.rows[0] && setFocused(page.rows[0]));
  const chooser = (value: string | undefined, set: (key: string) => void, testId: string) => (
    <select data-testid={testId} value={value} onChange={(event) => set(event.target.value)}>
      {keys.map((key) => (
        <option key={key}>{key}</option>
      ))}
    </select>
  );
  return (
    <>
      {keys.length === 0 ? (
        <p className="note">No results with objectives yet.</p>
      ) : (
        <div className="charts">
          <figure>
            <figcaption>Best so far {chooser(chosenObjective, setObjective, 'objective-choice')}</figcaption>
            {best.data ? <BestSoFarChart data={best.data} /> : <div className="plot-placeholder" />}
            <small>{best.data ? `${best.data.results} results` : ''}</small>
          </figure>
          {keys.length >= 2 ? (
            <figure>
              <figcaption>
                Pareto front {chooser(x, setX, 'pareto-x')} × {chooser(y, setY, 'pareto-y')}
              </figcaption>
              {pareto.data ? <ParetoChart data={pareto.data} onPick={(number) => void pickByNumber(number)} /> : <div className="plot-placeholder" />}
              <small>{pareto.data ? `${pareto.data.front.length} on the front of ${pareto.data.results}` : pareto.error}</small>
            </figure>
          ) : null}
          <figure>
            <figcaption>Learning curves ({selected.size ? `${selected.size} chosen` : 'tick trials below'})</figcaption>
            <CurvesFigure trials={[...selected.values()]} version={version} />
          </figure>
          <figure className="wide">
            <figcaption>Hyperparameters against {chosenObjective}</figcaption>
            {parallel.data ? <ParallelCoordinates data={parallel.data} /> : <div className="plot-placeholder" />}
          </figure>
        </div>
      )}
      <div className="trials-and-detail">
        <TrialsTable runId={runId} step={step.id} objectives={step.objectives} version={version} selected={new Set(selected.keys())} onToggle={toggle} onFocus={setFocused} />
        <TrialDetail trial={focused} />
      </div>
    </>
  );
}

function CurvesFigure({ trials, version }: { trials: readonly TrialRow[]; version: number }) {
  const [curves, setCurves] = useState<LearningCurve[]>([]);
  const [metric, setMetric] = useState<string>();
  const ids = trials.map((trial) => trial.id).join(',');
  useEffect(() => {
    const abort = new AbortController();
    Promise.all(ids ? ids.split(',').map((id) => getJson<LearningCurve>(`/trials/${id}/curve`, {}, abort.signal).catch(() => undefined)) : []).then((answers) => {
      if (!abort.signal.aborted) setCurves(answers.filter((answer): answer is LearningCurve => answer !== undefined));
    });
    return () => abort.abort();
  }, [ids, version]);
  const metrics = [...new Set(curves.flatMap((curve) => curve.epochs.flatMap((epoch) => Object.keys(epoch.performance))))].sort();
  const shown = metric && metrics.includes(metric) ? metric : metrics[0];
  if (curves.length === 0) return <div className="plot-placeholder" data-testid="learning-curves-empty" />;
  return (
    <>
      <select data-testid="curve-metric" value={shown} onChange={(event) => setMetric(event.target.value)}>
        {metrics.map((key) => (
          <option key={key}>{key}</option>
        ))}
      </select>
      {shown ? <LearningCurves curves={curves} metric={shown} /> : null}
    </>
  );
}

function TrialDetail({ trial }: { trial?: TrialRow }) {
  if (!trial) return <aside className="detail">Click a trial to see its desc.</aside>;
  return (
    <aside className="detail" data-testid="trial-detail">
      <h3>
        Trial #{trial.number} <span className={`state state-${trial.state}`}>{trial.state}</span>
      </h3>
      <p>
        attempt {trial.attempt}
        {trial.epoch !== undefined ? ` · epoch ${trial.epoch}` : ''}
        {trial.trainSeconds !== undefined ? ` · ${trial.trainSeconds.toFixed(1)} s` : ''}
      </p>
      {trial.error ? <p className="error">{trial.error}</p> : null}
      <h4>objectives</h4>
      <pre>{JSON.stringify(trial.objectives, null, 2)}</pre>
      <h4>hyperparameters</h4>
      <pre>{JSON.stringify(trial.hyperparameters, null, 2)}</pre>
      <h4>desc</h4>
      <pre data-testid="trial-desc">{JSON.stringify(trial.desc, null, 2)}</pre>
    </aside>
  );
}
