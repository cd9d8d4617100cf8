import type { RunLimits } from '@vela/config';
import type { ObjectiveValue } from '@vela/records';
import type { StepContext, TrialSummary } from '../step-context';
import { StepFailedError } from './step-executor';

export const DEFAULT_MAX_ATTEMPTS = 3;

/** Attempts a trial gets: 1 + `max_retries` (default 2 retries). */
export function maxAttempts(limits: RunLimits | undefined): number {
  return 1 + (limits?.max_retries ?? DEFAULT_MAX_ATTEMPTS - 1);
}

/**
 * The run limits that end a step early (DESIGN.md: maximum failed trials, a wall-clock
 * budget, a target objective value): returns why the step should stop taking new trials, or
 * throws StepFailedError when it cannot succeed. Failed trials count across the whole run;
 * the budget and the target only stop search steps (their callers), so that a run whose
 * search was cut short still trains and benchmarks what it found.
 */
export async function checkLimits(context: StepContext, summary: TrialSummary, now = Date.now()): Promise<string | undefined> {
  const limits = context.config.general.limits;
  if (limits.max_failed_trials !== undefined) {
    const failed = await context.prisma.trial.count({ where: { runId: context.run.id, state: 'FAILED' } });
    if (failed > limits.max_failed_trials) {
      throw new StepFailedError(
        `${failed} trials of the run failed, more than general.limits.max_failed_trials (${limits.max_failed_trials}); last error of ${context.step.name}: ${summary.lastError ?? 'none recorded'}`,
      );
    }
  }
  if (limits.max_duration_s !== undefined && context.run.startedAt && now - context.run.startedAt.getTime() > limits.max_duration_s * 1000) {
    return `the run's wall-clock budget (general.limits.max_duration: ${limits.max_duration_s} s) is spent`;
  }
  const target = limits.target;
  if (target && summary.anySucceeded) {
    const trials = await context.prisma.trial.findMany({ where: { runId: context.run.id, step: context.step.name, state: 'SUCCEEDED' }, select: { state: true, progressObjectives: true } });
    const reached = trials.some((trial) => {
      if (trial.state !== 'SUCCEEDED') return false;
      const value = (trial.progressObjectives as unknown as ObjectiveValue[] | null)?.find((objective) => objective.key === target.key)?.value;
      return value !== undefined && (target.goal === 'MINIMIZE' ? value <= target.value : value >= target.value);
    });
    if (reached) return `a trial reached the target ${target.key} ${target.goal === 'MINIMIZE' ? '<=' : '>='} ${target.value}`;
  }
  return undefined;
}
