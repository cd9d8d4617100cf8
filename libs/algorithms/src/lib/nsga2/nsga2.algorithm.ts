import { Prng } from '@vela/search-space';
import { isInFlight } from '../core/trial-book';
import { AlgorithmContext, Suggestion } from '../core/types';
import { CodecAlgorithm } from '../evolution/codec.algorithm';
import { Nsga2Policy, parseNsga2Settings } from './nsga2.settings';

/**
 * NSGA-II (Deb et al., 2002) for several `objective_keys` (e.g. accuracy versus FLOPs; without
 * them, every objective the records report): a
 * random first generation of N, then generation by generation (each waits for the previous
 * one to finish) N children of binary tournaments on (Pareto front, crowding distance) among
 * the survivors — the best N of all completed individuals by that order (`@vela/pareto`'s
 * `nonDominatedSort` and `crowdingDistance`) — with simulated binary crossover and polynomial
 * mutation on continuous genes, uniform crossover and random resetting on discrete ones.
 */
export class Nsga2Algorithm extends CodecAlgorithm<Nsga2Policy> {
  protected override readonly allReportedObjectives = true;

  constructor(context: AlgorithmContext) {
    super('nsga2', context, parseNsga2Settings(context.settings, context.path ?? 'search_algorithm'), 'SpaceCodec');
  }

  private get total(): number {
    return this.settings.policy.num_individual * (this.settings.policy.num_generation + 1);
  }

  private sbx(a: readonly number[], b: readonly number[], rng: Prng): number[] {
    const eta = this.settings.policy.eta_crossover;
    return a.map((x1, gene) => {
      const x2 = b[gene];
      if (this.codec.cardinality(gene) > 0) return rng.next() < 0.5 ? x1 : x2;
      if (rng.next() < 0.5 || Math.abs(x1 - x2) < 1e-14) return x1;
      const u = rng.next();
      const beta = u <= 0.5 ? (2 * u) ** (1 / (eta + 1)) : (1 / (2 * (1 - u))) ** (1 / (eta + 1));
      const child = rng.next() < 0.5 ? 0.5 * ((1 + beta) * x1 + (1 - beta) * x2) : 0.5 * ((1 - beta) * x1 + (1 + beta) * x2);
      return Math.min(1, Math.max(0, child));
    });
  }

  private polynomialMutation(code: number[], rng: Prng): number[] {
    const eta = this.settings.policy.eta_mutation;
    const rate = this.settings.policy.mutation_rate ?? 1 / this.codec.length;
    return code.map((x, gene) => {
      if (rng.next() >= rate) return x;
      if (this.codec.cardinality(gene) > 0) {
        const copy = code.slice();
        this.mutateGene(copy, gene, rng);
        return copy[gene];
      }
      const u = rng.next();
      const delta = u < 0.5 ? (2 * u) ** (1 / (eta + 1)) - 1 : 1 - (2 * (1 - u)) ** (1 / (eta + 1));
      return Math.min(1, Math.max(0, x + delta));
    });
  }

  protected propose(index: number, batch: readonly Suggestion[]): Suggestion | undefined {
    const policy = this.settings.policy;
    const n = this.newTrialCount(batch);
    if (n >= this.total) return undefined;
    const rng = this.rng(index);
    const generation = Math.floor(n / policy.num_individual);
    const random = () => this.child((r) => this.randomCode(r), rng, batch, { generation }, policy.epochs);
    if (generation === 0) return random();
    const previousRunning =
      this.book.list().some((t) => isInFlight(t) && t.origin.info?.['generation'] === generation - 1) || batch.some((s) => s.info?.['generation'] === generation - 1);
    if (previousRunning) return undefined;
    const survivors = this.ranked((t) => ((t.origin.info?.['generation'] as number) ?? 0) < generation).slice(0, policy.num_individual);
    if (survivors.length === 0) return random();
    const make = (r: Prng) => {
      const a = this.tournament(survivors, r).code;
      const mixed = r.next() < policy.crossover_rate ? this.sbx(a, this.tournament(survivors, r).code, r) : a.slice();
      return this.polynomialMutation(mixed, r);
    };
    return this.child(make, rng, batch, { generation }, policy.epochs);
  }

  protected get finished(): boolean {
    return this.book.size >= this.total;
  }
}
