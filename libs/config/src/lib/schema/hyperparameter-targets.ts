import { closestMatch } from '@vela/errors';
import type { z } from 'zod';
import { isPlainMapping } from '../config-path';

/** The keys a dotted hyperparameter may name right after its `trainer.` or `dataset.` prefix. */
export interface HyperparameterTargets {
  readonly trainer: readonly string[];
  readonly dataset: readonly string[];
}

/**
 * A searched key lands where Vega puts it (`trainer.optimizer.params.lr` into the trainer,
 * `dataset.batch_size` into the dataset, `network.backbone.blocks` into the model desc), so a
 * typo in it would silently search a value nothing reads. This checks the first segment after
 * the prefix: a trainer or dataset key, or a module of the step's model desc.
 */
export function checkHyperparameterTargets(sections: Record<string, unknown>, targets: HyperparameterTargets, issues: z.core.$RefinementCtx): void {
  const space = sections.search_space;
  if (!isPlainMapping(space) || !Array.isArray(space.hyperparameters)) return;
  const model = isPlainMapping(sections.model) ? sections.model : {};
  const desc = isPlainMapping(model.model_desc) ? model.model_desc : {};
  const modules = Array.isArray(desc.modules) ? desc.modules.filter((module): module is string => typeof module === 'string') : undefined;
  const places: Record<string, { readonly what: string; readonly keys?: readonly string[] }> = {
    trainer: { what: 'the trainer', keys: targets.trainer },
    dataset: { what: 'the dataset', keys: targets.dataset },
    network: { what: "the model desc's modules", keys: modules },
  };
  space.hyperparameters.forEach((entry, index) => {
    const key = isPlainMapping(entry) ? entry.key : undefined;
    if (typeof key !== 'string') return;
    const [prefix, target] = key.split('.');
    const place = places[prefix];
    if (!place?.keys || target === undefined || place.keys.includes(target)) return;
    const closest = closestMatch(target, place.keys);
    issues.addIssue({
      code: 'custom',
      path: ['search_space', 'hyperparameters', index, 'key'],
      message: `'${key}' lands nowhere: ${place.what} has no '${target}'${closest ? `; did you mean '${prefix}.${closest}'?` : ''} (expected one of ${place.keys.join(', ')})`,
    });
  });
}
