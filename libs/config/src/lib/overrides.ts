import { closestMatch } from '@vela/errors';
import { type ConfigPath, describeValue, formatPath, isPlainMapping } from './config-path';
import type { ProblemCollector } from './problems';
import type { SourceMap } from './source-map';
import { parseYamlValue } from './yaml-source';

/** One `--set key.path=value`: the path split on dots, the value read as YAML. */
export interface Override {
  readonly text: string;
  readonly path: readonly string[];
  readonly value: unknown;
  /** Written `+key.path=value`: the key is meant to be new, even when it resembles an existing one. */
  readonly addsKey: boolean;
}

/**
 * Parses `a.b.c=value` overrides. The value is YAML (`0.01`, `1e-4`, `true`, `[16, 32]`,
 * `'quoted'`); a segment that is a number indexes a list (`pipeline.0=nas`). A leading `+`
 * adds a key that resembles an existing one (as Hydra's `+key=value`).
 */
export function parseOverride(text: string): Override | string {
  const equals = text.indexOf('=');
  const addsKey = text.startsWith('+');
  const keyText = text.slice(addsKey ? 1 : 0, Math.max(equals, 0)).trim();
  if (equals < 0 || !keyText) return `expected key.path=value, found '${text}'`;
  const path = keyText.split('.').map((segment) => segment.trim());
  if (path.some((segment) => !segment)) return `expected a dotted key path such as hpo.trainer.epochs before '=', found '${keyText}'`;
  const parsed = parseYamlValue(text.slice(equals + 1));
  if (typeof parsed === 'string') return `the value is not valid YAML: ${parsed}`;
  return { text, path, value: parsed.value, addsKey };
}

/**
 * Applies overrides in order onto the parsed tree, creating missing mappings on the way;
 * the schema then judges the keys (an unknown one is reported with the closest valid key,
 * placed at the `--set` that introduced it).
 */
export function applyOverrides(root: Record<string, unknown>, overrides: readonly string[], sources: SourceMap, problems: ProblemCollector): void {
  for (const text of overrides) {
    const override = parseOverride(text);
    if (typeof override === 'string') {
      problems.addAtPlace(`--set ${text}`, override);
      continue;
    }
    const outcome = setAtPath(root, override);
    if (typeof outcome === 'string') {
      problems.addAtPlace(`--set ${text}`, outcome);
      continue;
    }
    sources.deleteBelow(outcome);
    sources.set(outcome, { kind: 'override', text });
  }
}

/**
 * Sets the value and returns the path it now has (list indices as numbers), or says why the
 * path cannot hold one. A new key that is a near miss of an existing one is taken for a typo
 * (inside free-form blocks such as `params:` nothing else would catch it), unless `+` says otherwise.
 */
function setAtPath(root: Record<string, unknown>, { path, value, addsKey }: Override): ConfigPath | string {
  let container: unknown = root;
  const walked: (string | number)[] = [];
  for (let index = 0; index < path.length; index++) {
    const segment = path[index];
    const last = index === path.length - 1;
    if (Array.isArray(container)) {
      const position = /^\d+$/.test(segment) ? Number(segment) : NaN;
      if (!(position <= container.length)) {
        return `${formatPath(walked)} is a list of ${container.length}; expected an index from 0 to ${container.length}, found '${segment}'`;
      }
      if (last) container[position] = value;
      else container = container[position] ??= {};
      walked.push(position);
    } else if (isPlainMapping(container)) {
      const closest = segment in container || addsKey ? undefined : closestMatch(segment, Object.keys(container));
      if (closest) {
        return `${formatPath([...walked, segment])} is not in the config; did you mean '${formatPath([...walked, closest])}'? (write +${path.join('.')}=... to add it as a new key)`;
      }
      if (last) container[segment] = value;
      else container = container[segment] ??= {};
      walked.push(segment);
    } else {
      return `${formatPath(walked)} is ${describeValue(container)}, not a mapping or a list, so it has no '${segment}'`;
    }
  }
  return walked;
}
