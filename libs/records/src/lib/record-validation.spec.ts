import { InvalidArgumentError } from '@vela/errors';
import { checkUuid, validateRecord } from './record-validation';
import type { RecordInput } from './record.types';

const valid: RecordInput = {
  trialId: '7b0e8a3c-1f6e-4a51-9a59-2b1f7a0c4d11',
  attempt: 1,
  epoch: 2,
  trialState: 'RUNNING',
  desc: { modules: ['backbone'] },
  hyperparameters: { lr: 0.1 },
  performance: { accuracy: 0.9 },
  objectives: [{ key: 'accuracy', goal: 'MAXIMIZE', value: 0.9 }],
};

describe('validateRecord', () => {
  it('accepts a well-formed record', () => {
    expect(() => validateRecord(valid)).not.toThrow();
  });

  it.each([
    [{ trialId: 'nope' }, "record.trial_id: must be a trial/run id (uuid), got 'nope'"],
    [{ attempt: 0 }, 'record.attempt: must be an integer >= 1, got 0'],
    [{ epoch: -1 }, 'record.epoch: must be an integer >= 0, got -1'],
    [{ trialState: 'DONE' }, "record.trial_state: must be one of PENDING, LEASED, RUNNING, SUCCEEDED, FAILED, CANCELLED, got 'DONE'"],
    [{ objectives: [{ key: 'accuracy', goal: 'MAXIMIZE', value: NaN }] }, 'record.objectives[0].value: must be a finite number, got NaN'],
    [{ objectives: [{ key: 'accuracy', goal: 'MAXIMIZE' }] }, 'record.objectives[0].value: is missing'],
    [{ objectives: [{ key: '', goal: 'MAXIMIZE', value: 1 }] }, 'record.objectives[0].key: is required'],
    [{ objectives: [{ key: 'a', goal: 'UP', value: 1 }] }, "record.objectives[0].goal: must be MINIMIZE or MAXIMIZE, got 'UP'"],
    [{ objectives: [{ key: 'a', goal: 'MAXIMIZE', value: 1 }, { key: 'a', goal: 'MAXIMIZE', value: 2 }] }, "record.objectives[1].key: duplicate objective 'a'"],
    [{ trialState: 'SUCCEEDED', objectives: [] }, 'record.objectives: a SUCCEEDED record needs at least one objective value'],
    [{ performance: { loss: Infinity } }, "record.performance['loss']: must be a finite number, got Infinity"],
    [{ flops: NaN }, 'record.flops: must be a finite number, got NaN'],
  ])('refuses %j', (change, message) => {
    const attempt = () => validateRecord({ ...valid, ...(change as Partial<RecordInput>) });
    expect(attempt).toThrow(InvalidArgumentError);
    expect(attempt).toThrow(message);
  });

  it('lets a failed trial report no objectives', () => {
    expect(() => validateRecord({ ...valid, trialState: 'FAILED', objectives: [], error: 'out of memory' })).not.toThrow();
  });
});

describe('checkUuid', () => {
  it('lower-cases and names the field', () => {
    expect(checkUuid('7B0E8A3C-1F6E-4A51-9A59-2B1F7A0C4D11', 'x')).toBe('7b0e8a3c-1f6e-4a51-9a59-2b1f7a0c4d11');
    expect(() => checkUuid('', 'filter.run_id')).toThrow('filter.run_id: is required');
  });
});
