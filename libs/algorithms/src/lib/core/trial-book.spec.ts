import { TrialBook } from './trial-book';
import { Observation, Suggestion } from './types';

const suggestion: Suggestion = { point: { x: 1 }, hyperparameters: { x: 1 }, budget: { epochs: 3 }, rung: 0 };
const accuracy = (value: number) => [{ key: 'accuracy', value, goal: 'MAXIMIZE' as const }];

describe('TrialBook', () => {
  it('requires the suggestion on a trial’s first observation and checks fields', () => {
    const book = new TrialBook();
    expect(() => book.apply({ trialId: 't1', attempt: 1, epoch: 0, state: 'PENDING' })).toThrow(
      "observation.suggestion: the first observation of trial 't1' must carry its suggestion",
    );
    expect(() => book.apply({ trialId: 't1', attempt: 1, epoch: 0, state: 'DONE' as never, suggestion })).toThrow('observation.state: must be one of PENDING');
    expect(() => book.apply({ trialId: 't1', attempt: 1, epoch: 1, state: 'RUNNING', objectives: [{ key: 'a', value: NaN, goal: 'MAXIMIZE' }], suggestion })).toThrow(
      'observation.objectives[0].value: must be a finite number, got NaN',
    );
    expect(() => book.apply({ trialId: 't1', attempt: 1, epoch: 0, state: 'PENDING', suggestion: { ...suggestion, trialId: 't2' } })).toThrow(
      "observation.suggestion.trialId: names trial 't2' but the observation is for 't1'",
    );
  });

  it('keeps a stale attempt in flight and fences records of older attempts', () => {
    const book = new TrialBook();
    const log: Observation[] = [
      { trialId: 't1', attempt: 1, epoch: 0, state: 'PENDING', suggestion },
      { trialId: 't1', attempt: 1, epoch: 1, state: 'RUNNING', objectives: accuracy(0.5) },
      { trialId: 't1', attempt: 1, epoch: 1, state: 'STALE' },
      { trialId: 't1', attempt: 2, epoch: 0, state: 'PENDING' },
      { trialId: 't1', attempt: 1, epoch: 2, state: 'RUNNING', objectives: accuracy(0.9) },
    ];
    log.forEach((o) => book.apply(o));
    let trial = book.get('t1');
    expect(trial?.state).toBe('PENDING');
    expect(trial?.attempt).toBe(2);
    expect(trial?.records.map((r) => [r.epoch, r.attempt])).toEqual([[1, 1]]);
    book.apply({ trialId: 't1', attempt: 2, epoch: 3, state: 'SUCCEEDED', objectives: accuracy(0.8), final: true, checkpoint: 'ckpt/3' });
    book.apply(log[3]);
    trial = book.get('t1');
    expect(trial?.state).toBe('SUCCEEDED');
    expect(trial?.final?.objectives[0].value).toBe(0.8);
    expect(book.checkpointAt(trial as never, 5)).toBe('ckpt/3');
  });

  it('opens a new phase for a promotion and ignores late duplicates of the earlier phase', () => {
    const book = new TrialBook();
    book.apply({ trialId: 't1', attempt: 1, epoch: 0, state: 'PENDING', suggestion });
    book.apply({ trialId: 't1', attempt: 1, epoch: 3, state: 'SUCCEEDED', objectives: accuracy(0.6), final: true });
    const promotion: Suggestion = { ...suggestion, trialId: 't1', budget: { epochs: 9 }, rung: 1, continues: { trialId: 't1', epoch: 3 } };
    book.apply({ trialId: 't1', attempt: 1, epoch: 3, state: 'PENDING', suggestion: promotion });
    expect(book.suggestionCount).toBe(2);
    book.apply({ trialId: 't1', attempt: 1, epoch: 3, state: 'SUCCEEDED', objectives: accuracy(0.6), final: true });
    book.apply({ trialId: 't1', attempt: 1, epoch: 3, state: 'PENDING', suggestion: promotion });
    const trial = book.get('t1');
    expect(trial?.state).toBe('PENDING');
    expect(trial?.phase).toBe(1);
    expect(trial?.suggestion.rung).toBe(1);
    expect(book.suggestionCount).toBe(2);
    const copy = TrialBook.fromJSON(JSON.parse(JSON.stringify(book.toJSON())));
    expect(copy.toJSON()).toEqual(book.toJSON());
  });
});
