import type { StepContext, TrialSummary } from '../step-context';
import { checkLimits, maxAttempts } from './run-limits';
import { StepFailedError } from './step-executor';

// checkLimits reads the run's limits and, for two of them, the trials table; the table is
// faked here with the rows a query would find.
describe('checkLimits', () => {
  const started = new Date('2026-11-28T05:00:00Z');
  const summary: TrialSummary = { total: 4, inFlight: 1, queued: 0, anySucceeded: true, failed: 1, lastError: 'loss is NaN' };

  function contextWith(limits: Record<string, unknown>, trials: { state: string; objective?: number }[] = []): StepContext {
    return {
      config: { general: { limits } },
      run: { id: 'run-1', startedAt: started },
      step: { name: 'hpo' },
      prisma: {
        trial: {
          count: async ({ where }: { where: { runId: string; state: string } }) => trials.filter((trial) => trial.state === where.state).length,
          findMany: async ({ where }: { where: { state: string } }) =>
            trials
              .filter((trial) => trial.state === where.state)
              .map((trial) => ({ state: trial.state, progressObjectives: trial.objective === undefined ? null : [{ key: 'accuracy', value: trial.objective }] })),
        },
      },
    } as unknown as StepContext;
  }

  it('counts failed trials across the run: a later step fails once the run has more than max_failed_trials', async () => {
    const failedElsewhere = [{ state: 'FAILED' }, { state: 'FAILED' }, { state: 'SUCCEEDED' }];
    await expect(checkLimits(contextWith({ max_failed_trials: 2 }, failedElsewhere), summary)).resolves.toBeUndefined();
    const error = await checkLimits(contextWith({ max_failed_trials: 2 }, [...failedElsewhere, { state: 'FAILED' }]), summary).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(StepFailedError);
    expect((error as Error).message).toBe('3 trials of the run failed, more than general.limits.max_failed_trials (2); last error of hpo: loss is NaN');
  });

  it('stops the step once the wall-clock budget is spent, and not before', async () => {
    const context = contextWith({ max_duration_s: 60 });
    await expect(checkLimits(context, summary, started.getTime() + 59_000)).resolves.toBeUndefined();
    await expect(checkLimits(context, summary, started.getTime() + 61_000)).resolves.toBe("the run's wall-clock budget (general.limits.max_duration: 60 s) is spent");
  });

  it('stops the step once a succeeded trial reaches the target, in the target goal direction', async () => {
    const trials = [{ state: 'SUCCEEDED', objective: 0.87 }, { state: 'RUNNING', objective: 0.95 }];
    await expect(checkLimits(contextWith({ target: { key: 'accuracy', value: 0.9, goal: 'MAXIMIZE' } }, trials), summary)).resolves.toBeUndefined();
    await expect(checkLimits(contextWith({ target: { key: 'accuracy', value: 0.86, goal: 'MAXIMIZE' } }, trials), summary)).resolves.toBe('a trial reached the target accuracy >= 0.86');
    await expect(checkLimits(contextWith({ target: { key: 'accuracy', value: 0.88, goal: 'MINIMIZE' } }, trials), summary)).resolves.toBe('a trial reached the target accuracy <= 0.88');
  });

  it('gives a trial 1 + max_retries attempts, 3 by default', () => {
    expect(maxAttempts(undefined)).toBe(3);
    expect(maxAttempts({ max_retries: 0 } as never)).toBe(1);
  });
});
