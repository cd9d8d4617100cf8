import { FailedPreconditionError, InvalidArgumentError, ValidationErrors, closestMatch } from '@vela/errors';
import { JsonObject, JsonValue, canonicalJson, cloneJson, isPlainObject, jsonEqual, setPath, show, stableHash } from './json';
import { HyperparameterConfig, MAX_GRID_VALUES, NumericParameter, PARAM_TYPES, ParamType, Parameter, createParameter, rangeProblem } from './parameter';
import { Prng } from './prng';

/** A point of a search space: the value of every active parameter, by key. */
export type Point = { readonly [key: string]: JsonValue };

/** A network description: plain JSON that fully describes a network (Vega's NetworkDesc). */
export type NetworkDesc = JsonObject;

export const CONDITION_TYPES = ['EQUAL', 'NOT_EQUAL', 'IN'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

/** One entry of `search_space.condition`: `child` is active only when `parent`'s value satisfies it. */
export interface ConditionConfig {
  readonly key?: string;
  readonly child: string;
  readonly parent: string;
  readonly type: ConditionType;
  readonly range: readonly JsonValue[];
}

/** The raw `search_space` section of a config. Module dicts sit under their module names. */
export interface SearchSpaceConfig {
  readonly type?: string;
  readonly hyperparameters?: readonly HyperparameterConfig[];
  readonly condition?: readonly ConditionConfig[];
  readonly forbidden?: readonly { readonly [key: string]: JsonValue }[];
  readonly modules?: readonly string[];
  readonly [module: string]: unknown;
}

/** What a point turns into: the model desc (network.* keys and modules) and nested hyperparameters. */
export interface Materialized {
  readonly desc?: NetworkDesc;
  readonly hyperparameters: JsonObject;
}

/** Prefix of keys that land in the model desc; every other key lands in the hyperparameters. */
export const NETWORK_PREFIX = 'network.';
const KNOWN_SECTION_KEYS = ['type', 'hyperparameters', 'condition', 'forbidden', 'modules'];
const SAMPLE_ATTEMPTS = 1000;

interface Condition extends ConditionConfig {
  readonly name: string;
}

/**
 * A search space (Vega's `SearchSpace`): hyperparameters of nine types, conditions forming a
 * DAG, forbidden combinations, and network modules whose list-valued entries are choices
 * (each becomes a CATEGORY parameter keyed `network.<module>.<path>`).
 *
 * Immutable once built; every method is a pure function of its arguments, so one instance
 * may be shared by any number of searches.
 */
export class SearchSpace {
  /** Parameters in config order (hyperparameters, then module choices). */
  readonly parameters: readonly Parameter[];
  readonly conditions: readonly Condition[];
  readonly forbidden: readonly Point[];
  /** `modules` and each module's dict as written (choices still lists), or undefined. */
  readonly networkTemplate: NetworkDesc | undefined;
  /** The unit-cube offset of each parameter, by key. */
  readonly offsets: ReadonlyMap<string, number>;
  /** Total number of unit-cube coordinates. */
  readonly unitLength: number;
  private readonly byKey: ReadonlyMap<string, Parameter>;
  /** Parameters ordered so that every parent comes before its children. */
  private readonly order: readonly Parameter[];
  private readonly conditionsOf: ReadonlyMap<string, readonly Condition[]>;

  private constructor(
    readonly config: SearchSpaceConfig,
    parameters: Parameter[],
    conditions: Condition[],
    forbidden: Point[],
    networkTemplate: NetworkDesc | undefined,
    order: Parameter[],
  ) {
    this.parameters = parameters;
    this.conditions = conditions;
    this.forbidden = forbidden;
    this.networkTemplate = networkTemplate;
    this.byKey = new Map(parameters.map((p) => [p.key, p]));
    this.order = order;
    const conditionsOf = new Map<string, Condition[]>();
    for (const condition of conditions) conditionsOf.set(condition.child, [...(conditionsOf.get(condition.child) ?? []), condition]);
    this.conditionsOf = conditionsOf;
    const offsets = new Map<string, number>();
    let offset = 0;
    for (const parameter of parameters) {
      offsets.set(parameter.key, offset);
      offset += parameter.dims.length;
    }
    this.offsets = offsets;
    this.unitLength = offset;
  }

  /**
   * Builds a space from the raw `search_space` config section. Every problem is reported at
   * once (a ValidationErrors), each naming its entry, e.g.
   * `search_space.hyperparameters[1] (key 'lr'): FLOAT_EXP range must be [low, high] ...`.
   */
  static fromConfig(raw: unknown, path = 'search_space'): SearchSpace {
    const problems: string[] = [];
    if (!isPlainObject(raw)) throw new InvalidArgumentError(`must be a mapping with hyperparameters and/or modules, got ${show(raw)}`, path);
    const config = raw as SearchSpaceConfig;
    const parameters: Parameter[] = [];
    const seen = new Set<string>();

    const modules = parseModules(config, path, problems);
    for (const key of Object.keys(config)) {
      if (KNOWN_SECTION_KEYS.includes(key) || modules.includes(key)) continue;
      const closest = closestMatch(key, [...KNOWN_SECTION_KEYS, ...modules]);
      problems.push(`${path}.${key}: unknown key${closest ? ` (did you mean '${closest}'?)` : ''}; a module's dict needs its name in ${path}.modules`);
    }

    const hyperparameters = config.hyperparameters ?? [];
    if (!Array.isArray(hyperparameters)) problems.push(`${path}.hyperparameters: must be a list of {key, type, range}, got ${show(hyperparameters)}`);
    else {
      hyperparameters.forEach((entry: unknown, index: number) => {
        const parameter = parseHyperparameter(entry, `${path}.hyperparameters[${index}]`, seen, problems);
        if (parameter) parameters.push(parameter);
      });
    }

    let template: NetworkDesc | undefined;
    if (modules.length > 0) {
      const desc: Record<string, unknown> = { modules: [...modules] };
      for (const module of modules) {
        const body = config[module];
        if (!isPlainObject(body)) {
          problems.push(`${path}.${module}: module '${module}' is listed in modules but has no dict of settings, got ${show(body)}`);
          continue;
        }
        desc[module] = cloneJson(body);
        collectChoices(body, `${NETWORK_PREFIX}${module}`, `${path}.${module}`, parameters, seen, problems);
      }
      template = desc as NetworkDesc;
    }

    const byKey = new Map(parameters.map((p) => [p.key, p]));
    const conditions = parseConditions(config.condition, `${path}.condition`, byKey, problems);
    const forbidden = parseForbidden(config.forbidden, `${path}.forbidden`, byKey, problems);
    const order = topologicalOrder(parameters, conditions, `${path}.condition`, problems);
    if (problems.length > 0) throw new ValidationErrors(problems);
    return new SearchSpace(cloneJson(config), parameters, conditions, forbidden, template, order);
  }

  /** The parameter with this key, or an InvalidArgumentError naming the closest key. */
  parameter(key: string): Parameter {
    const parameter = this.byKey.get(key);
    if (!parameter) throw new InvalidArgumentError(`no parameter '${key}'${hint(key, this.byKey.keys())}`, 'key');
    return parameter;
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** The conditions on `key` (all must hold, and each parent be active, for it to be active). */
  conditionsFor(key: string): readonly Condition[] {
    return this.conditionsOf.get(key) ?? [];
  }

  /** Whether `key` is active given the values of its parents in `point`. */
  isActive(key: string, point: Point): boolean {
    return this.conditionsFor(key).every((condition) => condition.parent in point && conditionHolds(condition, this.parameter(condition.parent), point[condition.parent]));
  }

  /** The first forbidden entry `point` matches, or undefined. */
  forbiddenMatch(point: Point): Point | undefined {
    return this.forbidden.find((entry) => Object.keys(entry).every((key) => key in point && jsonEqual(point[key], entry[key])));
  }

  isForbidden(point: Point): boolean {
    return this.forbiddenMatch(point) !== undefined;
  }

  /**
   * The point at unit coordinates `u` (length `unitLength`, each in [0, 1]): parameters are
   * decoded parents first, and inactive ones are left out. May be forbidden.
   */
  fromUnit(u: readonly number[]): Point {
    if (u.length !== this.unitLength) throw new InvalidArgumentError(`must have ${this.unitLength} coordinates, got ${u.length}`, 'unit');
    const point: Record<string, JsonValue> = {};
    for (const parameter of this.order) {
      if (!this.isActive(parameter.key, point)) continue;
      const offset = this.offsets.get(parameter.key) as number;
      point[parameter.key] = parameter.fromUnit(u.slice(offset, offset + parameter.dims.length));
    }
    return point;
  }

  /** Unit coordinates of a valid point; coordinates of inactive parameters are 0.5. */
  toUnit(point: Point): number[] {
    const u = new Array<number>(this.unitLength).fill(0.5);
    for (const parameter of this.parameters) {
      if (!(parameter.key in point)) continue;
      const offset = this.offsets.get(parameter.key) as number;
      parameter.toUnit(point[parameter.key]).forEach((value, i) => (u[offset + i] = value));
    }
    return u;
  }

  /**
   * A random allowed point (uniform in the unit cube, so log-uniform for _EXP types),
   * redrawn while it hits a forbidden combination.
   */
  sample(rng: Prng): Point {
    for (let attempt = 0; attempt < SAMPLE_ATTEMPTS; attempt++) {
      const point = this.fromUnit(Array.from({ length: this.unitLength }, () => rng.next()));
      if (!this.isForbidden(point)) return point;
    }
    throw new FailedPreconditionError(`search_space: ${SAMPLE_ATTEMPTS} random points in a row were forbidden; the forbidden list excludes (nearly) the whole space`);
  }

  /** Every problem of `point`, each naming its key; empty when the point is valid. */
  problems(point: unknown, field = 'point'): string[] {
    if (!isPlainObject(point)) return [`${field}: must be a mapping of parameter values, got ${show(point)}`];
    const problems: string[] = [];
    for (const key of Object.keys(point)) {
      if (!this.byKey.has(key)) problems.push(`${field}.${key}: no such parameter${hint(key, this.byKey.keys())}`);
    }
    for (const parameter of this.order) {
      const present = parameter.key in point;
      const active = this.isActive(parameter.key, point as Point);
      if (active && !present) problems.push(`${field}.${parameter.key}: missing; must be ${parameter.describe()}`);
      else if (!active && present) {
        const failing = this.conditionsFor(parameter.key).find((c) => !(c.parent in point) || !conditionHolds(c, this.parameter(c.parent), (point as Point)[c.parent]));
        problems.push(`${field}.${parameter.key}: inactive, ${describeCondition(failing as Condition)}`);
      } else if (present) {
        const problem = parameter.problem(point[parameter.key]);
        if (problem) problems.push(`${field}.${parameter.key}: ${problem}`);
      }
    }
    const match = problems.length === 0 ? this.forbiddenMatch(point as Point) : undefined;
    if (match) problems.push(`${field}: matches forbidden combination ${show(match)}`);
    return problems;
  }

  /** Throws a ValidationErrors listing every problem of `point`. */
  validate(point: unknown, field = 'point'): asserts point is Point {
    const problems = this.problems(point, field);
    if (problems.length > 0) throw new ValidationErrors(problems);
  }

  contains(point: unknown): point is Point {
    return this.problems(point).length === 0;
  }

  /**
   * Every allowed point of the grid, in a fixed order: the first parameter varies slowest,
   * numeric ranges take `slice` points (5 by default; small integer ranges all values),
   * children vary only where they are active, forbidden points are skipped. Lazy: taking
   * the first points of a huge grid is cheap (see `gridBound()` before taking them all).
   */
  *grid(): Generator<Point> {
    yield* this.walkGrid(0, {});
  }

  private *walkGrid(index: number, point: Record<string, JsonValue>): Generator<Point> {
    if (index === this.order.length) {
      if (!this.isForbidden(point)) yield { ...point };
      return;
    }
    const parameter = this.order[index];
    if (!this.isActive(parameter.key, point)) {
      yield* this.walkGrid(index + 1, point);
      return;
    }
    for (const value of parameter.gridValues()) {
      point[parameter.key] = value;
      yield* this.walkGrid(index + 1, point);
    }
    delete point[parameter.key];
  }

  /** An upper bound on the grid size (the product over parameters); throws above MAX_GRID_VALUES. */
  gridBound(): number {
    let bound = 1;
    for (const parameter of this.parameters) {
      bound *= parameter.gridSize();
      if (bound > MAX_GRID_VALUES) {
        throw new FailedPreconditionError(`search_space: the grid has more than ${MAX_GRID_VALUES} points (at parameter '${parameter.key}'); set a smaller slice or use another algorithm`);
      }
    }
    return bound;
  }

  /**
   * Where a point's values land, as Vega puts them: `network.*` keys into the model desc
   * (over the modules' dicts), every other key into nested hyperparameters
   * (`trainer.optimizer.params.lr` → `{trainer: {optimizer: {params: {lr}}}}`).
   */
  materialize(point: Point): Materialized {
    const hyperparameters: Record<string, unknown> = {};
    let desc: Record<string, unknown> | undefined = this.networkTemplate ? cloneJson(this.networkTemplate) as Record<string, unknown> : undefined;
    for (const key of Object.keys(point).sort((a, b) => this.rank(a) - this.rank(b))) {
      if (key.startsWith(NETWORK_PREFIX)) {
        desc ??= {};
        setPath(desc, key.slice(NETWORK_PREFIX.length), cloneJson(point[key]));
      } else {
        setPath(hyperparameters, key, cloneJson(point[key]));
      }
    }
    return desc ? { desc: desc as NetworkDesc, hyperparameters: hyperparameters as JsonObject } : { hyperparameters: hyperparameters as JsonObject };
  }

  /** Stable identity of a point (sha256 of its canonical JSON). */
  pointHash(point: Point): string {
    return stableHash(point);
  }

  /** The config this space was built from; `fromConfig(space.toJSON())` builds an equal space. */
  toJSON(): SearchSpaceConfig {
    return cloneJson(this.config);
  }

  /** A short text summary, e.g. for logs. */
  toString(): string {
    return `SearchSpace(${this.parameters.map((p) => `${p.key}:${p.type}`).join(', ')})`;
  }

  private rank(key: string): number {
    return this.parameters.findIndex((p) => p.key === key);
  }
}

function hint(name: string, candidates: Iterable<string>): string {
  const closest = closestMatch(name, candidates);
  return closest ? ` (did you mean '${closest}'?)` : '';
}

function parseModules(config: SearchSpaceConfig, path: string, problems: string[]): string[] {
  if (config.modules === undefined) return [];
  if (!Array.isArray(config.modules) || !config.modules.every((m) => typeof m === 'string' && m.length > 0)) {
    problems.push(`${path}.modules: must be a list of module names such as [backbone, head], got ${show(config.modules)}`);
    return [];
  }
  for (const module of config.modules) {
    if (KNOWN_SECTION_KEYS.includes(module)) problems.push(`${path}.modules: '${module}' is a reserved key, not a module name`);
  }
  return config.modules.filter((m) => !KNOWN_SECTION_KEYS.includes(m));
}

function parseHyperparameter(entry: unknown, at: string, seen: Set<string>, problems: string[]): Parameter | undefined {
  if (!isPlainObject(entry)) {
    problems.push(`${at}: must be a mapping {key, type, range}, got ${show(entry)}`);
    return undefined;
  }
  const key = entry['key'];
  const where = typeof key === 'string' ? `${at} (key '${key}')` : at;
  const before = problems.length;
  for (const field of Object.keys(entry)) {
    if (!['key', 'type', 'range', 'slice'].includes(field)) problems.push(`${where}.${field}: unknown field${hint(field, ['key', 'type', 'range', 'slice'])}; allowed: key, type, range, slice`);
  }
  if (typeof key !== 'string' || key.length === 0 || key.split('.').some((part) => part.length === 0)) {
    problems.push(`${at}.key: must be a non-empty dotted name such as trainer.optimizer.params.lr, got ${show(key)}`);
  } else if (seen.has(key)) problems.push(`${where}: duplicate key '${key}'`);
  else seen.add(key);
  const type = typeof entry['type'] === 'string' ? (entry['type'] as string).toUpperCase() : entry['type'];
  if (!(PARAM_TYPES as readonly unknown[]).includes(type)) {
    problems.push(`${where}.type: unknown type ${show(entry['type'])}${hint(String(entry['type']), PARAM_TYPES)}; known: ${PARAM_TYPES.join(', ')}`);
    return undefined;
  }
  const range = entry['range'] ?? (type === 'BOOL' ? [] : undefined);
  if (!Array.isArray(range)) {
    problems.push(`${where}.range: must be a list, got ${show(range)}`);
    return undefined;
  }
  const rangeIssue = rangeProblem(type as ParamType, range as JsonValue[]);
  if (rangeIssue) problems.push(`${where}.range: ${rangeIssue}`);
  const slice = entry['slice'];
  if (slice !== undefined && slice !== 0 && !(typeof slice === 'number' && Number.isInteger(slice) && slice >= 1)) {
    problems.push(`${where}.slice: must be a positive integer (grid points), got ${show(slice)}`);
  }
  if (problems.length > before) return undefined;
  return createParameter({ key: key as string, type: type as ParamType, range: range as JsonValue[], slice: slice ? (slice as number) : undefined });
}

/** List-valued entries of a module dict (at any depth) become CATEGORY parameters. */
function collectChoices(body: Record<string, unknown>, keyPrefix: string, at: string, parameters: Parameter[], seen: Set<string>, problems: string[]): void {
  for (const [name, value] of Object.entries(body)) {
    const key = `${keyPrefix}.${name}`;
    if (Array.isArray(value)) {
      if (value.length === 0) {
        problems.push(`${at}.${name}: a list of choices must not be empty`);
        continue;
      }
      if (seen.has(key)) {
        problems.push(`${at}.${name}: '${key}' is also declared in hyperparameters`);
        continue;
      }
      seen.add(key);
      parameters.push(createParameter({ key, type: 'CATEGORY', range: value as JsonValue[] }));
    } else if (isPlainObject(value)) {
      collectChoices(value, key, `${at}.${name}`, parameters, seen, problems);
    }
  }
}

function parseConditions(raw: unknown, at: string, byKey: Map<string, Parameter>, problems: string[]): Condition[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    problems.push(`${at}: must be a list of {key, child, parent, type, range}, got ${show(raw)}`);
    return [];
  }
  const conditions: Condition[] = [];
  raw.forEach((entry: unknown, index: number) => {
    const where = `${at}[${index}]${isPlainObject(entry) && typeof entry['key'] === 'string' ? ` (key '${entry['key']}')` : ''}`;
    if (!isPlainObject(entry)) {
      problems.push(`${where}: must be a mapping {key, child, parent, type, range}, got ${show(entry)}`);
      return;
    }
    const before = problems.length;
    const allowed = ['key', 'child', 'parent', 'type', 'range'];
    for (const field of Object.keys(entry)) if (!allowed.includes(field)) problems.push(`${where}.${field}: unknown field${hint(field, allowed)}`);
    const { child, parent, range } = entry;
    const type = typeof entry['type'] === 'string' ? (entry['type'] as string).toUpperCase() : entry['type'];
    for (const [field, name] of [['child', child], ['parent', parent]] as const) {
      if (typeof name !== 'string' || !byKey.has(name)) problems.push(`${where}.${field}: no hyperparameter ${show(name)}${typeof name === 'string' ? hint(name, byKey.keys()) : ''}`);
    }
    if (typeof child === 'string' && child === parent) problems.push(`${where}: a parameter cannot be its own parent ('${child}')`);
    if (!(CONDITION_TYPES as readonly unknown[]).includes(type)) problems.push(`${where}.type: must be one of ${CONDITION_TYPES.join(', ')}, got ${show(entry['type'])}`);
    if (!Array.isArray(range) || range.length === 0) problems.push(`${where}.range: must be a non-empty list of parent values, got ${show(range)}`);
    else if ((type === 'EQUAL' || type === 'NOT_EQUAL') && range.length !== 1) problems.push(`${where}.range: ${type} takes one value, as [value], got ${show(range)}`);
    if (problems.length > before) return;
    const parentParameter = byKey.get(parent as string) as Parameter;
    const interval = type === 'IN' && isInterval(parentParameter);
    if (interval) {
      if ((range as unknown[]).length !== 2 || !(range as unknown[]).every((v) => typeof v === 'number') || (range as number[])[0] > (range as number[])[1]) {
        problems.push(`${where}.range: IN on a ${parentParameter.type} parent is an interval [low, high], got ${show(range)}`);
      }
    } else {
      (range as unknown[]).forEach((value, i) => {
        const problem = parentParameter.problem(value);
        if (problem) problems.push(`${where}.range[${i}]: a value of parent '${parent}' ${problem}`);
      });
    }
    if (problems.length > before) return;
    conditions.push({ name: typeof entry['key'] === 'string' ? (entry['key'] as string) : `condition[${index}]`, child: child as string, parent: parent as string, type: type as ConditionType, range: range as JsonValue[] });
  });
  return conditions;
}

function isInterval(parent: Parameter): boolean {
  return parent instanceof NumericParameter && !parent.integer;
}

function conditionHolds(condition: ConditionConfig, parent: Parameter, value: JsonValue | undefined): boolean {
  switch (condition.type) {
    case 'EQUAL':
      return jsonEqual(value, condition.range[0]);
    case 'NOT_EQUAL':
      return !jsonEqual(value, condition.range[0]);
    case 'IN':
      if (isInterval(parent)) return typeof value === 'number' && value >= (condition.range[0] as number) && value <= (condition.range[1] as number);
      return condition.range.some((allowed) => jsonEqual(allowed, value));
  }
}

function describeCondition(condition: Condition): string {
  const wanted = condition.type === 'EQUAL' ? `== ${show(condition.range[0])}` : condition.type === 'NOT_EQUAL' ? `!= ${show(condition.range[0])}` : `in ${show(condition.range)}`;
  return `condition '${condition.name}' requires ${condition.parent} ${wanted}`;
}

function parseForbidden(raw: unknown, at: string, byKey: Map<string, Parameter>, problems: string[]): Point[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    problems.push(`${at}: must be a list of {key: value, ...} combinations, got ${show(raw)}`);
    return [];
  }
  const forbidden: Point[] = [];
  raw.forEach((entry: unknown, index: number) => {
    const where = `${at}[${index}]`;
    if (!isPlainObject(entry) || Object.keys(entry).length === 0) {
      problems.push(`${where}: must be a non-empty mapping {key: value, ...}, got ${show(entry)}`);
      return;
    }
    const before = problems.length;
    for (const [key, value] of Object.entries(entry)) {
      const parameter = byKey.get(key);
      if (!parameter) problems.push(`${where}.${key}: no hyperparameter '${key}'${hint(key, byKey.keys())}`);
      else {
        const problem = parameter.problem(value);
        if (problem) problems.push(`${where}.${key}: ${problem}`);
      }
    }
    if (problems.length === before) forbidden.push(entry as Point);
  });
  return forbidden;
}

