import { InvalidArgumentError, ValidationErrors, closestMatch } from '@vela/errors';
import { isPlainObject, show } from '@vela/search-space';
import { z } from 'zod';

/** An integer setting in [min, max] (max optional), with a message that states the range. */
export function intSetting(min: number, max?: number) {
  const text = max === undefined ? `must be an integer >= ${min}` : `must be an integer in [${min}, ${max}]`;
  const base = z.number({ error: text }).int(text).min(min, text);
  return max === undefined ? base : base.max(max, text);
}

/** A number setting in [min, max] (bounds optional, `exclusiveMin` for (min, max]). */
export function numberSetting(min: number, max?: number, exclusiveMin = false) {
  const text = `must be a number in ${exclusiveMin ? '(' : '['}${min}, ${max ?? '∞'}${max === undefined ? ')' : ']'}`;
  const base = z.number({ error: text }).refine((v) => Number.isFinite(v), text);
  const low = exclusiveMin ? base.refine((v) => v > min, text) : base.refine((v) => v >= min, text);
  return max === undefined ? low : low.refine((v) => v <= max, text);
}

export function booleanSetting() {
  return z.boolean({ error: 'must be true or false' });
}

/** The parts of a `search_algorithm` section every algorithm shares. */
export interface AlgorithmSettings<P> {
  readonly type: string;
  readonly policy: P;
  /** Vega's `objective_keys`; empty means the first objective each record reports. */
  readonly objectiveKeys: readonly string[];
  /** Vega's `codec:` name, for algorithms that take one. */
  readonly codec?: string;
  /** Other top-level sections the algorithm declared (e.g. BackboneNas's `range`). */
  readonly extra: Readonly<Record<string, unknown>>;
}

export interface SettingsOptions {
  /** Top-level sections besides type/policy/objective_keys/codec, each with its schema. */
  readonly sections?: Readonly<Record<string, z.ZodType>>;
  /** Whether `codec:` is accepted. */
  readonly codec?: boolean;
}

/**
 * Parses a raw `search_algorithm` section: `policy` with the algorithm's zod schema (a strict
 * object, so unknown keys are errors naming the closest valid one), `objective_keys` (a string
 * or a list of strings), `codec`. Every problem is reported at once, each naming its key and
 * the allowed range (`search_algorithm.policy.num_sample: must be an integer >= 1, got 0`).
 */
export function parseSettings<S extends z.ZodObject>(raw: unknown, policySchema: S, path: string, options: SettingsOptions = {}): AlgorithmSettings<z.infer<S>> {
  if (raw !== undefined && !isPlainObject(raw)) throw new InvalidArgumentError(`must be a mapping with type and policy, got ${show(raw)}`, path);
  const section = (raw ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  const allowed = ['type', 'policy', 'objective_keys', ...(options.codec ? ['codec'] : []), ...Object.keys(options.sections ?? {})];
  for (const key of Object.keys(section)) {
    if (!allowed.includes(key)) {
      const closest = closestMatch(key, allowed);
      problems.push(`${path}.${key}: unknown key${closest ? ` (did you mean '${closest}'?)` : ''}; allowed: ${allowed.join(', ')}`);
    }
  }
  const policy = validate(policySchema, section['policy'] ?? {}, `${path}.policy`, problems);
  const extra: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(options.sections ?? {})) extra[name] = validate(schema, section[name] ?? {}, `${path}.${name}`, problems);

  let objectiveKeys: string[] = [];
  const rawKeys = section['objective_keys'];
  if (typeof rawKeys === 'string' && rawKeys.length > 0) objectiveKeys = [rawKeys];
  else if (Array.isArray(rawKeys) && rawKeys.length > 0 && rawKeys.every((k) => typeof k === 'string' && k.length > 0)) objectiveKeys = rawKeys as string[];
  else if (rawKeys !== undefined) problems.push(`${path}.objective_keys: must be a metric name or a non-empty list of names, got ${show(rawKeys)}`);

  const codec = section['codec'];
  if (codec !== undefined && (typeof codec !== 'string' || codec.length === 0)) problems.push(`${path}.codec: must be a codec name, got ${show(codec)}`);
  if (problems.length > 0) throw new ValidationErrors(problems);
  return { type: String(section['type'] ?? ''), policy: policy as z.infer<S>, objectiveKeys, codec: codec as string | undefined, extra };
}

function validate(schema: z.ZodType, value: unknown, path: string, problems: string[]): unknown {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const known = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
  for (const issue of result.error.issues) {
    const at = [path, ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const closest = closestMatch(key, known);
        problems.push(`${at}.${key}: unknown key${closest ? ` (did you mean '${closest}'?)` : ''}; known: ${known.join(', ')}`);
      }
    } else {
      let got: unknown = value;
      for (const part of issue.path) got = isPlainObject(got) || Array.isArray(got) ? (got as Record<string, unknown>)[part as string] : undefined;
      problems.push(`${at}: ${issue.message}, got ${show(got)}`);
    }
  }
  return undefined;
}
