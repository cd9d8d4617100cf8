import { crowdingDistance, nonDominatedSort } from '@vela/pareto';
import { JsonObject, Prng, canonicalJson } from '@vela/search-space';
import { BaseAlgorithm } from '../core/base.algorithm';
import { createCodec } from '../core/create';
import { AlgorithmSettings } from '../core/settings';
import { Trial, isInFlight } from '../core/trial-book';
import { AlgorithmContext, Codec, Suggestion } from '../core/types';

/** A completed individual with its code and its place in the ranking (0 = best). */
export interface Individual {
  readonly trial: Trial;
  readonly code: readonly number[];
  /** Pareto front index (0 for single-objective). */
  readonly front: number;
  /** Single objective: minus the loss; multi-objective: crowding distance within its front. */
  readonly spread: number;
}

const ATTEMPTS = 24;

/**
 * Shared machinery of the codec-based (evolutionary) algorithms, as Vega's: the codec from
 * `codec:` (or the algorithm's default), random codes, mutation and crossover operators,
 * ranking of completed individuals (by loss, or by Pareto front and crowding distance when
 * `objective_keys` names several objectives), and children that are neither forbidden nor in
 * flight (preferably never tried).
 */
export abstract class CodecAlgorithm<P> extends BaseAlgorithm<P> {
  protected readonly codec: Codec;

  protected constructor(name: string, context: AlgorithmContext, settings: AlgorithmSettings<P>, defaultCodec: string) {
    const path = context.path ?? 'search_algorithm';
    const codec = createCodec(settings.codec ?? defaultCodec, context.space, settings.policy as Readonly<Record<string, unknown>>, path);
    super(name, { ...context, space: codec.space }, settings);
    this.codec = codec;
  }

  protected randomCode(rng: Prng): number[] {
    return Array.from({ length: this.codec.length }, (_, gene) => {
      const k = this.codec.cardinality(gene);
      return k > 0 ? rng.int(k) : rng.next();
    });
  }

  /** A new value for one gene: another choice, or a Gaussian step (σ = `scale`) reflected into [0, 1]. */
  protected mutateGene(code: number[], gene: number, rng: Prng, scale = 0.15): void {
    const k = this.codec.cardinality(gene);
    if (k > 1) code[gene] = (code[gene] + 1 + rng.int(k - 1)) % k;
    else if (k === 0) {
      let value = code[gene] + scale * rng.normal();
      while (value < 0 || value > 1) value = value < 0 ? -value : 2 - value;
      code[gene] = value;
    }
  }

  /** Each gene mutates with probability `rate`; at least `atLeast` genes do. */
  protected mutate(code: readonly number[], rng: Prng, rate: number, atLeast = 1): number[] {
    const child = code.slice();
    const mutated = new Set<number>();
    for (let gene = 0; gene < child.length; gene++) if (rng.next() < rate) mutated.add(gene);
    for (const gene of rng.shuffle([...Array(child.length).keys()])) {
      if (mutated.size >= Math.min(atLeast, child.length)) break;
      mutated.add(gene);
    }
    for (const gene of mutated) this.mutateGene(child, gene, rng);
    return child;
  }

  /** Uniform crossover. */
  protected crossover(a: readonly number[], b: readonly number[], rng: Prng): number[] {
    return a.map((gene, i) => (rng.next() < 0.5 ? gene : b[i]));
  }

  protected codeOf(trial: Trial): number[] {
    return trial.origin.code ? trial.origin.code.slice() : this.codec.encode(trial.origin.point);
  }

  /** The suggestion for a code (repaired and decoded). */
  protected suggestionForCode(code: number[], info: JsonObject, epochs?: number): Suggestion {
    const repaired = this.codec.repair ? this.codec.repair(code) : code;
    const decoded = this.codec.decode(repaired);
    return { point: decoded.point, ...(decoded.desc ? { desc: decoded.desc } : {}), hyperparameters: decoded.hyperparameters, code: repaired, info, ...(epochs ? { budget: { epochs } } : {}) };
  }

  /**
   * A child from `make` (called again until its point is allowed, not in flight nor in the
   * batch, and preferably never tried); falls back to random codes; undefined if none is free.
   */
  protected child(make: (rng: Prng) => number[], rng: Prng, batch: readonly Suggestion[], info: JsonObject, epochs?: number): Suggestion | undefined {
    let fallback: Suggestion | undefined;
    for (let attempt = 0; attempt < 2 * ATTEMPTS; attempt++) {
      const suggestion = this.suggestionForCode(attempt < ATTEMPTS ? make(rng) : this.randomCode(rng), info, epochs);
      if (this.space.isForbidden(suggestion.point)) continue;
      if (!this.isTaken(suggestion.point, batch, true)) return suggestion;
      if (!fallback && !this.isTaken(suggestion.point, batch)) fallback = suggestion;
    }
    return fallback;
  }

  /** Completed individuals, best first. */
  protected ranked(filter: (trial: Trial) => boolean = () => true): Individual[] {
    const specs = this.objectives();
    const done = this.book.list().filter((t) => t.state === 'SUCCEEDED' && t.final && filter(t));
    if (specs.length <= 1) {
      return done
        .map((trial) => ({ trial, loss: this.lossOf(trial.final?.objectives) }))
        .filter((r): r is { trial: Trial; loss: number } => r.loss !== undefined)
        .sort((a, b) => a.loss - b.loss || a.trial.seq - b.trial.seq)
        .map(({ trial, loss }) => ({ trial, code: this.codeOf(trial), front: 0, spread: -loss }));
    }
    const scored = done
      .map((trial) => ({ trial, values: specs.map((spec) => trial.final?.objectives.find((o) => o.key === spec.key)?.value) }))
      .filter((r): r is { trial: Trial; values: number[] } => r.values.every((v) => v !== undefined));
    const points = scored.map((s) => s.values);
    const out: Individual[] = [];
    nonDominatedSort(points, specs.map((s) => s.goal)).forEach((front, rank) => {
      const distance = crowdingDistance(points, front);
      front
        .map((index, j) => ({ index, spread: distance[j] }))
        .sort((a, b) => b.spread - a.spread || scored[a.index].trial.seq - scored[b.index].trial.seq)
        .forEach(({ index, spread }) => out.push({ trial: scored[index].trial, code: this.codeOf(scored[index].trial), front: rank, spread }));
    });
    return out;
  }

  /** Binary (or k-way) tournament on (front, spread). */
  protected tournament(pool: readonly Individual[], rng: Prng, size = 2): Individual {
    let best = pool[rng.int(pool.length)];
    for (let i = 1; i < size; i++) {
      const other = pool[rng.int(pool.length)];
      if (other.front < best.front || (other.front === best.front && other.spread > best.spread)) best = other;
    }
    return best;
  }

  protected anyInFlight(): boolean {
    return this.book.list().some(isInFlight);
  }

  /** Canonical text of a code, for de-duplication within a generation. */
  protected codeKey(code: readonly number[]): string {
    return canonicalJson(code);
  }
}
