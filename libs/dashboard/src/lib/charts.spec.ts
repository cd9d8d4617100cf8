import type { TrialRow } from '../api';
import { paretoFront } from '@vela/pareto';
import type { Goal } from '../api';
import { bestResult, bestSoFarChart, flattenHyperparameters, frontOfTwo, parallelChart, paretoChart } from './charts';

const row = (number: number, objectives: Record<string, number>, hyperparameters: Record<string, unknown> = {}): TrialRow => ({
  id: `t${number}`,
  number,
  step: 'hpo',
  state: 'SUCCEEDED',
  attempt: 1,
  epoch: 1,
  objectives,
  hyperparameters,
  desc: {},
});

describe('bestSoFarChart', () => {
  it('keeps only the improvements, extended to the last trial', () => {
    const rows = [row(3, { accuracy: 0.5 }), row(1, { accuracy: 0.6 }), row(2, { accuracy: 0.4 }), row(4, { accuracy: 0.7 }), row(5, { accuracy: 0.65 }), row(6, {})];
    const chart = bestSoFarChart(rows, { key: 'accuracy', goal: 'MAXIMIZE' }, 100);
    expect(chart.results).toBe(5);
    expect(chart.best).toEqual([
      { number: 1, value: 0.6 },
      { number: 4, value: 0.7 },
      { number: 5, value: 0.7 },
    ]);
    expect(chart.trials.map((point) => point.number)).toEqual([1, 2, 3, 4, 5]);
  });

  it("downsamples the cloud to each bucket's extremes, keeping outliers", () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => row(i + 1, { loss: i === 7777 ? -100 : Math.sin(i) }));
    const chart = bestSoFarChart(rows, { key: 'loss', goal: 'MINIMIZE' }, 200);
    expect(chart.trials.length).toBeLessThanOrEqual(200);
    expect(chart.trials).toContainEqual({ number: 7778, value: -100 });
    expect(chart.best[chart.best.length - 1]).toEqual({ number: 10_000, value: -100 });
  });
});

describe('bestResult', () => {
  it('is the best value, the earliest trial among equals', () => {
    expect(bestResult([row(2, { loss: 1 }), row(1, { loss: 1 }), row(3, { loss: 2 })], { key: 'loss', goal: 'MINIMIZE' })).toEqual({ number: 1, value: 1 });
    expect(bestResult([row(1, {})], { key: 'loss', goal: 'MINIMIZE' })).toBeUndefined();
  });
});

describe('paretoChart', () => {
  it('finds the front over two objectives with their goals, sorted by x', () => {
    const rows = [row(1, { accuracy: 0.9, params: 100 }), row(2, { accuracy: 0.8, params: 10 }), row(3, { accuracy: 0.7, params: 50 }), row(4, { accuracy: 0.95, params: 200 })];
    const chart = paretoChart(rows, { key: 'params', goal: 'MINIMIZE' }, { key: 'accuracy', goal: 'MAXIMIZE' }, { width: 100, height: 100 });
    expect(chart.front.map((point) => point.number)).toEqual([2, 1, 4]);
    expect(chart.points).toHaveLength(4);
  });

  it('thins the cloud to one point per grid cell but keeps the whole front', () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => row(i + 1, { a: (i % 100) / 100, b: Math.floor(i / 100) / 100 }));
    const chart = paretoChart(rows, { key: 'a', goal: 'MINIMIZE' }, { key: 'b', goal: 'MINIMIZE' }, { width: 10, height: 10 });
    expect(chart.points.length).toBeLessThanOrEqual(100);
    expect(chart.front).toEqual([{ number: 1, x: 0, y: 0 }]);
    expect(chart.results).toBe(10_000);
  });
});

describe('frontOfTwo', () => {
  it('agrees with the general non-dominated sort for every pair of goals, ties and duplicates included', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) % 20) / 4;
    const points = Array.from({ length: 300 }, (_, i) => ({ number: i + 1, x: random(), y: random() }));
    for (const goals of [['MINIMIZE', 'MINIMIZE'], ['MINIMIZE', 'MAXIMIZE'], ['MAXIMIZE', 'MINIMIZE'], ['MAXIMIZE', 'MAXIMIZE']] as [Goal, Goal][]) {
      const expected = paretoFront(points.map((point) => ({ item: point.number, values: [point.x, point.y] })), goals).map((ranked) => ranked.item);
      expect(frontOfTwo(points, ...goals).map((point) => point.number).sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
    }
  });
});

describe('parallelChart', () => {
  it('has an axis per hyperparameter leaf then the objective, with log and category scales', () => {
    const rows = [
      row(1, { accuracy: 0.5 }, { trainer: { optimizer: { type: 'SGD', params: { lr: 0.0001 } } } }),
      row(2, { accuracy: 0.9 }, { trainer: { optimizer: { type: 'Adam', params: { lr: 0.1 } } } }),
    ];
    const chart = parallelChart(rows, { key: 'accuracy', goal: 'MAXIMIZE' }, 10);
    expect(chart.axes).toEqual([
      { key: 'trainer.optimizer.params.lr', scale: 'log', min: 0.0001, max: 0.1 },
      { key: 'trainer.optimizer.type', scale: 'category', min: 0, max: 1, categories: ['Adam', 'SGD'] },
      { key: 'accuracy', scale: 'linear', min: 0.5, max: 0.9 },
    ]);
    expect(chart.lines).toEqual([
      { number: 2, values: [0.1, 0, 0.9] },
      { number: 1, values: [0.0001, 1, 0.5] },
    ]);
  });

  it('samples evenly by rank, the best included', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => row(i + 1, { loss: i }, { x: i }));
    const chart = parallelChart(rows, { key: 'loss', goal: 'MINIMIZE' }, 10);
    expect(chart.results).toBe(1000);
    expect(chart.lines.map((line) => line.number)).toEqual([1, 101, 201, 301, 401, 501, 601, 701, 801, 901]);
  });
});

describe('flattenHyperparameters', () => {
  it('names each leaf by its path', () => {
    expect([...flattenHyperparameters({ a: { b: 1, c: [1, 2] }, d: 'x' })]).toEqual([
      ['a.b', 1],
      ['a.c', [1, 2]],
      ['d', 'x'],
    ]);
  });
});
