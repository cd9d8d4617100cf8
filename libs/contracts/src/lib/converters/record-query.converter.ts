import type { ObjectiveGoal as DomainGoal } from '@vela/pareto';
import type { RecordFilter, RecordOrder } from '@vela/records';
import type { ObjectiveSpec } from '../../generated/vela/v1/common';
import { RecordOrder as RecordOrderProto, type RecordFilter as RecordFilterProto } from '../../generated/vela/v1/report_service';
import { InvalidArgumentError } from '@vela/errors';
import { objectiveGoalConverter, trialStateConverter } from './record.converter';

export function recordFilterFromProto(filter: RecordFilterProto | undefined, field = 'filter'): RecordFilter {
  return {
    runId: filter?.runId || undefined,
    step: filter?.stepId || undefined,
    trialId: filter?.trialId || undefined,
    trialStates: (filter?.trialStates ?? []).map((state, index) => trialStateConverter.toName(state, `${field}.trial_states[${index}]`)),
    resultsOnly: filter?.resultsOnly || undefined,
  };
}

export function objectiveSpecFromProto(spec: ObjectiveSpec, field: string): { key: string; goal: DomainGoal } {
  if (!spec.key) throw new InvalidArgumentError('is required', `${field}.key`);
  return { key: spec.key, goal: objectiveGoalConverter.toName(spec.goal, `${field}.goal`) };
}

export function recordOrderFromProto(order: RecordOrderProto, objective: ObjectiveSpec | undefined): RecordOrder {
  switch (order) {
    case RecordOrderProto.RECORD_ORDER_UNSPECIFIED:
    case RecordOrderProto.RECORD_ORDER_SEQ:
      return { by: 'seq' };
    case RecordOrderProto.RECORD_ORDER_TRIAL:
      return { by: 'trial' };
    case RecordOrderProto.RECORD_ORDER_OBJECTIVE:
      if (!objective) throw new InvalidArgumentError('is required when order is RECORD_ORDER_OBJECTIVE', 'order_objective');
      return { by: 'objective', ...objectiveSpecFromProto(objective, 'order_objective') };
    default:
      throw new InvalidArgumentError(`unknown order ${order}`, 'order');
  }
}
