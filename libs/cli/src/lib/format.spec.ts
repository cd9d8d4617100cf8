import { ObjectiveGoal, Record as RecordProto, RunState, WorkerState } from '@vela/contracts';
import { enumLabel, formatDuration, formatNumber, objectiveLabel, objectiveValue } from './format';

describe('formatting', () => {
  it('names enum values without their prefix', () => {
    expect(enumLabel(RunState, RunState.RUN_STATE_CANCELLED)).toBe('CANCELLED');
    expect(enumLabel(WorkerState, WorkerState.WORKER_STATE_DRAINING)).toBe('DRAINING');
  });

  it('prints numbers with the precision they need', () => {
    expect(formatNumber(0.87312)).toBe('0.873');
    expect(formatNumber(12.345)).toBe('12.35');
    expect(formatNumber(1234.5)).toBe('1235');
  });

  it('prints durations in their two largest units', () => {
    expect(formatDuration(400)).toBe('0s');
    expect(formatDuration(45000)).toBe('45s');
    expect(formatDuration(192000)).toBe('3m 12s');
    expect(formatDuration(7500000)).toBe('2h 5m');
    expect(formatDuration(86400000)).toBe('1d');
  });

  it('reads an objective from objectives, else performance, else the size metrics', () => {
    const record = RecordProto.fromPartial({ objectives: [{ key: 'accuracy', value: 0.9 }], performance: { loss: 0.2, accuracy: 0.5 }, params: 12 });
    expect(objectiveValue(record, 'accuracy')).toBe(0.9);
    expect(objectiveValue(record, 'loss')).toBe(0.2);
    expect(objectiveValue(record, 'params')).toBe(12);
    expect(objectiveValue(record, 'latency')).toBeUndefined();
    expect(objectiveLabel({ key: 'loss', goal: ObjectiveGoal.OBJECTIVE_GOAL_MINIMIZE })).toBe('loss ↓');
  });
});
