import { type Document, type DocumentOptions, LineCounter, type Node, type ParseOptions, type ScalarTag, type SchemaOptions, isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { ConfigPath } from './config-path';
import type { ProblemCollector } from './problems';
import type { SourceMap } from './source-map';

/**
 * `!!float 0` and `!!float 1e10` as PyYAML reads them (the core schema's float tags only
 * accept texts that already look like floats). Without `default`, it applies to explicit tags only.
 */
const explicitFloat: ScalarTag = {
  tag: 'tag:yaml.org,2002:float',
  resolve: (text, onError) => {
    const value = Number(text.replace(/_/g, ''));
    if (Number.isNaN(value) && !/^[-+]?\.nan$/i.test(text)) onError(`!!float needs a number, found '${text}'`);
    return value;
  },
};

/** PyYAML (YAML 1.1) reads yes/no/on/off as booleans; Vega configs rely on it. `y`/`n` stay strings, as in PyYAML. */
const yamlOneOneBoolean: ScalarTag = {
  tag: 'tag:yaml.org,2002:bool',
  default: true,
  test: /^(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$/,
  resolve: (text) => /^(?:yes|on)$/i.test(text),
};

/**
 * YAML as Vega's users write it: the 1.2 core schema, so that `1e-4` is the float it is meant
 * to be (PyYAML's 1.1 resolver would read it as a string, which Vega's configs work around with
 * `!!float`), plus 1.1's merge keys (`<<:`) and yes/no booleans.
 */
export const YAML_PARSE_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.2',
  schema: 'core',
  merge: true,
  uniqueKeys: true,
  customTags: (tags) => [...tags, yamlOneOneBoolean, explicitFloat],
};

const MAX_ALIAS_DEPTH = 64;

/**
 * Parses one YAML document into plain data and records the line of every path in `sources`.
 * Malformed YAML is reported to `problems` (with its line) and yields undefined.
 */
export function parseYamlSource(text: string, sources: SourceMap, problems: ProblemCollector): unknown {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { ...YAML_PARSE_OPTIONS, lineCounter, keepSourceTokens: true });
  for (const issue of [...document.errors, ...document.warnings]) {
    const line = issue.linePos?.[0].line ?? lineCounter.linePos(issue.pos[0]).line;
    problems.addAtLine(line, `malformed YAML: ${firstLine(issue.message)}`);
  }
  if (document.errors.length || document.warnings.length) return undefined;
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    problems.addAtLine(1, `malformed YAML: ${(error as Error).message}`);
    return undefined;
  }
  new LocationRecorder(document, lineCounter, sources).record(document.contents as Node | null, []);
  const recursive = recursiveAliasPath(value, []);
  if (recursive) {
    // `a: &x [*x]` parses into data that contains itself: every later pass would recurse for ever.
    problems.add(recursive, 'malformed YAML: a recursive alias (the aliased node contains the alias)');
    return undefined;
  }
  return value;
}

/** The path of the first value that contains itself (through a recursive alias), if any. */
function recursiveAliasPath(value: unknown, path: ConfigPath, ancestors = new Set<object>()): ConfigPath | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (ancestors.has(value)) return path;
  ancestors.add(value);
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((item, index) => [index, item]) : Object.entries(value);
  for (const [key, child] of entries) {
    const found = recursiveAliasPath(child, [...path, key], ancestors);
    if (found) return found;
  }
  ancestors.delete(value);
  return undefined;
}

/** One YAML value on its own (a `--set` value), read as the file's values are; a string says why it is malformed. */
export function parseYamlValue(text: string): { readonly value: unknown } | string {
  const document = parseDocument(text, YAML_PARSE_OPTIONS);
  const issue = document.errors[0] ?? document.warnings[0];
  if (issue) return firstLine(issue.message);
  return { value: document.toJS({ maxAliasCount: 1000 }) };
}

/** The yaml package appends a code excerpt after " at line N, column M:". */
function firstLine(message: string): string {
  return message.split(/ at line \d+, column \d+:/)[0].trim();
}

class LocationRecorder {
  constructor(
    private readonly document: Document,
    private readonly lineCounter: LineCounter,
    private readonly sources: SourceMap,
  ) {}

  record(node: Node | null | undefined, path: ConfigPath, onlyIfAbsent = false, depth = 0): void {
    if (!node || depth > MAX_ALIAS_DEPTH) return;
    if (isAlias(node)) {
      this.record(node.resolve(this.document) as Node | undefined, path, onlyIfAbsent, depth + 1);
      return;
    }
    if (isSeq(node)) {
      node.items.forEach((item, index) => {
        this.mark([...path, index], item as Node, onlyIfAbsent);
        this.record(item as Node, [...path, index], onlyIfAbsent, depth);
      });
      return;
    }
    if (!isMap(node)) return;
    const merged: Node[] = [];
    for (const pair of node.items) {
      const key = pair.key as Node | null;
      if (isMergeKey(key)) {
        merged.push(pair.value as Node);
        continue;
      }
      const childPath = [...path, isScalar(key) ? String(key.value ?? '') : String(key)];
      this.mark(childPath, key ?? (pair.value as Node), onlyIfAbsent);
      this.record(pair.value as Node, childPath, onlyIfAbsent, depth);
    }
    // Explicit keys win over merged ones, whatever their order (YAML's merge semantics).
    for (const source of merged) {
      const resolved = isAlias(source) ? (source.resolve(this.document) as Node) : source;
      const maps = isSeq(resolved) ? (resolved.items as Node[]) : [resolved];
      for (const map of maps) this.record(map, path, true, depth + 1);
    }
  }

  private mark(path: ConfigPath, node: Node | null | undefined, onlyIfAbsent: boolean): void {
    const offset = node?.range?.[0];
    if (offset === undefined) return;
    const { line, col } = this.lineCounter.linePos(offset);
    const origin = { kind: 'file', line, column: col } as const;
    if (onlyIfAbsent) this.sources.setIfAbsent(path, origin);
    else this.sources.set(path, origin);
  }
}

function isMergeKey(key: Node | null): boolean {
  if (!isScalar(key)) return false;
  const value = key.value;
  return value === '<<' || (typeof value === 'symbol' && value.description === '<<');
}
