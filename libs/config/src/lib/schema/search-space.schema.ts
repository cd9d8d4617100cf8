import { closestMatch } from '@vela/errors';
import { z } from 'zod';
import { isPlainMapping } from '../config-path';
import { ALWAYS, type SchemaContext, forwardIssues, freeMapping, nonEmptyString, positiveInteger, registeredName, section, unknownKeyMessage } from './schema-kit';

/** Vega's hyperparameter types. */
export const HYPERPARAMETER_TYPES = ['INT', 'INT_EXP', 'FLOAT', 'FLOAT_EXP', 'CATEGORY', 'BOOL', 'BINARY_CODE', 'ADJACENCY_LIST', 'HALF'] as const;
export type HyperparameterType = (typeof HYPERPARAMETER_TYPES)[number];

export const CONDITION_TYPES = ['EQUAL', 'NOT_EQUAL', 'IN'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

const NUMERIC_TYPES: readonly HyperparameterType[] = ['INT', 'INT_EXP', 'FLOAT', 'FLOAT_EXP'];

/** Vega writes the types in capitals; lower case is read the same. */
function upperCaseEnum<Values extends readonly [string, ...string[]]>(values: Values) {
  return z.preprocess((value) => (typeof value === 'string' ? value.toUpperCase() : value), z.enum(values));
}

const hyperparameter = section(
  {
    key: nonEmptyString,
    type: upperCaseEnum(HYPERPARAMETER_TYPES),
    range: z.array(z.unknown()).min(1),
    slice: positiveInteger.optional(),
  },
  (entry, issues) => {
    const type = typeof entry.type === 'string' ? entry.type.toUpperCase() : undefined;
    const range = entry.range;
    if (!(HYPERPARAMETER_TYPES as readonly string[]).includes(type ?? '') || !Array.isArray(range) || range.length === 0) return;
    if (!NUMERIC_TYPES.includes(type as HyperparameterType)) {
      if (entry.slice !== undefined) issues.addIssue({ code: 'custom', path: ['slice'], message: `slice applies to numeric types (${NUMERIC_TYPES.join(', ')}), found it on ${type}` });
      if (type === 'BOOL' && range.some((value) => typeof value !== 'boolean')) {
        issues.addIssue({ code: 'custom', path: ['range'], message: `a BOOL range holds true/false values, found ${JSON.stringify(range)}` });
      }
      return;
    }
    const [low, high] = range;
    const integer = type?.startsWith('INT');
    if (range.length !== 2 || typeof low !== 'number' || typeof high !== 'number' || (integer && !(Number.isInteger(low) && Number.isInteger(high)))) {
      issues.addIssue({ code: 'custom', path: ['range'], message: `a ${type} range is [low, high] with ${integer ? 'integers' : 'numbers'}, found ${JSON.stringify(range)}` });
    } else if (!(low < high)) {
      issues.addIssue({ code: 'custom', path: ['range'], message: `expected low < high, found [${low}, ${high}]` });
    } else if (type?.endsWith('_EXP') && low <= 0) {
      issues.addIssue({ code: 'custom', path: ['range'], message: `a ${type} range samples on a log scale, so low must be > 0, found ${low}` });
    }
  },
);

const condition = section({
  key: nonEmptyString.optional(),
  child: nonEmptyString,
  parent: nonEmptyString,
  type: upperCaseEnum(CONDITION_TYPES),
  range: z.array(z.unknown()).min(1),
});

export type HyperparameterSpec = z.output<typeof hyperparameter>;
export type ConditionSpec = z.output<typeof condition>;

const SEARCH_SPACE_KEYS = ['type', 'hyperparameters', 'condition', 'forbidden', 'modules'] as const;

/** Vega's generic search space class, which every search space section may name. */
export const GENERIC_SEARCH_SPACE = 'SearchSpace';

/**
 * A network module: a mapping whose `type` (or Vega's older `name`) is a registered network;
 * its other entries are construction arguments, list-valued ones being choices.
 */
export function networkModuleSchema(context: SchemaContext) {
  return z
    .looseObject({ type: registeredName(context, 'network').optional(), name: registeredName(context, 'network').optional() })
    .superRefine((module, issues) => {
      if (module.type === undefined && module.name === undefined) issues.addIssue({ code: 'custom', path: ['type'], message: 'required: expected the network type of this module, found nothing' });
    }, ALWAYS);
}

/**
 * Checks that a `modules: [...]` description names a section for each module and that each
 * section's network type is registered. Used for search spaces and model descs alike.
 */
export function checkModules(value: Record<string, unknown>, context: SchemaContext, issues: z.core.$RefinementCtx): void {
  const modules = value.modules;
  if (modules === undefined) return;
  if (!Array.isArray(modules) || !modules.every((module) => typeof module === 'string')) return;
  const moduleSchema = networkModuleSchema(context);
  for (const module of modules) {
    if (!isPlainMapping(value[module])) {
      issues.addIssue({ code: 'custom', path: ['modules', modules.indexOf(module)], message: `required: modules lists '${module}', so a '${module}:' mapping with its network type is expected, found ${value[module] === undefined ? 'nothing' : JSON.stringify(value[module])}` });
      continue;
    }
    const parsed = moduleSchema.safeParse(value[module], { error: context.errorMap });
    if (!parsed.success) forwardIssues(parsed.error.issues, issues, [module]);
  }
}

/**
 * `search_space:` kept as data for the search-space lib, but structurally checked: hyperparameters
 * with key/type/range, conditions and forbidden combinations over declared keys, and module
 * sections with registered network types.
 */
export function searchSpaceSchema(context: SchemaContext) {
  return z
    .looseObject({
      type: z.string().optional(),
      hyperparameters: z.array(hyperparameter).optional(),
      condition: z.array(condition).optional(),
      forbidden: z.array(freeMapping).optional(),
      modules: z.array(nonEmptyString).optional(),
    })
    .superRefine((space, issues) => {
      if (!isPlainMapping(space)) return;
      if (typeof space.type === 'string' && space.type !== GENERIC_SEARCH_SPACE && !context.registry.has('search_space', space.type)) {
        const known = [GENERIC_SEARCH_SPACE, ...context.registry.names('search_space')];
        const closest = closestMatch(space.type, known);
        issues.addIssue({ code: 'custom', path: ['type'], message: `unknown search space '${space.type}'${closest ? `; did you mean '${closest}'?` : ''} (known: ${known.join(', ')})` });
      }
      const modules = Array.isArray(space.modules) ? space.modules.filter((module): module is string => typeof module === 'string') : [];
      const known = [...SEARCH_SPACE_KEYS, ...modules];
      for (const key of Object.keys(space)) {
        if (!known.includes(key)) issues.addIssue({ code: 'custom', path: [key], message: unknownKeyMessage(key, known) });
      }
      checkModules(space, context, issues);
      checkHyperparameterKeys(space, issues);
    }, ALWAYS);
}

/** Keys are unique, and conditions and forbidden combinations name declared keys. */
function checkHyperparameterKeys(space: Record<string, unknown>, issues: z.core.$RefinementCtx): void {
  const entries = Array.isArray(space.hyperparameters) ? space.hyperparameters : [];
  const declared: string[] = [];
  entries.forEach((entry, index) => {
    const key = isPlainMapping(entry) ? entry.key : undefined;
    if (typeof key !== 'string') return;
    if (declared.includes(key)) issues.addIssue({ code: 'custom', path: ['hyperparameters', index, 'key'], message: `duplicate hyperparameter '${key}' (already declared above)` });
    declared.push(key);
  });
  const mustBeDeclared = (key: unknown, path: (string | number)[], role: string) => {
    if (typeof key !== 'string' || declared.includes(key)) return;
    const closest = closestMatch(key, declared);
    issues.addIssue({ code: 'custom', path, message: `the ${role} '${key}' is not a declared hyperparameter${closest ? `; did you mean '${closest}'?` : ''} (declared: ${declared.join(', ') || 'none'})` });
  };
  (Array.isArray(space.condition) ? space.condition : []).forEach((entry, index) => {
    if (!isPlainMapping(entry)) return;
    mustBeDeclared(entry.child, ['condition', index, 'child'], 'child');
    mustBeDeclared(entry.parent, ['condition', index, 'parent'], 'parent');
    if (entry.child === entry.parent && typeof entry.child === 'string') issues.addIssue({ code: 'custom', path: ['condition', index, 'parent'], message: `a condition's parent must differ from its child, found '${entry.parent}' for both` });
  });
  checkConditionsAreAcyclic(Array.isArray(space.condition) ? space.condition : [], issues);
  (Array.isArray(space.forbidden) ? space.forbidden : []).forEach((entry, index) => {
    if (!isPlainMapping(entry)) return;
    for (const key of Object.keys(entry)) mustBeDeclared(key, ['forbidden', index, key], 'forbidden key');
  });
}

/** Conditions make a DAG of parent -> child; a cycle would leave no key to sample first. */
function checkConditionsAreAcyclic(conditions: readonly unknown[], issues: z.core.$RefinementCtx): void {
  const children = new Map<string, string[]>();
  for (const entry of conditions) {
    if (!isPlainMapping(entry) || typeof entry.parent !== 'string' || typeof entry.child !== 'string') continue;
    children.set(entry.parent, [...(children.get(entry.parent) ?? []), entry.child]);
  }
  const finished = new Set<string>();
  const visit = (key: string, trail: string[]): string[] | undefined => {
    if (trail.includes(key)) return [...trail.slice(trail.indexOf(key)), key];
    if (finished.has(key)) return undefined;
    for (const child of children.get(key) ?? []) {
      const cycle = visit(child, [...trail, key]);
      if (cycle) return cycle;
    }
    finished.add(key);
    return undefined;
  };
  for (const parent of children.keys()) {
    const cycle = visit(parent, []);
    if (cycle) {
      issues.addIssue({ code: 'custom', path: ['condition'], message: `conditions form a cycle: ${cycle.join(' -> ')} (each parent must be sampled before its children)` });
      return;
    }
  }
}
