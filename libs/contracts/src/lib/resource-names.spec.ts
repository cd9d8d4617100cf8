import { InvalidArgumentError } from '@vela/errors';
import fc from 'fast-check';
import {
  ALL_STEPS,
  artifactName,
  assertResourceId,
  parseArtifactName,
  parseRunName,
  parseSearchName,
  parseStepName,
  parseTrialName,
  parseTrialsParent,
  parseWorkerName,
  runName,
  searchName,
  stepName,
  trialName,
  workerName,
} from './resource-names';

const RUN = '0b7e2f0c-5d1a-4c1e-9a55-3f1f0d2b7c11';
const TRIAL = 'f3c1d2a4-1111-4bbb-8ccc-123456789abc';

function invalid(fn: () => unknown): InvalidArgumentError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error('expected an InvalidArgumentError');
}

describe('resource names', () => {
  it('builds every name of the resource model', () => {
    expect(runName(RUN)).toBe(`runs/${RUN}`);
    expect(stepName(RUN, 'fully_train')).toBe(`runs/${RUN}/steps/fully_train`);
    expect(trialName(RUN, 'nas', TRIAL)).toBe(`runs/${RUN}/steps/nas/trials/${TRIAL}`);
    expect(searchName('s-1')).toBe('searches/s-1');
    expect(workerName('gpu-host-1.lab')).toBe('workers/gpu-host-1.lab');
    expect(artifactName('a1')).toBe('artifacts/a1');
  });

  it('parses what it builds', () => {
    expect(parseRunName(runName(RUN))).toEqual({ run: RUN });
    expect(parseStepName(stepName(RUN, 'hpo'))).toEqual({ run: RUN, step: 'hpo' });
    expect(parseTrialName(trialName(RUN, 'nas', TRIAL))).toEqual({ run: RUN, step: 'nas', trial: TRIAL });
    expect(parseSearchName('searches/x')).toEqual({ search: 'x' });
    expect(parseWorkerName('workers/w_0')).toEqual({ worker: 'w_0' });
    expect(parseArtifactName('artifacts/ckpt.1')).toEqual({ artifact: 'ckpt.1' });
  });

  it('round-trips any valid ids', () => {
    const id = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,20}$/);
    fc.assert(
      fc.property(id, id, id, (run, step, trial) => {
        expect(parseTrialName(trialName(run, step, trial))).toEqual({ run, step, trial });
      }),
      { numRuns: 200 },
    );
  });

  it('reads the ListTrials parent with and without the step wildcard', () => {
    expect(parseTrialsParent(`runs/${RUN}/steps/${ALL_STEPS}`)).toEqual({ run: RUN });
    expect(parseTrialsParent(`runs/${RUN}/steps/nas`)).toEqual({ run: RUN, step: 'nas' });
    expect(invalid(() => parseTrialsParent('runs//steps/-')).field).toBe('parent');
  });

  it('names the request field and the expected form when parsing fails', () => {
    const error = invalid(() => parseTrialName(`runs/${RUN}/steps/nas`, 'trial'));
    expect(error.field).toBe('trial');
    expect(error.message).toContain('runs/{run}/steps/{step}/trials/{trial}');
    expect(error.message).toContain('found 4');
    expect(invalid(() => parseRunName('')).field).toBe('name');
  });

  it('suggests the collection meant by a typo', () => {
    expect(invalid(() => parseRunName('run/abc')).message).toContain("did you mean 'runs'?");
    expect(invalid(() => parseSearchName('serches/abc')).message).toContain("did you mean 'searches'?");
  });

  it('rejects ids that are empty, too long or unsafe as folder names', () => {
    expect(invalid(() => parseWorkerName('workers/')).message).toContain('worker: must not be empty');
    expect(invalid(() => parseWorkerName(`workers/${'w'.repeat(129)}`)).message).toContain('at most 128');
    for (const bad of ['..', '.hidden', 'a b', 'a:b', '-x']) {
      expect(invalid(() => parseRunName(`runs/${bad}`)).field).toBe('name');
    }
    expect(invalid(() => parseStepName(`runs/${RUN}/trials/nas`)).message).toContain('expected "steps" at segment 3');
  });

  it('validates ids when building, naming the argument', () => {
    expect(invalid(() => stepName(RUN, 'a/b')).field).toBe('step');
    expect(invalid(() => workerName('')).field).toBe('worker');
    expect(assertResourceId('nas', 'step')).toBe('nas');
  });
});
