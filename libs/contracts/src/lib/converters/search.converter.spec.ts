import { Prng, SearchSpace } from '@vela/search-space';
import { ObjectiveGoal } from '../../generated/vela/v1/common';
import { Observation, Search, Suggestion } from '../../generated/vela/v1/search';
import { AttemptState, TrialState } from '../../generated/vela/v1/trial';
import {
  observationFromProto,
  observationToProto,
  searchDefinitionFromProto,
  searchToProto,
  suggestionFromProto,
  suggestionToProto,
  type DomainObservation,
  type DomainSuggestion,
} from './search.converter';

// Through the binary encoding too, so Structs, repeated doubles and defaults are what the wire gives.
const overTheWire = (suggestion: DomainSuggestion) => suggestionFromProto(Suggestion.decode(Suggestion.encode(suggestionToProto(suggestion)).finish()));
const observationOverTheWire = (observation: DomainObservation) =>
  observationFromProto(Observation.decode(Observation.encode(observationToProto(observation, 7)).finish()));

const promotion: DomainSuggestion = {
  trialId: 't1',
  point: { 'trainer.optimizer.params.lr': 0.01, 'network.backbone.blocks': 2 },
  desc: { modules: ['backbone'], backbone: { type: 'SimpleCnn', blocks: 2 } },
  hyperparameters: { trainer: { optimizer: { params: { lr: 0.01 } } } },
  budget: { epochs: 9 },
  rung: 2,
  continues: { trialId: 't1', epoch: 3, checkpoint: 'artifacts/0b7c6a9e-2f57-4c1e-9d0b-0d1d1c4b7a10' },
  code: [1, 0, 0.25],
  info: { bracket: 1, generation: [0, 2] },
};

describe('search converters', () => {
  it('round-trips sampled points of a space with a network and hyperparameters exactly', () => {
    const space = SearchSpace.fromConfig({
      modules: ['backbone'],
      backbone: { type: 'SimpleCnn', blocks: [1, 2], channels: [16, 32] },
      hyperparameters: [
        { key: 'trainer.optimizer.params.lr', type: 'FLOAT_EXP', range: [1e-4, 1e-1] },
        { key: 'trainer.optimizer.type', type: 'CATEGORY', range: ['Adam', 'SGD'] },
        { key: 'network.backbone.mask', type: 'BINARY_CODE', range: [4] },
      ],
    });
    for (let i = 0; i < 5; i++) {
      const point = space.sample(Prng.seeded(3, i));
      const suggestion: DomainSuggestion = { point, ...space.materialize(point), budget: { epochs: 3 } };
      expect(suggestion.desc).toBeDefined();
      expect(overTheWire(suggestion)).toEqual(suggestion);
    }
  });

  it('round-trips promotions (continues), PBT children (parent), codes and info', () => {
    expect(overTheWire(promotion)).toEqual(promotion);
    const child: DomainSuggestion = { point: { x: 'a' }, hyperparameters: {}, parent: { trialId: 't0', epoch: 0 } };
    expect(overTheWire(child)).toEqual(child);
    expect(suggestionToProto(child)).toMatchObject({ parentTrialId: 't0', resumeEpoch: 0, continueTrialId: '', checkpointArtifact: '' });
  });

  it('reads rung 0 as the first rung, the same as no rung', () => {
    const first: DomainSuggestion = { point: { x: 1 }, hyperparameters: {}, budget: { epochs: 1 }, rung: 0 };
    const { rung: _rung, ...withoutRung } = first;
    expect(overTheWire(first)).toEqual(withoutRung);
  });

  it('round-trips observations: PENDING with its suggestion, records, finals, STALE, FAILED', () => {
    const observations: DomainObservation[] = [
      { trialId: 't1', attempt: 1, epoch: 3, state: 'PENDING', suggestion: promotion },
      { trialId: 't1', attempt: 1, epoch: 4, state: 'RUNNING', objectives: [{ key: 'accuracy', goal: 'MAXIMIZE', value: 0.5 }], checkpoint: 'artifacts/x' },
      {
        trialId: 't1',
        attempt: 2,
        epoch: 9,
        state: 'SUCCEEDED',
        final: true,
        objectives: [
          { key: 'accuracy', goal: 'MAXIMIZE', value: 0.9 },
          { key: 'flops', goal: 'MINIMIZE', value: 0.04 },
        ],
      },
      { trialId: 't2', attempt: 1, epoch: 0, state: 'STALE' },
      { trialId: 't3', attempt: 1, epoch: 0, state: 'FAILED' },
      { trialId: 't4', attempt: 1, epoch: 2, state: 'CANCELLED' },
    ];
    for (const observation of observations) expect(observationOverTheWire(observation)).toEqual(observation);
  });

  it("marks every outcome final on the wire, and keeps only a trial's result final in the domain", () => {
    for (const state of ['FAILED', 'STALE', 'CANCELLED'] as const) {
      expect(observationToProto({ trialId: 't1', attempt: 1, epoch: 2, state }).final).toBe(true);
    }
    expect(observationToProto({ trialId: 't1', attempt: 1, epoch: 2, state: 'RUNNING' }).final).toBe(false);
    const failed = Observation.fromPartial({ trialId: 't1', attempt: 1, epoch: 2, final: true, trialState: TrialState.TRIAL_STATE_FAILED });
    expect(observationFromProto(failed)).toEqual({ trialId: 't1', attempt: 1, epoch: 2, state: 'FAILED' });
  });

  it('writes STALE as a PENDING trial with a STALE attempt, and keeps the log position', () => {
    expect(observationToProto({ trialId: 't2', attempt: 1, epoch: 0, state: 'STALE' }, 12)).toMatchObject({
      trialState: TrialState.TRIAL_STATE_PENDING,
      attemptState: AttemptState.ATTEMPT_STATE_STALE,
      seq: 12,
    });
  });

  it('refuses malformed observations and suggestions, naming the field', () => {
    const base = Observation.fromPartial({ trialId: 't1', attempt: 1, trialState: TrialState.TRIAL_STATE_RUNNING });
    expect(() => observationFromProto({ ...base, trialState: TrialState.TRIAL_STATE_UNSPECIFIED }, 'observations[2]')).toThrow(
      /^observations\[2\]\.trial_state: must be one of TRIAL_STATE_PENDING/,
    );
    expect(() => observationFromProto({ ...base, trialId: '' }, 'observations[0]')).toThrow('observations[0].trial_id: is required');
    expect(() =>
      observationFromProto({ ...base, record: { ...observationToProto({ trialId: 't9', attempt: 1, epoch: 0, state: 'RUNNING', checkpoint: 'c' }).record! } }, 'observations[0]'),
    ).toThrow("observations[0].record.trial_id: is 't9' but the observation is of trial 't1'");
    const badGoal = Observation.fromPartial({ ...base, record: { objectives: [{ key: 'accuracy', goal: ObjectiveGoal.OBJECTIVE_GOAL_UNSPECIFIED, value: 1 }] } });
    expect(() => observationFromProto(badGoal, 'observations[1]')).toThrow(/^observations\[1\]\.record\.objectives\[0\]\.goal: must be one of/);
    expect(() => observationFromProto({ ...base, suggestion: Suggestion.fromPartial({}) }, 'observations[0]')).toThrow('observations[0].suggestion.point: is required');
    expect(() => suggestionFromProto(Suggestion.fromPartial({ point: {}, continueTrialId: 'a', parentTrialId: 'b' }))).toThrow(/^suggestion\.parent_trial_id: /);
    expect(() => suggestionToProto({ ...promotion, parent: { trialId: 't0', epoch: 1 } })).toThrow(/^suggestion: continues a trial and derives from a parent/);
  });
});

