import { existsSync } from 'node:fs';
import { closestMatch } from '@vela/errors';
import { z } from 'zod';
import type { SchemaContext } from './schema-kit';

/**
 * Where a step reads models, descs or hyperparameters from (`models_folder`, `*_file`). When the
 * path lies in an earlier step's output folder (`{local_base_path}/output/nas/`, as Vega writes
 * it), `step` names that step: Vela then takes the step's pareto front from Report rather than
 * reading a folder. A path in the output folder of a step this pipeline lacks is an earlier
 * run's output when it exists, read as a folder.
 */
export interface OutputSource {
  readonly path: string;
  readonly step?: string;
}

export function outputSourceSchema(context: SchemaContext, currentStep: string) {
  return z
    .string()
    .min(1)
    .transform((path, issues): OutputSource => {
      const prefix = `${context.outputPath.replace(/\/+$/, '')}/`;
      if (!path.startsWith(prefix)) return { path };
      const step = path.slice(prefix.length).split('/')[0];
      const position = context.pipeline.indexOf(step);
      const current = context.pipeline.indexOf(currentStep);
      if (position < 0) {
        // An earlier run's output (the same local_base_path, another pipeline): read as a folder.
        if (existsSync(path)) return { path };
        const closest = closestMatch(step, context.pipeline);
        issues.addIssue({
          code: 'custom',
          message: `'${path}' is in the output folder of '${step}', which is not a pipeline step${closest ? `; did you mean '${closest}'?` : ''} (steps: ${context.pipeline.join(', ')}), nor a folder an earlier run left`,
        });
      } else if (position >= current) {
        issues.addIssue({ code: 'custom', message: `'${path}' is the output of step '${step}', which does not run before '${currentStep}' (pipeline: ${context.pipeline.join(', ')})` });
      }
      return { path, step };
    });
}
