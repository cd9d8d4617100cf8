import { InvalidArgumentError } from '@vela/errors';
import { TRIAL_STATES, type TrialPage, type TrialRow, type TrialStateName } from '../api';

/** One page of a step's trials as the table asks for it. */
export interface TrialQuery {
  readonly offset: number;
  readonly limit: number;
  /** `number`, `state`, `epoch` or `objective:<key>`. */
  readonly sort: string;
  readonly descending: boolean;
  /** Only trials in these states; empty means all. */
  readonly states: readonly TrialStateName[];
  /** Only trials whose desc or hyperparameters contain this text (case-insensitive). */
  readonly text: string;
}

export const MAX_TRIAL_PAGE = 1000;

/** Reads a TrialQuery from URL query parameters, naming the parameter on a bad value. */
export function trialQueryFromParams(params: Readonly<Record<string, string | undefined>>): TrialQuery {
  const integer = (name: string, fallback: number, max: number) => {
    const raw = params[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0 || value > max) throw new InvalidArgumentError(`must be an integer from 0 to ${max}, got '${raw}'`, name);
    return value;
  };
  const sort = params['sort'] || 'number';
  if (!['number', 'state', 'epoch'].includes(sort) && !sort.startsWith('objective:')) {
    throw new InvalidArgumentError(`must be number, state, epoch or objective:<key>, got '${sort}'`, 'sort');
  }
  const states = (params['states'] ?? '').split(',').filter(Boolean);
  for (const state of states) {
    if (!TRIAL_STATES.includes(state as TrialStateName)) throw new InvalidArgumentError(`must be a list of ${TRIAL_STATES.join(', ')}, got '${state}'`, 'states');
  }
  return {
    offset: integer('offset', 0, Number.MAX_SAFE_INTEGER),
    limit: integer('limit', 100, MAX_TRIAL_PAGE),
    sort,
    descending: params['order'] === 'desc',
    states: states as TrialStateName[],
    text: (params['q'] ?? '').trim().toLowerCase(),
  };
}

const searchableText = new WeakMap<TrialRow, string>();

function textOf(row: TrialRow): string {
  let text = searchableText.get(row);
  if (text === undefined) {
    text = `${JSON.stringify(row.hyperparameters)} ${JSON.stringify(row.desc)}`.toLowerCase();
    searchableText.set(row, text);
  }
  return text;
}

/** The page `query` asks for of the rows it selects (see matchingTrials). */
export function pageOf(matching: readonly TrialRow[], query: TrialQuery): TrialPage {
  return { total: matching.length, offset: query.offset, rows: matching.slice(query.offset, query.offset + query.limit) };
}

/** The rows `query` filters to, sorted. Rows without the sorted value come last in either order; ties go by trial number. */
export function matchingTrials(rows: readonly TrialRow[], query: TrialQuery): TrialRow[] {
  const matching = rows.filter((row) => (query.states.length === 0 || query.states.includes(row.state)) && (!query.text || textOf(row).includes(query.text)));
  const valueOf = sortValue(query.sort);
  const direction = query.descending ? -1 : 1;
  matching.sort((a, b) => {
    const va = valueOf(a);
    const vb = valueOf(b);
    if (va === undefined || vb === undefined) return va === vb ? a.number - b.number : va === undefined ? 1 : -1;
    return direction * (va < vb ? -1 : va > vb ? 1 : 0) || a.number - b.number;
  });
  return matching;
}

/** What identifies the rows a query selects, whichever page it asks for. */
export function selectionKey(query: TrialQuery): string {
  return JSON.stringify([query.sort, query.descending, query.states, query.text]);
}

function sortValue(sort: string): (row: TrialRow) => number | string | undefined {
  if (sort.startsWith('objective:')) {
    const key = sort.slice('objective:'.length);
    return (row) => row.objectives[key];
  }
  if (sort === 'state') return (row) => TRIAL_STATES.indexOf(row.state);
  if (sort === 'epoch') return (row) => row.epoch;
  return (row) => row.number;
}