describe('search resource converters', () => {
  it('round-trips a search definition through the Search resource', () => {
    const stored = {
      id: '6f1c0c3e-8b1a-4c55-9d7e-2a4f0e9b1c22',
      runId: '0c6b8a51-3d2e-4f1a-8e9b-7c5d4a3b2a10',
      step: 'hpo',
      algorithm: 'TPE',
      settings: { policy: { num_sample: 8 } },
      searchSpace: { hyperparameters: [{ key: 'trainer.optimizer.params.lr', type: 'FLOAT_EXP', range: [1e-4, 1e-2] }] },
      objectives: [{ key: 'accuracy', goal: 'MAXIMIZE' as const }],
      seed: 42,
      completed: false,
      observedSeq: 3,
      snapshotSeq: 3,
      suggestionCount: 2,
      createdAt: new Date(1),
      updatedAt: new Date(2),
    };
    const proto = searchToProto(stored);
    expect(proto).toMatchObject({ name: `searches/${stored.id}`, stepId: 'hpo', observedSeq: 3 });
    const { id: _id, completed: _c, observedSeq: _o, snapshotSeq: _s, suggestionCount: _n, createdAt: _a, updatedAt: _u, ...definition } = stored;
    expect(searchDefinitionFromProto(Search.decode(Search.encode(proto).finish()))).toEqual(definition);
  });

  it('names the missing fields of a search', () => {
    expect(() => searchDefinitionFromProto(undefined)).toThrow('search: is required');
    expect(() => searchDefinitionFromProto(Search.fromPartial({ searchSpace: {} }))).toThrow(/^search\.algorithm: is required/);
    expect(() => searchDefinitionFromProto(Search.fromPartial({ algorithm: 'TPE' }))).toThrow(/^search\.search_space: is required/);
    expect(() => searchDefinitionFromProto(Search.fromPartial({ algorithm: 'TPE', searchSpace: {}, objectives: [{ key: 'accuracy' }] }))).toThrow(
      /^search\.objectives\[0\]\.goal: must be one of/,
    );
  });
});
