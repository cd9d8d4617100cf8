import { AlgorithmContext } from '../core/types';
import { EvolutionAlgorithm } from '../evolution/evolution.algorithm';
import { PruneEaPolicy, parsePruneEaSettings } from './prune-ea.settings';

/**
 * Vega's PruneEA: the evolutionary algorithm over channel masks of a PruneResNet-style
 * backbone (`PruneCodec` by default), usually with `objective_keys: [accuracy, flops]` so
 * individuals are ranked by Pareto front and crowding distance.
 */
export class PruneEaAlgorithm extends EvolutionAlgorithm<PruneEaPolicy> {
  constructor(context: AlgorithmContext) {
    super(context, 'prune_ea', parsePruneEaSettings(context.settings, context.path ?? 'search_algorithm'), 'PruneCodec');
  }
}
