import type { RunLimits } from '@vela/config';
import type { Trial } from '@vela/db';
import type { ObjectiveValue } from '@vela/records';
import type { StepContext } from '../step-context';
import { StepFailedError } from './step-executor';

export const DEFAULT_MAX_ATTEMPTS = 3;

/** Attempts a trial gets: 1 + `max_retries` (default 2 retries). */
export function maxAttempts(limits: RunLimits | undefined): number {
  return 1 + (limits?.max_retries ?? DEFAULT_MAX_ATTEMPTS - 1);
}

/**
 * The run limits that end a step early (DESIGN.md: maximum failed trials, a wall-clock
 * budget, a target objective value): returns why the step should stop taking new trials, or
 * throws StepFailedError when it cannot succeed.
 */
export function checkLimits(context: StepContext, trials: readonly Trial[], now = Date.now()): string | undefined {
  const limits = context.config.general.limits;
  const failed = trials.filter((trial) => trial.state === 'FAILED').length;
  if (limits.max_failed_trials !== undefined && failed > limits.max_failed_trials) {
    throw new StepFailedError(`${failed} trials failed, more than general.limits.max_failed_trials (${limits.max_failed_trials}); last error: ${lastError(trials)}`);
  }
  if (limits.max_duration_s !== undefined && context.run.startedAt && now - context.run.startedAt.getTime() > limits.max_duration_s * 1000) {
    return `the run's wall-clock budget (general.limits.max_duration: ${limits.max_duration_s} s) is spent`;
  }
  const target = limits.target;
  if (target) {
    const reached = trials.some((trial) => {
      if (trial.state !== 'SUCCEEDED') return false;
      const value = (trial.progressObjectives as unknown as ObjectiveValue[] | null)?.find((objective) => objective.key === target.key)?.value;
      return value !== undefined && (target.goal === 'MINIMIZE' ? value <= target.value : value >= target.value);
    });
    if (reached) return `a trial reached the target ${target.key} ${target.goal === 'MINIMIZE' ? '<=' : '>='} ${target.value}`;
  }
  return undefined;
}

function lastError(trials: readonly Trial[]): string {
  return [...trials].reverse().find((trial) => trial.state === 'FAILED' && trial.error)?.error ?? 'none recorded';
}
