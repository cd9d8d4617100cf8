import { AlgorithmContext, Suggestion } from '../core/types';
import { CodecAlgorithm } from '../evolution/codec.algorithm';
import { RegularizedEvolutionPolicy, parseRegularizedEvolutionSettings } from './regularized-evolution.settings';

/**
 * Regularized (aging) evolution (Real et al., 2019): the population is the `num_individual`
 * most recently born completed individuals, so the oldest die whatever their fitness. Each
 * child samples `sample_size` of them, takes the best and changes exactly one gene.
 */
export class RegularizedEvolutionAlgorithm extends CodecAlgorithm<RegularizedEvolutionPolicy> {
  constructor(context: AlgorithmContext) {
    super('regularized_evolution', context, parseRegularizedEvolutionSettings(context.settings, context.path ?? 'search_algorithm'), 'SpaceCodec');
  }

  protected propose(index: number, batch: readonly Suggestion[]): Suggestion | undefined {
    const policy = this.settings.policy;
    const n = this.newTrialCount(batch);
    if (n >= policy.num_sample) return undefined;
    const rng = this.rng(index);
    const completed = this.ranked();
    if (n < policy.num_individual || completed.length === 0) {
      if (n >= policy.num_individual && this.anyInFlight()) return undefined;
      return this.child((r) => this.randomCode(r), rng, batch, { parent: null }, policy.epochs);
    }
    const population = [...completed].sort((a, b) => b.trial.seq - a.trial.seq).slice(0, policy.num_individual);
    const best = () => {
      const sample = Array.from({ length: policy.sample_size }, () => population[rng.int(population.length)]);
      return sample.reduce((a, b) => (b.front < a.front || (b.front === a.front && b.spread > a.spread) ? b : a));
    };
    const parent = best();
    return this.child((r) => this.mutate(parent.code, r, 0, 1), rng, batch, { parent: parent.trial.trialId }, policy.epochs);
  }

  protected get finished(): boolean {
    return this.book.size >= this.settings.policy.num_sample;
  }
}
