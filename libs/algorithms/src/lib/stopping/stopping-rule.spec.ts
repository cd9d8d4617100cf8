import { Observation } from '../core/types';
import { StoppingRule } from './stopping-rule';

const suggestion = { point: {}, hyperparameters: {} };

/** Observations of a trial reporting `values` at epochs 1.., finished when `done`. */
function trial(id: string, values: number[], done: boolean): Observation[] {
  return [
    { trialId: id, attempt: 1, epoch: 0, state: 'PENDING', suggestion },
    ...values.map((value, i): Observation => ({
      trialId: id,
      attempt: 1,
      epoch: i + 1,
      state: done && i === values.length - 1 ? 'SUCCEEDED' : 'RUNNING',
      objectives: [{ key: 'accuracy', value, goal: 'MAXIMIZE' }],
      final: done && i === values.length - 1,
    })),
  ];
}

describe('StoppingRule', () => {
  const finished = ['a', 'b', 'c', 'd', 'e'].flatMap((id, i) => trial(id, [0.5 + 0.05 * i, 0.6 + 0.05 * i, 0.7 + 0.05 * i], true));

  it('stops a trial below the median of completed trials at the same epoch (Optuna defaults)', () => {
    const rule = new StoppingRule({ type: 'MedianPruner' });
    rule.observe(finished);
    rule.observe([...trial('good', [0.62, 0.75], false), ...trial('bad', [0.4, 0.45], false)]);
    expect(rule.decide()).toEqual(['bad']);
  });

  it('waits for startup trials and warm-up steps', () => {
    const early = new StoppingRule({ type: 'median', startup_trials: 6 });
    early.observe([...finished, ...trial('bad', [0.1], false)]);
    expect(early.decide()).toEqual([]);
    const warm = new StoppingRule({ type: 'median', warmup_steps: 3 });
    warm.observe([...finished, ...trial('bad', [0.1, 0.1], false)]);
    expect(warm.decide()).toEqual([]);
  });

  it('applies a percentile and the running-average comparison (Katib)', () => {
    const strict = new StoppingRule({ type: 'percentile', percentile: 25 });
    strict.observe([...finished, ...trial('middling', [0.62], false)]);
    expect(strict.decide()).toEqual(['middling']);
    const katib = new StoppingRule({ type: 'medianstop', startup_trials: 3, compare: 'running_average' });
    katib.observe([...finished, ...trial('x', [0.6, 0.66], false)]);
    expect(katib.decide()).toEqual([]);
    const restored = new StoppingRule({ type: 'medianstop', startup_trials: 3, compare: 'running_average' });
    restored.restore(JSON.parse(JSON.stringify(katib.snapshot())));
    restored.observe(trial('y', [0.3, 0.31], false));
    expect(restored.decide()).toEqual(['y']);
  });

  it('rejects bad settings, naming the key', () => {
    expect(() => new StoppingRule({ type: 'mediam', warmup_step: 2 })).toThrow(/early_stopping.type: unknown stopping rule 'mediam' \(did you mean 'median'\?\)[\s\S]*early_stopping.warmup_step: unknown key \(did you mean 'warmup_steps'\?\)/);
    expect(() => new StoppingRule({ type: 'percentile' })).toThrow('early_stopping.percentile: the percentile rule needs a percentile in [0, 100]');
  });
});
