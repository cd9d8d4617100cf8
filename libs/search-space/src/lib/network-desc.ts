import { InvalidArgumentError } from '@vela/errors';
import { JsonValue, cloneJson, isPlainObject, show, stableHash } from './json';
import type { NetworkDesc } from './search-space';

/** Where the first non-JSON value of `value` is, or undefined when it is plain JSON. */
function firstProblem(value: unknown, path: string): { path: string; problem: string } | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : { path, problem: `must be a finite number, got ${show(value)}` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = firstProblem(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      const found = firstProblem(item, `${path}.${key}`);
      if (found) return found;
    }
    return undefined;
  }
  return { path, problem: `must be JSON data (null, boolean, number, string, list or mapping), got ${typeof value}` };
}

/**
 * A checked, deeply frozen copy of a network description: a mapping of plain JSON (it crosses
 * every service boundary as JSON). Errors name the offending path, e.g. `desc.backbone.depth`.
 */
export function toNetworkDesc(value: unknown, field = 'desc'): NetworkDesc {
  if (!isPlainObject(value)) throw new InvalidArgumentError(`must be a mapping describing the network, got ${show(value)}`, field);
  const found = firstProblem(value, field);
  if (found) throw new InvalidArgumentError(found.problem, found.path);
  return deepFreeze(cloneJson(value)) as NetworkDesc;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value as Record<string, JsonValue>).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

/** The stable identity of a desc (sha256 of its canonical JSON), for de-duplication. */
export function descHash(desc: NetworkDesc): string {
  return stableHash(desc);
}
