import { type Registry, registry as globalRegistry } from '@vela/registry';
import { type ConfigPath, describeValue, isPlainMapping } from './config-path';
import { applyOverrides } from './overrides';
import { substitutePlaceholders } from './placeholders';
import { ProblemCollector } from './problems';
import { resolveReferences } from './references';
import { type ConfigWarning, stripRuntimeOnlyKeys } from './runtime-only-keys';
import { RESERVED_KEYS, configSchema, pipelineNames } from './schema/config.schema';
import { DEFAULT_LOCAL_BASE_PATH, DEFAULT_OUTPUT_SUBPATH, joinPath } from './schema/general.schema';
import { configErrorMap } from './schema/schema-kit';
import { SourceMap } from './source-map';
import type { VelaConfig } from './vela-config';
import { parseYamlSource } from './yaml-source';

export interface LoadConfigOptions {
  /** `--set key.path=value` overrides (without `--set`), applied in order after parsing. */
  readonly overrides?: readonly string[];
  /** `{local_base_path}` when the config does not set `general.task.local_base_path`; default `./tasks`. */
  readonly localBasePath?: string;
  /** Names the file in messages (`default.yml:12: ...`). */
  readonly filePath?: string;
  /** Where `type:` names are looked up; default the process-wide registry. */
  readonly registry?: Registry;
  /**
   * Checks beyond the schema, run on a config the schema accepts (the master builds each
   * step's search and network with it); its problems are placed at their lines as the schema's.
   */
  readonly check?: ConfigCheck;
}

/** A check of a loaded config that reports each problem at a path, with what is wrong there. */
export type ConfigCheck = (config: VelaConfig, report: (path: ConfigPath, detail: string) => void) => void;

export interface LoadedConfig {
  readonly config: VelaConfig;
  /** One per runtime-only key that was accepted and ignored. */
  readonly warnings: readonly ConfigWarning[];
}

/**
 * Reads a Vega-style YAML config: parses it (keeping lines), applies `--set` overrides, drops
 * Vega-runtime-only keys with a warning, resolves `ref:` references and `{local_base_path}`,
 * and validates the result against the schema and the registry.
 *
 * @throws ConfigValidationError (a ValidationErrors) with every problem of the file, each naming
 *   its YAML path and line, what was expected and what was found.
 */
export function loadConfig(text: string, options: LoadConfigOptions = {}): LoadedConfig {
  const sources = new SourceMap(options.filePath);
  const problems = new ProblemCollector(sources);
  const parsed = parseYamlSource(text, sources, problems);
  problems.throwIfAny();
  if (!isPlainMapping(parsed)) {
    problems.add([], `expected a mapping with 'pipeline:' and a section per step, found ${describeValue(parsed ?? undefined)}`);
    problems.throwIfAny();
  }
  const root = parsed as Record<string, unknown>;
  applyOverrides(root, options.overrides ?? [], sources, problems);
  const warnings = stripRuntimeOnlyKeys(root, sources);
  const resolved = resolveReferences(root, sources, problems);
  const localBasePath = configuredLocalBasePath(resolved) ?? options.localBasePath ?? DEFAULT_LOCAL_BASE_PATH;
  const substituted = substitutePlaceholders(resolved, { local_base_path: localBasePath }, problems) as Record<string, unknown>;
  const schema = configSchema({
    registry: options.registry ?? globalRegistry,
    errorMap: configErrorMap,
    pipeline: pipelineNames(substituted) ?? Object.keys(substituted).filter((key) => !(RESERVED_KEYS as readonly string[]).includes(key)),
    localBasePath,
    outputPath: joinPath(localBasePath, configuredOutputSubpath(substituted) ?? DEFAULT_OUTPUT_SUBPATH),
  });
  const result = schema.safeParse(substituted, { error: configErrorMap });
  if (!result.success) {
    for (const issue of result.error.issues) problems.add(writtenPath(substituted, issue.path as (string | number)[]), issue.message);
  }
  problems.throwIfAny();
  const config = deepFreeze(result.data) as VelaConfig;
  options.check?.(config, (path, detail) => problems.add(path, detail));
  problems.throwIfAny();
  return { config, warnings };
}

/**
 * The path as the user wrote it: a schema that reads one value as a list of one
 * (`metric: {type: accuracy}`) reports `metric[0].type`, which the file calls `metric.type`.
 */
function writtenPath(root: unknown, path: readonly (string | number)[]): ConfigPath {
  const written: (string | number)[] = [];
  let current = root;
  for (const segment of path) {
    if (typeof segment === 'number' && !Array.isArray(current)) continue;
    written.push(segment);
    current = Array.isArray(current) ? current[segment as number] : isPlainMapping(current) ? current[segment] : undefined;
  }
  return written;
}

/** Vega's `general.task.local_base_path`, or Vela's shorter `general.local_base_path`. */
function configuredLocalBasePath(root: Record<string, unknown>): string | undefined {
  const general = isPlainMapping(root.general) ? root.general : {};
  const task = isPlainMapping(general.task) ? general.task : {};
  const value = task.local_base_path ?? general.local_base_path;
  return typeof value === 'string' && value ? value : undefined;
}

function configuredOutputSubpath(root: Record<string, unknown>): string | undefined {
  const general = isPlainMapping(root.general) ? root.general : {};
  const value = isPlainMapping(general.task) ? general.task.output_subpath : undefined;
  return typeof value === 'string' && value ? value : undefined;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
