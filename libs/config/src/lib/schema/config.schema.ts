import { closestMatch } from '@vela/errors';
import { z } from 'zod';
import { generalSchema } from './general.schema';
import { type SchemaContext, nonEmptyString, section } from './schema-kit';
import { type StepSections, stepSchema } from './step.schema';

/** Top-level keys that are not steps. */
export const RESERVED_KEYS = ['general', 'pipeline'] as const;

const pipelineSchema = z
  .array(nonEmptyString)
  .min(1)
  .superRefine((names, issues) => {
    names.forEach((name, index) => {
      if ((RESERVED_KEYS as readonly string[]).includes(name)) issues.addIssue({ code: 'custom', path: [index], message: `'${name}' is a reserved key, not a step name` });
      else if (names.indexOf(name) !== index) issues.addIssue({ code: 'custom', path: [index], message: `step '${name}' is listed twice; each step runs once` });
    });
  });

/** The step names of `pipeline:` when it is a list of strings (else the schema reports it). */
export function pipelineNames(root: Record<string, unknown>): string[] | undefined {
  const pipeline = root.pipeline;
  return Array.isArray(pipeline) && pipeline.every((name) => typeof name === 'string') ? pipeline : undefined;
}

/**
 * The whole config: `general`, `pipeline` and one section per step. The output lists the
 * steps in pipeline order, each with its name.
 */
export function configSchema(context: SchemaContext) {
  const steps = Object.fromEntries(context.pipeline.map((name) => [name, stepSchema(context, name).optional()])) as Record<string, z.ZodOptional<ReturnType<typeof stepSchema>>>;
  return section({
    general: generalSchema(context.localBasePath, context.outputPath).prefault({}),
    pipeline: pipelineSchema,
    ...steps,
  }, (root, issues) => {
    const written = Object.keys(root).filter((key) => !(RESERVED_KEYS as readonly string[]).includes(key));
    context.pipeline.forEach((name, index) => {
      if (root[name] !== undefined) return;
      const closest = closestMatch(name, written);
      const hint = closest ? `; is '${closest}:' meant to be it?` : '';
      issues.addIssue({ code: 'custom', path: ['pipeline', index], message: `step '${name}' has no section: expected a top-level '${name}:' mapping, found nothing${hint}` });
    });
  }).transform((root) => ({
      general: root.general,
      pipeline: context.pipeline.map((name) => ({ name, ...(root as unknown as Record<string, StepSections>)[name] })),
    }));
}

export type ConfigOutput = z.output<ReturnType<typeof configSchema>>;
