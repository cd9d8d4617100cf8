import { closestMatch } from '@vela/errors';
import { type ConfigPath, isPlainMapping } from './config-path';
import type { ProblemCollector } from './problems';

/** Vega's `{local_base_path}`: the task folder that step outputs live under. */
export const PLACEHOLDERS = ['local_base_path'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

const PLACEHOLDER_PATTERN = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces `{local_base_path}` in every string. A `{name}` that is a near miss of a known
 * placeholder is reported as a typo; other braces are left alone (they may be meant literally).
 */
export function substitutePlaceholders(value: unknown, values: Readonly<Record<Placeholder, string>>, problems: ProblemCollector, path: ConfigPath = []): unknown {
  if (typeof value === 'string') {
    return value.replace(PLACEHOLDER_PATTERN, (whole, name: string) => {
      if (name in values) return values[name as Placeholder];
      const closest = closestMatch(name, PLACEHOLDERS);
      if (closest) problems.add(path, `unknown placeholder '{${name}}'; did you mean '{${closest}}'?`);
      return whole;
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => substitutePlaceholders(item, values, problems, [...path, index]));
  if (isPlainMapping(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, substitutePlaceholders(child, values, problems, [...path, key])]));
  }
  return value;
}