/** Kahn's algorithm, stable in config order; a cycle is reported with its members. */
function topologicalOrder(parameters: Parameter[], conditions: Condition[], at: string, problems: string[]): Parameter[] {
  const parentsOf = new Map<string, Set<string>>(parameters.map((p) => [p.key, new Set<string>()]));
  for (const condition of conditions) parentsOf.get(condition.child)?.add(condition.parent);
  const placed = new Set<string>();
  const order: Parameter[] = [];
  while (order.length < parameters.length) {
    const next = parameters.find((p) => !placed.has(p.key) && [...(parentsOf.get(p.key) as Set<string>)].every((parent) => placed.has(parent)));
    if (!next) {
      const cycle = findCycle(parameters.filter((p) => !placed.has(p.key)).map((p) => p.key), parentsOf);
      problems.push(`${at}: conditions must form a DAG, but they form a cycle: ${cycle.join(' -> ')}`);
      return parameters;
    }
    placed.add(next.key);
    order.push(next);
  }
  return order;
}

function findCycle(keys: string[], parentsOf: Map<string, Set<string>>): string[] {
  const remaining = new Set(keys);
  let key = keys[0];
  const path: string[] = [];
  while (!path.includes(key)) {
    path.push(key);
    key = [...(parentsOf.get(key) as Set<string>)].find((parent) => remaining.has(parent)) as string;
  }
  return [...path.slice(path.indexOf(key)), key].reverse();
}

/** Canonical text of a point, e.g. for de-duplication maps. */
export function pointKey(point: Point): string {
  return canonicalJson(point);
}
