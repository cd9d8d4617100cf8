import { InvalidArgumentError } from '@vela/errors';

export type ObjectiveGoal = 'MINIMIZE' | 'MAXIMIZE';

/** One objective of a multi-objective comparison. */
export interface ObjectiveSpec {
  readonly key: string;
  readonly goal: ObjectiveGoal;
}

/**
 * True when `a` dominates `b`: no worse in every objective and strictly better in one.
 * `values` are given in the order of `goals`.
 */
export function dominates(a: readonly number[], b: readonly number[], goals: readonly ObjectiveGoal[]): boolean {
  let strictlyBetter = false;
  for (let i = 0; i < goals.length; i++) {
    const sign = goals[i] === 'MINIMIZE' ? 1 : -1;
    const diff = sign * (a[i] - b[i]);
    if (diff > 0) return false;
    if (diff < 0) strictlyBetter = true;
  }
  return strictlyBetter;
}

function checkPoints(points: readonly (readonly number[])[], goals: readonly ObjectiveGoal[]): void {
  if (goals.length === 0) throw new InvalidArgumentError('at least one objective is needed', 'objectives');
  points.forEach((point, index) => {
    if (point.length !== goals.length) {
      throw new InvalidArgumentError(`has ${point.length} values, expected ${goals.length} (one per objective)`, `points[${index}]`);
    }
    point.forEach((value, j) => {
      if (!Number.isFinite(value)) throw new InvalidArgumentError(`must be a finite number, got ${value}`, `points[${index}][${j}]`);
    });
  });
}

/**
 * Fast non-dominated sorting (Deb et al., NSGA-II): the indices of `points` grouped into
 * fronts, best front first. O(M·N²) for N points and M objectives.
 */
export function nonDominatedSort(points: readonly (readonly number[])[], goals: readonly ObjectiveGoal[]): number[][] {
  checkPoints(points, goals);
  const dominatedBy: number[][] = points.map(() => []);
  const dominationCount = new Array<number>(points.length).fill(0);
  const fronts: number[][] = [[]];
  for (let p = 0; p < points.length; p++) {
    for (let q = p + 1; q < points.length; q++) {
      if (dominates(points[p], points[q], goals)) {
        dominatedBy[p].push(q);
        dominationCount[q]++;
      } else if (dominates(points[q], points[p], goals)) {
        dominatedBy[q].push(p);
        dominationCount[p]++;
      }
    }
  }
  for (let p = 0; p < points.length; p++) if (dominationCount[p] === 0) fronts[0].push(p);
  for (let i = 0; fronts[i].length > 0; i++) {
    const next: number[] = [];
    for (const p of fronts[i]) {
      for (const q of dominatedBy[p]) if (--dominationCount[q] === 0) next.push(q);
    }
    fronts.push(next.sort((a, b) => a - b));
  }
  fronts.pop();
  return fronts;
}

/**
 * Crowding distance of each member of one front (NSGA-II's diversity measure): boundary
 * points get Infinity. Returned in the order of `front`.
 */
export function crowdingDistance(points: readonly (readonly number[])[], front: readonly number[]): number[] {
  const distance = new Map<number, number>(front.map((index) => [index, 0]));
  if (front.length === 0) return [];
  const objectives = points[front[0]].length;
  for (let m = 0; m < objectives; m++) {
    const sorted = [...front].sort((a, b) => points[a][m] - points[b][m]);
    const low = points[sorted[0]][m];
    const high = points[sorted[sorted.length - 1]][m];
    distance.set(sorted[0], Infinity);
    distance.set(sorted[sorted.length - 1], Infinity);
    if (high === low) continue;
    for (let k = 1; k < sorted.length - 1; k++) {
      const gap = (points[sorted[k + 1]][m] - points[sorted[k - 1]][m]) / (high - low);
      distance.set(sorted[k], (distance.get(sorted[k]) ?? 0) + gap);
    }
  }
  return front.map((index) => distance.get(index) ?? 0);
}

