import type { TrialRow, TrialStateName } from '../api';
import { matchingTrials, pageOf, trialQueryFromParams } from './trial-query';

const row = (number: number, state: TrialStateName, accuracy?: number, lr = 0.01): TrialRow => ({
  id: `t${number}`,
  number,
  step: 'hpo',
  state,
  attempt: 1,
  epoch: accuracy === undefined ? undefined : 2,
  objectives: accuracy === undefined ? {} : { accuracy },
  hyperparameters: { lr },
  desc: { backbone: { type: number % 2 ? 'ResNet' : 'SimpleCnn' } },
});

const rows = [row(1, 'SUCCEEDED', 0.7), row(2, 'RUNNING'), row(3, 'SUCCEEDED', 0.9), row(4, 'FAILED'), row(5, 'SUCCEEDED', 0.8, 0.5)];
const query = (params: Record<string, string>) => {
  const parsed = trialQueryFromParams(params);
  return pageOf(matchingTrials(rows, parsed), parsed);
};

describe('matchingTrials and pageOf', () => {
  it('pages by trial number by default', () => {
    expect(query({ offset: '1', limit: '2' })).toMatchObject({ total: 5, offset: 1, rows: [{ number: 2 }, { number: 3 }] });
  });

  it('sorts by an objective either way, trials without a value last', () => {
    expect(query({ sort: 'objective:accuracy', order: 'desc' }).rows.map((r) => r.number)).toEqual([3, 5, 1, 2, 4]);
    expect(query({ sort: 'objective:accuracy' }).rows.map((r) => r.number)).toEqual([1, 5, 3, 2, 4]);
  });

  it('filters by state and by text in desc or hyperparameters', () => {
    expect(query({ states: 'RUNNING,FAILED' }).rows.map((r) => r.number)).toEqual([2, 4]);
    expect(query({ q: 'resnet' }).rows.map((r) => r.number)).toEqual([1, 3, 5]);
    expect(query({ q: '0.5' }).rows.map((r) => r.number)).toEqual([5]);
  });

  it('names the parameter of a bad value', () => {
    expect(() => trialQueryFromParams({ limit: '5000' })).toThrow('limit: must be an integer from 0 to 1000');
    expect(() => trialQueryFromParams({ sort: 'colour' })).toThrow('sort: must be number, state, epoch or objective:<key>');
    expect(() => trialQueryFromParams({ states: 'DONE' })).toThrow('states: must be a list of PENDING');
  });
});
