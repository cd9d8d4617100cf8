import { AlgorithmSettings } from '../core/settings';
import { AlgorithmContext, Suggestion } from '../core/types';
import { CodecAlgorithm } from './codec.algorithm';
import { EvolutionPolicy, parseEvolutionSettings } from './evolution.settings';

/**
 * A genetic algorithm over a codec (Vega's EvolutionAlgorithm family): `random_samples` random
 * individuals, then `num_generation` generations of `num_individual` children, each from two
 * tournament winners among the best `num_individual` completed so far (elitist), uniform
 * crossover with probability `crossover_rate`, then per-gene mutation. With several
 * `objective_keys` individuals are ranked by Pareto front and crowding distance. Children are
 * made as capacity frees up (no barrier between generations).
 */
export class EvolutionAlgorithm<P extends EvolutionPolicy = EvolutionPolicy> extends CodecAlgorithm<P> {
  constructor(context: AlgorithmContext, name = 'evolution', settings?: AlgorithmSettings<P>, defaultCodec = 'SpaceCodec') {
    super(name, context, settings ?? (parseEvolutionSettings(context.settings, context.path ?? 'search_algorithm') as AlgorithmSettings<P>), defaultCodec);
  }

  private get randomSamples(): number {
    return this.settings.policy.random_samples ?? this.settings.policy.num_individual;
  }

  private get total(): number {
    return this.randomSamples + this.settings.policy.num_generation * this.settings.policy.num_individual;
  }

  protected propose(index: number, batch: readonly Suggestion[]): Suggestion | undefined {
    const policy = this.settings.policy;
    const n = this.newTrialCount(batch);
    if (n >= this.total) return undefined;
    const rng = this.rng(index);
    const pool = n < this.randomSamples ? [] : this.ranked().slice(0, policy.num_individual);
    if (pool.length === 0) {
      if (n >= this.randomSamples && this.anyInFlight()) return undefined;
      return this.child((r) => this.randomCode(r), rng, batch, { generation: 0 }, policy.epochs);
    }
    const generation = 1 + Math.floor((n - this.randomSamples) / policy.num_individual);
    const rate = policy.mutation_rate ?? 1 / this.codec.length;
    const make = (r: typeof rng) => {
      const first = this.tournament(pool, r, policy.tournament_size).code;
      const base = r.next() < policy.crossover_rate ? this.crossover(first, this.tournament(pool, r, policy.tournament_size).code, r) : first.slice();
      return this.mutate(base, r, rate);
    };
    return this.child(make, rng, batch, { generation }, policy.epochs);
  }

  protected get finished(): boolean {
    return this.book.size >= this.total;
  }
}
