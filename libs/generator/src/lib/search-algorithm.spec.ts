import { Suggestion as SuggestionProto, suggestionFromProto, suggestionToProto } from '@vela/contracts';
import { buildSearchAlgorithm } from './search-algorithm';

describe('suggestions of the built-in algorithms over the wire', () => {
  it.each([
    ['RandomSearch', { policy: { num_sample: 4 } }],
    ['TPE', { policy: { num_sample: 4 } }],
    ['ASHA', { policy: { total_epochs: 9, config_count: 4 } }],
  ])('%s: round-trips exactly (rung 0 reads as no rung)', (algorithm, settings) => {
    const suggestions = buildSearchAlgorithm({
      runId: '',
      step: '',
      algorithm,
      settings,
      searchSpace: {
        modules: ['backbone'],
        backbone: { type: 'SimpleCnn', blocks: [1, 2] },
        hyperparameters: [{ key: 'trainer.optimizer.params.lr', type: 'FLOAT_EXP', range: [1e-4, 1e-1] }],
      },
      objectives: [{ key: 'accuracy', goal: 'MAXIMIZE' }],
      seed: 5,
    }).suggest(4);
    expect(suggestions).toHaveLength(4);
    for (const suggestion of suggestions) {
      const { rung, ...rest } = suggestion;
      const wire = SuggestionProto.decode(SuggestionProto.encode(suggestionToProto(suggestion)).finish());
      expect(suggestionFromProto(wire)).toEqual(rung ? suggestion : rest);
    }
  });
});
