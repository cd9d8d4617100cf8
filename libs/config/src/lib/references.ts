import { closestMatch } from '@vela/errors';
import { type ConfigPath, formatPath, isPlainMapping, pathKey } from './config-path';
import type { ProblemCollector } from './problems';
import type { SourceMap } from './source-map';

/** The key Vega uses to copy a section of another step: `trainer: {ref: nas.trainer, epochs: 200}`. */
export const REFERENCE_KEY = 'ref';

/**
 * Resolves Vega's `ref: <step>.<section>` references. A mapping with `ref` becomes a deep copy
 * of the referenced value with its own keys merged over it (mappings merge key by key, other
 * values replace). References may chain; a cycle or a path that does not exist is a problem
 * naming the reference and, for a typo, the closest existing key.
 */
export function resolveReferences(root: Record<string, unknown>, sources: SourceMap, problems: ProblemCollector): Record<string, unknown> {
  return new ReferenceResolver(root, sources, problems).resolveRoot();
}

class ReferenceResolver {
  private readonly resolving: string[] = [];
  private readonly resolved = new Map<string, unknown>();

  constructor(
    private readonly root: Record<string, unknown>,
    private readonly sources: SourceMap,
    private readonly problems: ProblemCollector,
  ) {}

  resolveRoot(): Record<string, unknown> {
    return Object.fromEntries(Object.entries(this.root).map(([key, value]) => [key, this.resolve(value, [key])]));
  }

  private resolve(value: unknown, path: ConfigPath): unknown {
    if (Array.isArray(value)) return value.map((item, index) => this.resolve(item, [...path, index]));
    if (!isPlainMapping(value)) return value;
    const key = pathKey(path);
    if (this.resolved.has(key)) return structuredClone(this.resolved.get(key));
    const own = Object.fromEntries(
      Object.entries(value)
        .filter(([name]) => name !== REFERENCE_KEY)
        .map(([name, child]) => [name, this.resolve(child, [...path, name])]),
    );
    const result = REFERENCE_KEY in value ? mergeOver(this.follow(value[REFERENCE_KEY], path), own) : own;
    this.resolved.set(key, result);
    return structuredClone(result);
  }

  /** The referenced value, resolved; undefined (with a problem reported) when it cannot be. */
  private follow(reference: unknown, from: ConfigPath): unknown {
    const referencePath = [...from, REFERENCE_KEY];
    if (typeof reference !== 'string' || !reference.includes('.')) {
      this.problems.add(referencePath, `expected a reference such as 'nas.trainer' (<step>.<section>), found ${JSON.stringify(reference)}`);
      return undefined;
    }
    const fromKey = formatPath(from);
    if (this.resolving.includes(fromKey)) {
      const cycle = [...this.resolving.slice(this.resolving.indexOf(fromKey)), fromKey];
      this.problems.add(referencePath, `references form a cycle: ${cycle.join(' -> ')}`);
      return undefined;
    }
    this.resolving.push(fromKey);
    try {
      return this.lookUp(reference, referencePath);
    } finally {
      this.resolving.pop();
    }
  }

  private lookUp(reference: string, referencePath: ConfigPath): unknown {
    const segments = reference.split('.');
    const target: (string | number)[] = [];
    let raw: unknown = this.root;
    for (const segment of segments) {
      const container = isPlainMapping(raw) && REFERENCE_KEY in raw && !(segment in raw) ? this.resolve(raw, target) : raw;
      const index = Array.isArray(container) && /^\d+$/.test(segment) ? Number(segment) : undefined;
      const exists = index !== undefined ? index < (container as unknown[]).length : isPlainMapping(container) && segment in container;
      if (!exists) {
        const keys = isPlainMapping(container) ? Object.keys(container) : [];
        const closest = closestMatch(segment, keys);
        const hint = closest ? `; did you mean '${[...target, closest].join('.')}'?` : '';
        const where = target.length ? `'${target.join('.')}' has no '${segment}'` : `there is no step or section '${segment}'`;
        this.problems.add(referencePath, `unknown reference '${reference}': ${where}${hint}`);
        return undefined;
      }
      raw = index !== undefined ? (container as unknown[])[index] : (container as Record<string, unknown>)[segment];
      target.push(index ?? segment);
    }
    // Resolve first, so that a target that is itself a reference has its origins to copy.
    const value = this.resolve(raw, target);
    this.sources.copyBelow(target, referencePath.slice(0, -1));
    return value;
  }
}

/** `base` with `own` merged over it: mappings key by key, anything else replaced. */
function mergeOver(base: unknown, own: Record<string, unknown>): Record<string, unknown> {
  if (!isPlainMapping(base)) return own;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(own)) {
    merged[key] = isPlainMapping(value) && isPlainMapping(merged[key]) ? mergeOver(merged[key], value) : value;
  }
  return merged;
}
