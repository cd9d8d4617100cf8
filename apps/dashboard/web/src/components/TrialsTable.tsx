import type { ObjectiveSpecView, TrialPage, TrialRow, TrialStateName } from '@vela/dashboard/api';
import { TRIAL_STATES } from '@vela/dashboard/api';
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { getJson } from '../api-client';
import { formatHyperparameters, formatNumber } from '../format';
import { VirtualList } from './VirtualList';

const PAGE = 200;
const ROW_HEIGHT = 28;

export interface TrialSort {
  readonly key: string;
  readonly descending: boolean;
}

/**
 * The trials of a step, fetched a page at a time as the window scrolls (sorted and filtered
 * server-side); pages in view are fetched again after a live update.
 */
function useTrialPages(base: string, params: Record<string, string>, version: number) {
  const key = `${base}?${new URLSearchParams(params)}`;
  const pages = useRef(new Map<number, readonly TrialRow[]>());
  const loading = useRef(new Set<number>());
  const range = useRef<[number, number]>([0, PAGE]);
  const current = useRef(key);
  const [total, setTotal] = useState<number | undefined>(undefined);
  const [, redraw] = useReducer((n: number) => n + 1, 0);
  // A new sort or filter: forget the pages of the previous one before anything asks for pages.
  if (current.current !== key) {
    current.current = key;
    pages.current = new Map();
    loading.current = new Set();
  }

  const fetchPage = useCallback(
    (page: number, again = false) => {
      if (loading.current.has(page) || (!again && pages.current.has(page))) return;
      const requested = loading.current;
      requested.add(page);
      getJson<TrialPage>(base, { ...params, offset: page * PAGE, limit: PAGE })
        .then((answer) => {
          if (loading.current !== requested) return;
          pages.current.set(page, answer.rows);
          setTotal(answer.total);
          redraw();
        })
        .catch(() => undefined)
        .finally(() => requested.delete(page));
    },
    // `key` stands for base and params, which are new objects on every render.
    [key],
  );
  const pagesOf = ([first, last]: [number, number]) => {
    const wanted: number[] = [];
    for (let page = Math.floor(first / PAGE); page <= Math.floor(Math.max(first, last - 1) / PAGE); page++) wanted.push(page);
    return wanted;
  };

  useEffect(() => pagesOf(range.current).forEach((page) => fetchPage(page)), [fetchPage]);
  useEffect(() => {
    if (version > 0) pagesOf(range.current).forEach((page) => fetchPage(page, true));
  }, [version, fetchPage]);

  const onRangeChange = useCallback(
    (first: number, last: number) => {
      range.current = [first, last];
      for (const page of pagesOf([first, last])) fetchPage(page);
    },
    [fetchPage],
  );
  const rowAt = (index: number) => pages.current.get(Math.floor(index / PAGE))?.[index % PAGE];
  return { total, rowAt, onRangeChange };
}

export function TrialsTable({
  runId,
  step,
  objectives,
  version,
  selected,
  onToggle,
  onFocus,
}: {
  runId: string;
  step: string;
  objectives: readonly ObjectiveSpecView[];
  version: number;
  selected: ReadonlySet<string>;
  onToggle: (row: TrialRow) => void;
  onFocus: (row: TrialRow) => void;
}) {
  const [sort, setSort] = useState<TrialSort>({ key: 'number', descending: false });
  const [state, setState] = useState<TrialStateName | ''>('');
  const [typed, setTyped] = useState('');
  const [text, setText] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setText(typed), 250);
    return () => clearTimeout(timer);
  }, [typed]);
  const { total, rowAt, onRangeChange } = useTrialPages(
    `/runs/${runId}/steps/${step}/trials`,
    { sort: sort.key, order: sort.descending ? 'desc' : 'asc', states: state, q: text },
    version,
  );
  const columns = `28px 56px 96px 56px 56px ${objectives.map(() => '110px').join(' ')} minmax(240px, 1fr)`;
  const sortBy = (key: string) => setSort((previous) => ({ key, descending: previous.key === key ? !previous.descending : key.startsWith('objective:') && objectives.find((o) => `objective:${o.key}` === key)?.goal === 'MAXIMIZE' }));
  const header = (key: string, label: string) => (
    <button className={`sortable ${sort.key === key ? 'sorted' : ''}`} data-sort={key} onClick={() => sortBy(key)}>
      {label}
      {sort.key === key ? (sort.descending ? ' ▼' : ' ▲') : ''}
    </button>
  );
  return (
    <div className="trials">
      <div className="filters">
        <label>
          State{' '}
          <select data-testid="state-filter" value={state} onChange={(event) => setState(event.target.value as TrialStateName | '')}>
            <option value="">all</option>
            {TRIAL_STATES.map((name) => (
              <option key={name} value={name}>
                {name.toLowerCase()}
              </option>
            ))}
          </select>
        </label>
        <input data-testid="text-filter" placeholder="filter desc / hyperparameters" value={typed} onChange={(event) => setTyped(event.target.value)} />
        <span data-testid="trials-total">{total === undefined ? 'loading…' : `${total} trials`}</span>
      </div>
      <VirtualList
        count={total ?? 0}
        rowHeight={ROW_HEIGHT}
        height={420}
        onRangeChange={onRangeChange}
        header={
          <div className="trial-row header" style={{ gridTemplateColumns: columns }}>
            <span />
            {header('number', '#')}
            {header('state', 'state')}
            <span>att.</span>
            {header('epoch', 'epoch')}
            {objectives.map((objective) => (
              <span key={objective.key}>{header(`objective:${objective.key}`, objective.key)}</span>
            ))}
            <span>hyperparameters</span>
          </div>
        }
        renderRow={(index) => {
          const row = rowAt(index);
          if (!row) return <div className="trial-row placeholder" style={{ gridTemplateColumns: columns }} />;
          return (
            <div className="trial-row" data-trial={row.number} style={{ gridTemplateColumns: columns }} onClick={() => onFocus(row)}>
              <input type="checkbox" aria-label={`compare trial ${row.number}`} checked={selected.has(row.id)} onClick={(event) => event.stopPropagation()} onChange={() => onToggle(row)} />
              <span>{row.number}</span>
              <span className={`state state-${row.state}`}>{row.state}</span>
              <span>{row.attempt}</span>
              <span>{row.epoch ?? '—'}</span>
              {objectives.map((objective) => (
                <span key={objective.key} className="number" data-objective={objective.key}>
                  {formatNumber(row.objectives[objective.key])}
                </span>
              ))}
              <span className="hps" title={formatHyperparameters(row.hyperparameters)}>
                {formatHyperparameters(row.hyperparameters)}
              </span>
            </div>
          );
        }}
      />
    </div>
  );
}
