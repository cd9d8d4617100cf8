import type { BestSoFarChart, ChartPoint, Goal, ObjectiveSpecView, ParallelAxis, ParallelChart, ParetoChart, ScatterPoint, TrialRow } from '../api';

// Charts get only what they draw: a 10,000-trial step becomes a few hundred points, computed
// here rather than in the browser.

const better = (goal: ObjectiveSpecView['goal'], a: number, b: number) => (goal === 'MINIMIZE' ? a < b : a > b);

/** Results (rows with a value of `key`) by trial number. */
function withValue(rows: readonly TrialRow[], key: string): TrialRow[] {
  return rows.filter((row) => Number.isFinite(row.objectives[key])).sort((a, b) => a.number - b.number);
}

/** The best result (the earliest trial among equals), if any. */
export function bestResult(rows: readonly TrialRow[], objective: ObjectiveSpecView): ChartPoint | undefined {
  let best: ChartPoint | undefined;
  for (const row of rows) {
    const value = row.objectives[objective.key];
    if (!Number.isFinite(value)) continue;
    if (!best || better(objective.goal, value, best.value) || (value === best.value && row.number < best.number)) best = { number: row.number, value };
  }
  return best;
}

/**
 * Best-so-far against trial number. The staircase keeps only the improvements (exact: the
 * line is flat between them); the cloud keeps each bucket's best and worst result, so
 * outliers stay visible at any width.
 */
export function bestSoFarChart(rows: readonly TrialRow[], objective: ObjectiveSpecView, maxPoints: number): BestSoFarChart {
  const results = withValue(rows, objective.key);
  const best: ChartPoint[] = [];
  for (const row of results) {
    const value = row.objectives[objective.key];
    if (best.length === 0 || better(objective.goal, value, best[best.length - 1].value)) best.push({ number: row.number, value });
  }
  const last = results[results.length - 1];
  if (last && best[best.length - 1].number !== last.number) best.push({ number: last.number, value: best[best.length - 1].value });
  return { objective, results: results.length, best, trials: minMaxPerBucket(results.map((row) => ({ number: row.number, value: row.objectives[objective.key] })), maxPoints) };
}

function minMaxPerBucket(points: readonly ChartPoint[], maxPoints: number): ChartPoint[] {
  if (points.length <= maxPoints) return [...points];
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const size = points.length / buckets;
  const kept: ChartPoint[] = [];
  for (let b = 0; b < buckets; b++) {
    const bucket = points.slice(Math.floor(b * size), Math.floor((b + 1) * size));
    if (bucket.length === 0) continue;
    let low = bucket[0];
    let high = bucket[0];
    for (const point of bucket) {
      if (point.value < low.value) low = point;
      if (point.value > high.value) high = point;
    }
    kept.push(...(low === high ? [low] : low.number < high.number ? [low, high] : [high, low]));
  }
  return kept;
}

/**
 * Every result as (x, y) with the pareto front over the two objectives. Points are thinned
 * to one per cell of a `width` × `height` grid (what a plot of that many pixels can show);
 * front points are always kept.
 */
export function paretoChart(rows: readonly TrialRow[], x: ObjectiveSpecView, y: ObjectiveSpecView, grid: { width: number; height: number }): ParetoChart {
  const results = rows.filter((row) => Number.isFinite(row.objectives[x.key]) && Number.isFinite(row.objectives[y.key]));
  const points = results.map((row) => ({ number: row.number, x: row.objectives[x.key], y: row.objectives[y.key] }));
  return { x, y, results: results.length, points: thinToGrid(points, grid), front: frontOfTwo(points, x.goal, y.goal) };
}

/**
 * The non-dominated points over two objectives, by x. A sweep in O(n log n) (the general
 * non-dominated sort is quadratic): by x best first (ties by y best first), a point is on
 * the front when its y beats every point before it, or repeats the previous front point.
 */
