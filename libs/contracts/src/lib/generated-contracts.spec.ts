import {
  ObjectiveGoal,
  PipelineServiceService,
  Record,
  ReportServiceService,
  Trial,
  TrialState,
  UploadArtifactRequest,
  WatchRecordsResponse,
} from '../index';

// Pins the shapes the ts-proto options give (see proto/README.md), so a change of options
// that would break every service shows up here first.
describe('generated contracts', () => {
  it('carries Struct as plain JSON, Timestamp as Date, int64 as number and optional doubles as undefined', () => {
    const record: Record = Record.fromPartial({
      runId: 'r',
      stepId: 'nas',
      trialId: 't',
      attempt: 2,
      epoch: 3,
      trialState: TrialState.TRIAL_STATE_RUNNING,
      desc: { modules: ['backbone'], backbone: { type: 'ResNet', depth: 18 } },
      performance: { accuracy: 0.91 },
      objectives: [{ key: 'accuracy', goal: ObjectiveGoal.OBJECTIVE_GOAL_MAXIMIZE, value: 0.91 }],
      flops: 0.56,
      seq: 9_007_199_254_740_991,
      updateTime: new Date('2026-01-02T03:04:05.678Z'),
    });
    const decoded = Record.decode(Record.encode(record).finish());
    expect(decoded.desc).toEqual({ modules: ['backbone'], backbone: { type: 'ResNet', depth: 18 } });
    expect(decoded.updateTime).toEqual(new Date('2026-01-02T03:04:05.678Z'));
    expect(decoded.seq).toBe(9_007_199_254_740_991);
    expect(decoded.flops).toBe(0.56);
    expect(decoded.params).toBeUndefined();
    expect(decoded.performance).toEqual({ accuracy: 0.91 });
  });

  it('gives oneofs as optional fields and bytes as Buffer', () => {
    const chunk = UploadArtifactRequest.decode(UploadArtifactRequest.encode({ chunk: Buffer.from('abc') }).finish());
    expect(Buffer.isBuffer(chunk.chunk)).toBe(true);
    expect(chunk.metadata).toBeUndefined();
  });

  it('defines grpc-js services with their streaming kinds', () => {
    expect(ReportServiceService.watchRecords).toMatchObject({ path: '/vela.v1.ReportService/WatchRecords', requestStream: false, responseStream: true });
    expect(ReportServiceService.uploadArtifact).toMatchObject({ requestStream: true, responseStream: false });
    expect(PipelineServiceService.acquireTrials).toMatchObject({ path: '/vela.v1.PipelineService/AcquireTrials', requestStream: false, responseStream: false });
    const bytes = ReportServiceService.watchRecords.responseSerialize(WatchRecordsResponse.fromPartial({ record: { trialId: 't', seq: 5 } }));
    expect(ReportServiceService.watchRecords.responseDeserialize(bytes).record?.seq).toBe(5);
  });

  it('leaves unset messages undefined and scalars at their defaults', () => {
    const trial = Trial.decode(new Uint8Array());
    expect(trial.resources).toBeUndefined();
    expect(trial.desc).toBeUndefined();
    expect(trial.state).toBe(TrialState.TRIAL_STATE_UNSPECIFIED);
    expect(trial.attempts).toEqual([]);
  });
});
