import { closestMatch } from '@vela/errors';
import type { Registry, RegistryKind } from '@vela/registry';
import { z } from 'zod';
import { describeValue, isPlainMapping } from '../config-path';

/** What the schemas need from the loader, beyond the YAML itself. */
export interface SchemaContext {
  /** `type:` names are checked against what is registered here at validation time. */
  readonly registry: Registry;
  /** The step names of `pipeline:`, in order. */
  readonly pipeline: readonly string[];
  /** `{local_base_path}` and the folder under it where each step writes its outputs. */
  readonly localBasePath: string;
  readonly outputPath: string;
  /** Turns zod's issues into "expected ..., found ..." messages (also for issues forwarded from nested parses). */
  readonly errorMap: z.core.$ZodErrorMap;
}

/** Runs every check even after another failed, so that all errors of a file come out at once. */
export const ALWAYS = { when: () => true } as const;

export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const closest = closestMatch(key, known);
  const hint = closest ? `; did you mean '${closest}'?` : '';
  return `unknown key '${key}'${hint} (valid keys here: ${known.join(', ')})`;
}

/** A cross-field check of a section, given the mapping as written (its values not yet known to be valid). */
export type SectionCheck = (value: Record<string, unknown>, issues: z.core.$RefinementCtx) => void;

/**
 * A mapping with a fixed set of keys: an unknown key is an error at that key's path that
 * names the closest valid one. `check` runs even when some values are invalid, so that all
 * problems come out at once (zod skips refinements after a failed transform). The output
 * holds only the known keys.
 */
export function section<Shape extends z.core.$ZodLooseShape>(shape: Shape, check?: SectionCheck) {
  const known = Object.keys(shape);
  return z
    .looseObject(shape)
    .superRefine((value, issues) => {
      if (!isPlainMapping(value)) return;
      for (const key of Object.keys(value)) {
        if (!known.includes(key)) issues.addIssue({ code: 'custom', path: [key], message: unknownKeyMessage(key, known) });
      }
      check?.(value, issues);
    }, ALWAYS)
    .transform((value) => Object.fromEntries(Object.entries(value).filter(([key]) => known.includes(key))) as z.output<z.ZodObject<Shape>>);
}

/** A `type:` (or other) name that must be registered under `kind` at validation time. */
export function registeredName(context: SchemaContext, kind: RegistryKind) {
  return z.string().superRefine((name, issues) => {
    if (context.registry.has(kind, name)) return;
    try {
      context.registry.get(kind, name, '');
    } catch (error) {
      issues.addIssue({ code: 'custom', message: (error as Error).message });
    }
  });
}

/** Free-form arguments (`params:`, `policy:`): a mapping with string keys, values unchecked here. */
export const freeMapping = z.record(z.string(), z.unknown());

/** A value or a list of them, read as a list (`metric: {type: accuracy}` or a list of metrics). */
export function oneOrMany<Item extends z.ZodType>(item: Item) {
  return z.preprocess((value) => (Array.isArray(value) || value === undefined ? value : [value]), z.array(item).min(1));
}

export const positiveInteger = z.number().int().min(1);
export const nonNegativeInteger = z.number().int().min(0);
export const nonEmptyString = z.string().min(1);

/** Forwards the issues of a nested parse into a refinement, under `prefix`. */
export function forwardIssues(issues: readonly z.core.$ZodIssue[], context: z.core.$RefinementCtx, prefix: readonly PropertyKey[]): void {
  for (const issue of issues) context.addIssue({ code: 'custom', path: [...prefix, ...issue.path], message: issue.message });
}

const TYPE_NAMES: Record<string, string> = { number: 'a number', int: 'an integer', string: 'a string', boolean: 'true or false', array: 'a list', object: 'a mapping', record: 'a mapping' };

/**
 * Zod's issues in the config's words: what was expected and what was found, e.g.
 * `expected an integer >= 1, found 0`.
 */
export const configErrorMap: z.core.$ZodErrorMap = (issue) => {
  const found = describeValue(issue.input);
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `required: expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, found nothing`;
      return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, found ${found}`;
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const relation = issue.code === 'too_small' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
      if (issue.origin === 'array') return `expected a list of ${issue.code === 'too_small' ? 'at least' : 'at most'} ${bound} item(s), found ${found}`;
      if (issue.origin === 'string') return `expected a non-empty string, found ${found}`;
      return `expected a number ${relation} ${bound}, found ${found}`;
    }
    case 'not_multiple_of':
      return `expected a multiple of ${issue.divisor}, found ${found}`;
    case 'invalid_value': {
      const allowed = issue.values.map((value) => JSON.stringify(value)).join(', ');
      const closest = typeof issue.input === 'string' ? closestMatch(issue.input, issue.values.map(String)) : undefined;
      return `expected one of ${allowed}, found ${found}${closest ? `; did you mean '${closest}'?` : ''}`;
    }
    case 'invalid_union':
      return `expected ${describeUnion(issue)}, found ${found}`;
    default:
      return undefined;
  }
};

function describeUnion(issue: { readonly errors: readonly (readonly z.core.$ZodIssue[])[] }): string {
  const expected = issue.errors.flatMap((branch) => branch.filter((inner) => inner.path.length === 0 && inner.code === 'invalid_type').map((inner) => (inner as z.core.$ZodIssueInvalidType).expected));
  const words = [...new Set(expected)].map((type) => TYPE_NAMES[type] ?? type);
  return words.length ? words.join(' or ') : 'another value';
}