/**
 * The non-dominated members of `indices`, found after sorting them lexicographically
 * (best first): a point can only be dominated by one sorted before it, so each point is
 * checked against the front found so far. O(N log N + N·F) for a front of F points, and a
 * plain sweep for two objectives: this is what keeps a 100,000-trial front fast, where the
 * O(M·N²) full sort is not.
 */
function firstFront(points: readonly (readonly number[])[], goals: readonly ObjectiveGoal[], indices: readonly number[]): number[] {
  const signs = goals.map((goal) => (goal === 'MINIMIZE' ? 1 : -1));
  const sorted = [...indices].sort((a, b) => {
    for (let m = 0; m < signs.length; m++) {
      const diff = signs[m] * (points[a][m] - points[b][m]);
      if (diff !== 0) return diff;
    }
    return a - b;
  });
  const front: number[] = [];
  if (goals.length === 2) {
    let bestSecond = Infinity;
    let previous: number | undefined;
    for (const index of sorted) {
      const second = signs[1] * points[index][1];
      const duplicate = previous !== undefined && points[previous][0] === points[index][0] && points[previous][1] === points[index][1];
      if (second < bestSecond || (duplicate && front[front.length - 1] === previous)) {
        front.push(index);
        bestSecond = Math.min(bestSecond, second);
      }
      previous = index;
    }
  } else {
    for (const index of sorted) {
      if (!front.some((member) => dominates(points[member], points[index], goals))) front.push(index);
    }
  }
  return front.sort((a, b) => a - b);
}

/** Fronts in rank order, peeled one at a time until at least `needed` points are ranked. */
function peelFronts(points: readonly (readonly number[])[], goals: readonly ObjectiveGoal[], needed: number): number[][] {
  checkPoints(points, goals);
  const fronts: number[][] = [];
  let remaining = points.map((_, index) => index);
  let ranked = 0;
  while (remaining.length > 0 && ranked < needed) {
    const front = firstFront(points, goals, remaining);
    const inFront = new Set(front);
    remaining = remaining.filter((index) => !inFront.has(index));
    fronts.push(front);
    ranked += front.length;
  }
  return fronts;
}

/** An item with its objective values in the order of the specs. */
export interface Scored<T> {
  readonly item: T;
  readonly values: readonly number[];
}

/** A member of a pareto selection: its front (0 = non-dominated) and crowding distance in that front. */
export interface Ranked<T> extends Scored<T> {
  readonly rank: number;
  readonly crowdingDistance: number;
}

/**
 * The pareto front of `items` (the non-dominated ones), in input order. With `count`, the
 * best `count` by front rank, ties within the last front broken by crowding distance (so a
 * request for 3 of a 10-point front gets its spread-out members), as NSGA-II selects.
 */
export function paretoFront<T>(items: readonly Scored<T>[], goals: readonly ObjectiveGoal[], count?: number): Ranked<T>[] {
  if (count !== undefined && (!Number.isInteger(count) || count < 0)) {
    throw new InvalidArgumentError(`must be a non-negative integer, got ${count}`, 'count');
  }
  const points = items.map((entry) => entry.values);
  const fronts = count === undefined || count === 0 ? peelFronts(points, goals, 1) : peelFronts(points, goals, count);
  const chosen: Ranked<T>[] = [];
  for (const [rank, front] of fronts.entries()) {
    const crowding = crowdingDistance(points, front);
    const members = front.map((index, k) => ({ ...items[index], rank, crowdingDistance: crowding[k], index }));
    const room = count === undefined || count === 0 ? (rank === 0 ? members.length : 0) : count - chosen.length;
    if (room <= 0) break;
    if (members.length > room) members.sort((a, b) => b.crowdingDistance - a.crowdingDistance || a.index - b.index);
    chosen.push(...members.slice(0, room).sort((a, b) => a.index - b.index));
  }
  return chosen.map(({ item, values, rank, crowdingDistance }) => ({ item, values, rank, crowdingDistance }));
}
