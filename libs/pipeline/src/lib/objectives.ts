import { objectiveGoalConverter, type ObjectiveSpec as ObjectiveSpecProto } from '@vela/contracts';
import type { ObjectiveGoal } from '@vela/pareto';

export interface ObjectiveSpec {
  readonly key: string;
  readonly goal: ObjectiveGoal;
}

/** Metrics that are better when smaller; every other objective is maximised (accuracy, mAP, ...). */
const SMALLER_IS_BETTER = /(loss|error|err|flops|params|latency|time|mse|mae|l1|size)$/i;

/**
 * A step's objectives from Vega's `objective_keys` (default: accuracy), each with the goal
 * its name implies: `loss`, `flops`, `params`, `latency` ... are minimised, the rest
 * maximised, as Vega's pareto front treats them.
 */
/** Objectives for the wire. */
export function objectivesToProto(objectives: readonly ObjectiveSpec[]): ObjectiveSpecProto[] {
  return objectives.map((objective) => ({ key: objective.key, goal: objectiveGoalConverter.toProto(objective.goal) }));
}

export function objectivesOf(objectiveKeys: readonly string[] | string | undefined): ObjectiveSpec[] {
  const keys = objectiveKeys === undefined ? ['accuracy'] : typeof objectiveKeys === 'string' ? [objectiveKeys] : objectiveKeys;
  return keys.map((key) => ({ key, goal: SMALLER_IS_BETTER.test(key) ? 'MINIMIZE' : 'MAXIMIZE' }));
}