export function frontOfTwo(points: readonly ScatterPoint[], xGoal: Goal, yGoal: Goal): ScatterPoint[] {
  const xSign = xGoal === 'MINIMIZE' ? 1 : -1;
  const ySign = yGoal === 'MINIMIZE' ? 1 : -1;
  const sorted = [...points].sort((a, b) => xSign * (a.x - b.x) || ySign * (a.y - b.y));
  const front: ScatterPoint[] = [];
  for (const point of sorted) {
    const last = front[front.length - 1];
    if (!last || ySign * point.y < ySign * last.y || (point.x === last.x && point.y === last.y)) front.push(point);
  }
  return front.sort((a, b) => a.x - b.x || a.y - b.y);
}

function thinToGrid(points: readonly ScatterPoint[], grid: { width: number; height: number }): ScatterPoint[] {
  if (points.length <= grid.width * grid.height || points.length === 0) return [...points];
  const [minX, maxX] = extent(points.map((point) => point.x));
  const [minY, maxY] = extent(points.map((point) => point.y));
  const cell = (value: number, min: number, max: number, cells: number) => (max === min ? 0 : Math.min(cells - 1, Math.floor(((value - min) / (max - min)) * cells)));
  const seen = new Set<number>();
  return points.filter((point) => {
    const key = cell(point.x, minX, maxX, grid.width) * grid.height + cell(point.y, minY, maxY, grid.height);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function extent(values: readonly number[]): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return [min, max];
}

/** `trainer.optimizer.params.lr` → value, for every leaf of a nested hyperparameter object. */
export function flattenHyperparameters(value: unknown, prefix = ''): Map<string, unknown> {
  const leaves = new Map<string, unknown>();
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) {
      for (const [leaf, leafValue] of flattenHyperparameters(child, prefix ? `${prefix}.${key}` : key)) leaves.set(leaf, leafValue);
    }
  } else if (prefix) {
    leaves.set(prefix, value);
  }
  return leaves;
}

/**
 * Parallel coordinates of hyperparameters against the objective. With more results than
 * `maxLines`, draws an even sample by objective rank (the best result always among them),
 * so the picture keeps the distribution rather than the first trials.
 */
export function parallelChart(rows: readonly TrialRow[], objective: ObjectiveSpecView, maxLines: number): ParallelChart {
  const results = withValue(rows, objective.key).sort((a, b) => (objective.goal === 'MINIMIZE' ? 1 : -1) * (a.objectives[objective.key] - b.objectives[objective.key]));
  const step = Math.max(1, results.length / maxLines);
  const drawn: TrialRow[] = [];
  for (let position = 0; Math.floor(position) < results.length && drawn.length < maxLines; position += step) drawn.push(results[Math.floor(position)]);
  const flat = drawn.map((row) => flattenHyperparameters(row.hyperparameters));
  const keys = [...new Set(flat.flatMap((leaves) => [...leaves.keys()]))].sort();
  const axes: ParallelAxis[] = keys.map((key) => axisOf(key, flat.map((leaves) => leaves.get(key))));
  axes.push(axisOf(objective.key, drawn.map((row) => row.objectives[objective.key])));
  const lines = drawn.map((row, index) => ({
    number: row.number,
    values: axes.map((axis, a) => positionOn(axis, a === keys.length ? row.objectives[objective.key] : flat[index].get(axis.key))),
  }));
  return { objective, results: results.length, axes, lines };
}

function axisOf(key: string, values: readonly unknown[]): ParallelAxis {
  const present = values.filter((value) => value !== undefined && value !== null);
  if (present.length > 0 && present.every((value) => typeof value === 'number' && Number.isFinite(value))) {
    const [min, max] = extent(present as number[]);
    return { key, scale: min > 0 && max / min > 100 ? 'log' : 'linear', min, max };
  }
  const categories = [...new Set(present.map(String))].sort();
  return { key, scale: 'category', min: 0, max: Math.max(0, categories.length - 1), categories };
}

function positionOn(axis: ParallelAxis, value: unknown): number | null {
  if (value === undefined || value === null) return null;
  return axis.scale === 'category' ? (axis.categories ?? []).indexOf(String(value)) : Number(value);
}
