import { InvalidArgumentError } from '@vela/errors';
import { crowdingDistance, dominates, nonDominatedSort, paretoFront } from './pareto';

describe('dominates', () => {
  it('respects each objective goal', () => {
    expect(dominates([1, 1], [2, 2], ['MINIMIZE', 'MINIMIZE'])).toBe(true);
    expect(dominates([1, 1], [1, 1], ['MINIMIZE', 'MINIMIZE'])).toBe(false);
    expect(dominates([0.9, 1], [0.8, 1], ['MAXIMIZE', 'MINIMIZE'])).toBe(true);
    expect(dominates([0.9, 2], [0.8, 1], ['MAXIMIZE', 'MINIMIZE'])).toBe(false);
  });
});

describe('nonDominatedSort', () => {
  it('groups points into fronts', () => {
    const points = [
      [1, 5],
      [2, 3],
      [4, 1],
      [3, 4],
      [5, 5],
      [2, 3],
    ];
    expect(nonDominatedSort(points, ['MINIMIZE', 'MINIMIZE'])).toEqual([[0, 1, 2, 5], [3], [4]]);
  });

  it('handles three objectives with mixed goals', () => {
    const points = [
      [0.9, 10, 5],
      [0.8, 5, 5],
      [0.7, 12, 6],
    ];
    expect(nonDominatedSort(points, ['MAXIMIZE', 'MINIMIZE', 'MINIMIZE'])).toEqual([[0, 1], [2]]);
  });

  it('rejects an empty objective list and non-finite values, naming the field', () => {
    expect(() => nonDominatedSort([[1]], [])).toThrow(new InvalidArgumentError('at least one objective is needed', 'objectives'));
    expect(() => nonDominatedSort([[1, NaN]], ['MINIMIZE', 'MINIMIZE'])).toThrow('points[0][1]: must be a finite number, got NaN');
    expect(() => nonDominatedSort([[1]], ['MINIMIZE', 'MINIMIZE'])).toThrow('points[0]: has 1 values, expected 2');
  });

  it('agrees with a brute-force front on random points', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const points = Array.from({ length: 200 }, () => [random(), random(), random()]);
    const goals = ['MINIMIZE', 'MAXIMIZE', 'MINIMIZE'] as const;
    const bruteForce = points.map((_, i) => i).filter((i) => !points.some((q) => dominates(q, points[i], goals)));
    expect(nonDominatedSort(points, goals)[0]).toEqual(bruteForce);
  });
});

describe('crowdingDistance', () => {
  it('gives boundary points infinity and inner points their normalised gaps', () => {
    const points = [
      [0, 4],
      [1, 2],
      [2, 1],
      [4, 0],
    ];
    const distance = crowdingDistance(points, [0, 1, 2, 3]);
    expect(distance[0]).toBe(Infinity);
    expect(distance[3]).toBe(Infinity);
    expect(distance[1]).toBeCloseTo(2 / 4 + 3 / 4);
    expect(distance[2]).toBeCloseTo(3 / 4 + 2 / 4);
  });
});

describe('paretoFront', () => {
  const items = [
    { item: 'a', values: [0.9, 3] },
    { item: 'b', values: [0.8, 1] },
    { item: 'c', values: [0.7, 2] },
    { item: 'd', values: [0.95, 5] },
    { item: 'e', values: [0.85, 2] },
  ];
  it('returns the non-dominated items in input order', () => {
    const front = paretoFront(items, ['MAXIMIZE', 'MINIMIZE']);
    expect(front.map((s) => s.item)).toEqual(['a', 'b', 'd', 'e']);
    expect(front.map((s) => s.crowdingDistance)).toEqual([expect.any(Number), Infinity, Infinity, expect.any(Number)]);
  });
  it('fills a count from later fronts, or trims the last by crowding', () => {
    const all = paretoFront(items, ['MAXIMIZE', 'MINIMIZE'], 5);
    expect(all.map((s) => [s.item, s.rank])).toEqual([['a', 0], ['b', 0], ['d', 0], ['e', 0], ['c', 1]]);
    expect(paretoFront(items, ['MAXIMIZE', 'MINIMIZE'], 2).map((s) => s.item)).toEqual(['b', 'd']);
  });
  it('rejects a bad count', () => {
    expect(() => paretoFront(items, ['MAXIMIZE', 'MINIMIZE'], -1)).toThrow('count: must be a non-negative integer, got -1');
  });
});

describe('paretoFront at scale', () => {
  let seed = 11;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  it.each([2, 3])('agrees with the full non-dominated sort (%i objectives, duplicates included)', (objectives) => {
    const points = Array.from({ length: 400 }, () => Array.from({ length: objectives }, () => Math.round(random() * 20) / 20));
    const goals = (['MINIMIZE', 'MAXIMIZE', 'MINIMIZE'] as const).slice(0, objectives);
    const items = points.map((values, item) => ({ item, values }));
    const fronts = nonDominatedSort(points, goals);
    expect(paretoFront(items, goals).map((entry) => entry.item)).toEqual(fronts[0]);
    const count = fronts[0].length + fronts[1].length + 1;
    const ranked = paretoFront(items, goals, count);
    expect(ranked).toHaveLength(count);
    expect(ranked.filter((entry) => entry.rank < 2).map((entry) => entry.item).sort((a, b) => a - b)).toEqual([...fronts[0], ...fronts[1]].sort((a, b) => a - b));
  });
});
