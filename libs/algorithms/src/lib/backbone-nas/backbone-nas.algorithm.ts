import { AlgorithmContext, Suggestion } from '../core/types';
import { CodecAlgorithm } from '../evolution/codec.algorithm';
import { BackboneNasPolicy, backboneNasRange, parseBackboneNasSettings } from './backbone-nas.settings';
import { z } from 'zod';

/**
 * Vega's BackboneNas: `range.min_sample` random architectures, then each new one is, with
 * probability `random_ratio`, random, else the best architecture so far with `num_mutate`
 * genes changed (`BackboneNasCodec` by default: the `network.*` choices), up to
 * `range.max_sample` architectures.
 */
export class BackboneNasAlgorithm extends CodecAlgorithm<BackboneNasPolicy> {
  private readonly range: z.infer<typeof backboneNasRange>;

  constructor(context: AlgorithmContext) {
    const settings = parseBackboneNasSettings(context.settings, context.path ?? 'search_algorithm');
    super('backbone_nas', context, settings, 'BackboneNasCodec');
    this.range = settings.extra['range'] as z.infer<typeof backboneNasRange>;
  }

  protected propose(index: number, batch: readonly Suggestion[]): Suggestion | undefined {
    const policy = this.settings.policy;
    const n = this.newTrialCount(batch);
    if (n >= this.range.max_sample) return undefined;
    const rng = this.rng(index);
    const best = n >= this.range.min_sample && rng.next() >= policy.random_ratio ? this.ranked()[0] : undefined;
    if (!best) return this.child((r) => this.randomCode(r), rng, batch, { parent: null }, policy.epochs);
    return this.child((r) => this.mutate(best.code, r, 0, Math.min(policy.num_mutate, this.codec.length)), rng, batch, { parent: best.trial.trialId }, policy.epochs);
  }

  protected get finished(): boolean {
    return this.book.size >= this.range.max_sample;
  }
}
