import { JsonValue, jsonEqual, show } from './json';

/** Vega's hyperparameter types (`vega.core.search_space.ParamTypes`). */
export const PARAM_TYPES = ['INT', 'INT_EXP', 'FLOAT', 'FLOAT_EXP', 'CATEGORY', 'BOOL', 'BINARY_CODE', 'ADJACENCY_LIST', 'HALF'] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

/** One entry of `search_space.hyperparameters`, as written in the config. */
export interface HyperparameterConfig {
  readonly key: string;
  readonly type: ParamType;
  readonly range?: readonly JsonValue[];
  /** For grids: how many points to take from a numeric range (Vega's `slice`). */
  readonly slice?: number;
}

/**
 * One coordinate of a parameter in the unit cube. `continuous` coordinates map monotonically
 * onto the parameter's (possibly log-scaled, possibly binned) range; a `categorical`
 * coordinate is split into `size` equal bins, bin i meaning choice i.
 */
export type UnitDim = { readonly kind: 'continuous' } | { readonly kind: 'categorical'; readonly size: number };

const CONTINUOUS: UnitDim = { kind: 'continuous' };
/** Grids larger than this are refused rather than enumerated. */
export const MAX_GRID_VALUES = 1_000_000;
const DEFAULT_SLICE = 5;

/**
 * A hyperparameter of one of Vega's nine types: its unit-cube mapping, validation and grid.
 * `fromUnit(toUnit(v))` gives back `v` for every valid `v`.
 */
export abstract class Parameter {
  constructor(
    readonly key: string,
    readonly type: ParamType,
    readonly range: readonly JsonValue[],
    readonly slice: number | undefined,
  ) {}

  /** The coordinates this parameter takes in the unit cube. */
  abstract readonly dims: readonly UnitDim[];
  /** The value at unit coordinates `u` (each in [0, 1]). */
  abstract fromUnit(u: readonly number[]): JsonValue;
  /** Unit coordinates of a valid value (bin centres for discrete values). */
  abstract toUnit(value: JsonValue): number[];
  /** Why `value` is not allowed, or undefined when it is. */
  abstract problem(value: unknown): string | undefined;
  /** The values a grid takes, in order. */
  abstract gridValues(): Iterable<JsonValue>;
  /** How many values `gridValues()` yields. */
  abstract gridSize(): number;
  /** The allowed values, in words, for error messages. */
  abstract describe(): string;

  contains(value: unknown): boolean {
    return this.problem(value) === undefined;
  }
}

function clamp01(u: number): number {
  return Number.isFinite(u) ? Math.min(Math.max(u, 0), 1 - Number.EPSILON) : 0.5;
}

/** INT, INT_EXP, FLOAT, FLOAT_EXP: `range: [low, high]`, log-uniform for the _EXP types. */
export class NumericParameter extends Parameter {
  readonly dims = [CONTINUOUS];
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  readonly integer: boolean;

  constructor(key: string, type: 'INT' | 'INT_EXP' | 'FLOAT' | 'FLOAT_EXP', range: readonly JsonValue[], slice: number | undefined) {
    super(key, type, range, slice);
    this.low = range[0] as number;
    this.high = range[1] as number;
    this.log = type.endsWith('_EXP');
    this.integer = type.startsWith('INT');
  }

  /** Checks a config range; returns the problem or undefined. */
  static rangeProblem(type: ParamType, range: readonly JsonValue[]): string | undefined {
    const integer = type.startsWith('INT');
    const text = `${type} range must be [low, high] with ${integer ? 'integers' : 'numbers'} low ${type.endsWith('_EXP') ? '> 0 and ' : ''}low < high`;
    if (range.length !== 2) return `${text}, got ${show(range)}`;
    const [low, high] = range;
    if (typeof low !== 'number' || typeof high !== 'number' || !Number.isFinite(low) || !Number.isFinite(high)) return `${text}, got ${show(range)}`;
    if (integer && (!Number.isInteger(low) || !Number.isInteger(high))) return `${text}, got ${show(range)}`;
    if (!(low < high) || (type.endsWith('_EXP') && low <= 0)) return `${text}, got ${show(range)}`;
    return undefined;
  }

  private get lowerEdge(): number {
    return this.log ? Math.log(this.low) : this.low;
  }

  /** Integers occupy bins [v, v+1) on the (log) axis, so every integer is equally wide in u. */
  private get upperEdge(): number {
    const top = this.integer ? this.high + 1 : this.high;
    return this.log ? Math.log(top) : top;
  }

  fromUnit(u: readonly number[]): number {
    const x = this.lowerEdge + clamp01(u[0]) * (this.upperEdge - this.lowerEdge);
    const value = this.log ? Math.exp(x) : x;
    if (this.integer) return Math.min(this.high, Math.max(this.low, Math.floor(value + 1e-9)));
    return Math.min(this.high, Math.max(this.low, value));
  }

  toUnit(value: JsonValue): number[] {
    const v = value as number;
    const position = this.integer ? (this.log ? (Math.log(v) + Math.log(v + 1)) / 2 : v + 0.5) : this.log ? Math.log(v) : v;
    return [Math.min(1, Math.max(0, (position - this.lowerEdge) / (this.upperEdge - this.lowerEdge)))];
  }

  problem(value: unknown): string | undefined {
    const ok = typeof value === 'number' && Number.isFinite(value) && (!this.integer || Number.isInteger(value)) && value >= this.low && value <= this.high;
    return ok ? undefined : `must be ${this.describe()}, got ${show(value)}`;
  }

  describe(): string {
    return `${this.integer ? 'an integer' : 'a number'} in [${this.low}, ${this.high}] (${this.type})`;
  }

  gridSize(): number {
    return [...this.gridValues()].length;
  }

  *gridValues(): Iterable<number> {
    const count = this.integer && this.slice === undefined && this.high - this.low < 10 ? this.high - this.low + 1 : Math.max(this.slice ?? DEFAULT_SLICE, 1);
    if (count === 1) {
      yield this.integer ? Math.round((this.low + this.high) / 2) : (this.low + this.high) / 2;
      return;
    }
    const a = this.log ? Math.log(this.low) : this.low;
    const b = this.log ? Math.log(this.high) : this.high;
    let previous: number | undefined;
    for (let i = 0; i < count; i++) {
      const x = a + ((b - a) * i) / (count - 1);
      const inner = this.log ? Math.exp(x) : x;
      const rounded = this.integer ? Math.round(inner) : Math.min(this.high, Math.max(this.low, Number(inner.toPrecision(12))));
      const value = i === 0 ? this.low : i === count - 1 ? this.high : rounded;
      if (value !== previous) yield value;
      previous = value;
    }
  }
}

/** CATEGORY (any JSON choices), BOOL (`[true, false]` unless given), ADJACENCY_LIST (edges of a node list). */
export class ChoiceParameter extends Parameter {
  readonly dims: readonly UnitDim[];
  readonly choices: readonly JsonValue[];

  constructor(key: string, type: 'CATEGORY' | 'BOOL' | 'ADJACENCY_LIST', range: readonly JsonValue[], slice: number | undefined) {
    super(key, type, range, slice);
    this.choices = type === 'ADJACENCY_LIST' ? ChoiceParameter.edges(range) : type === 'BOOL' && range.length === 0 ? [true, false] : range;
    this.dims = [{ kind: 'categorical', size: this.choices.length }];
  }

  /** Vega's AdjacencyList range generator: every pair [a, b] with a listed before b. */
  static edges(nodes: readonly JsonValue[]): JsonValue[] {
    const edges: JsonValue[] = [];
    nodes.forEach((a, i) => nodes.slice(i + 1).forEach((b) => edges.push([a, b])));
    return edges;
  }

  static rangeProblem(type: ParamType, range: readonly JsonValue[]): string | undefined {
    if (type === 'BOOL') {
      return range.every((v) => typeof v === 'boolean') && new Set(range).size === range.length
        ? undefined
        : `BOOL range must list distinct booleans (or be left out for [true, false]), got ${show(range)}`;
    }
    if (type === 'ADJACENCY_LIST') {
      return range.length >= 2 && range.every((v, i) => range.findIndex((w) => jsonEqual(v, w)) === i)
        ? undefined
        : `ADJACENCY_LIST range must list at least 2 distinct nodes, got ${show(range)}`;
    }
    return range.length >= 1 ? undefined : `CATEGORY range must list at least one choice, got ${show(range)}`;
  }

  indexOf(value: unknown): number {
    return this.choices.findIndex((choice) => jsonEqual(choice, value));
  }

  fromUnit(u: readonly number[]): JsonValue {
    return this.choices[Math.floor(clamp01(u[0]) * this.choices.length)];
  }

  toUnit(value: JsonValue): number[] {
    return [(this.indexOf(value) + 0.5) / this.choices.length];
  }

  problem(value: unknown): string | undefined {
    return this.indexOf(value) >= 0 ? undefined : `must be ${this.describe()}, got ${show(value)}`;
  }

  describe(): string {
    return `one of ${show(this.choices)} (${this.type})`;
  }

  gridSize(): number {
    return this.choices.length;
  }

  gridValues(): Iterable<JsonValue> {
    return this.choices;
  }
}

/** Index sets of size k out of n, lexicographic. */
function* combinations(n: number, k: number): Generator<number[]> {
  const index = Array.from({ length: k }, (_, i) => i);
  if (k > n) return;
  for (;;) {
    yield index.slice();
    let i = k - 1;
    while (i >= 0 && index[i] === n - k + i) i--;
    if (i < 0) return;
    index[i]++;
    for (let j = i + 1; j < k; j++) index[j] = index[j - 1] + 1;
  }
}

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return Math.round(result);
}

/** The `count` indices with the largest keys (ties by index), as a 0/1 mask. */
function topKeys(keys: readonly number[], count: number): number[] {
  const order = keys.map((key, i) => ({ key, i })).sort((a, b) => b.key - a.key || a.i - b.i);
  const mask = new Array<number>(keys.length).fill(0);
  for (const { i } of order.slice(0, count)) mask[i] = 1;
  return mask;
}

/**
 * BINARY_CODE and HALF: 0/1 codes of a fixed length (channel masks for pruning).
 * - BINARY_CODE `[size]`: each bit is 1 with a probability drawn from [0.8, 0.95] per code.
 * - BINARY_CODE `[size, ones]`: exactly `ones` bits set.
 * - HALF `[size]`: all ones (probability 0.8, as Vega) or exactly ⌊size/2⌋ ones.
 * Unit coordinates: one gate coordinate (not for `[size, ones]`), then one key per bit.
 */
export class CodeParameter extends Parameter {
  readonly dims: readonly UnitDim[];
  readonly size: number;
  /** Exact number of ones, for BINARY_CODE [size, ones]. */
  readonly ones: number | undefined;

  constructor(key: string, type: 'BINARY_CODE' | 'HALF', range: readonly JsonValue[], slice: number | undefined) {
    super(key, type, range, slice);
    this.size = range[0] as number;
    this.ones = type === 'BINARY_CODE' && range.length === 2 ? (range[1] as number) : undefined;
    const gate = this.ones === undefined ? 1 : 0;
    this.dims = Array.from({ length: this.size + gate }, () => CONTINUOUS);
  }

  static rangeProblem(type: ParamType, range: readonly JsonValue[]): string | undefined {
    const [size, ones] = range;
    const sizeOk = typeof size === 'number' && Number.isInteger(size) && size >= (type === 'HALF' ? 2 : 1);
    if (type === 'HALF') return sizeOk && range.length === 1 ? undefined : `HALF range must be [size] with an integer size >= 2, got ${show(range)}`;
    const onesOk = range.length === 1 || (typeof ones === 'number' && Number.isInteger(ones) && ones >= 0 && ones <= (size as number));
    return sizeOk && range.length <= 2 && onesOk ? undefined : `BINARY_CODE range must be [size] or [size, ones] with integers 0 <= ones <= size, got ${show(range)}`;
  }

  private get half(): number {
    return Math.floor(this.size / 2);
  }

  fromUnit(u: readonly number[]): number[] {
    if (this.ones !== undefined) return topKeys(u.slice(0, this.size).map(clamp01), this.ones);
    const keys = u.slice(1, this.size + 1).map(clamp01);
    if (this.type === 'HALF') return clamp01(u[0]) < 0.8 ? new Array<number>(this.size).fill(1) : topKeys(keys, this.half);
    const probability = 0.8 + 0.15 * clamp01(u[0]);
    return keys.map((key) => (key < probability ? 1 : 0));
  }

  toUnit(value: JsonValue): number[] {
    const bits = value as number[];
    if (this.ones !== undefined) return bits.map((bit) => (bit ? 0.75 : 0.25));
    if (this.type === 'HALF') {
      const all = bits.every((bit) => bit === 1);
      return [all ? 0.4 : 0.9, ...bits.map((bit) => (all ? 0.5 : bit ? 0.75 : 0.25))];
    }
    const probability = 0.875;
    return [0.5, ...bits.map((bit) => (bit ? probability / 2 : (1 + probability) / 2))];
  }

  problem(value: unknown): string | undefined {
    const bad = `must be ${this.describe()}, got ${show(value)}`;
    if (!Array.isArray(value) || value.length !== this.size || !value.every((bit) => bit === 0 || bit === 1)) return bad;
    const count = value.reduce((sum: number, bit: number) => sum + bit, 0);
    if (this.ones !== undefined && count !== this.ones) return bad;
    if (this.type === 'HALF' && count !== this.size && count !== this.half) return bad;
    return undefined;
  }

  describe(): string {
    if (this.ones !== undefined) return `a 0/1 list of length ${this.size} with exactly ${this.ones} ones (BINARY_CODE)`;
    if (this.type === 'HALF') return `a 0/1 list of length ${this.size}, all ones or exactly ${this.half} ones (HALF)`;
    return `a 0/1 list of length ${this.size} (BINARY_CODE)`;
  }

  gridSize(): number {
    if (this.ones !== undefined) return binomial(this.size, this.ones);
    if (this.type === 'HALF') return 1 + binomial(this.size, this.half);
    return 2 ** this.size;
  }

  *gridValues(): Iterable<number[]> {
    const mask = (indices: number[]) => {
      const bits = new Array<number>(this.size).fill(0);
      for (const i of indices) bits[i] = 1;
      return bits;
    };
    if (this.ones !== undefined) {
      for (const indices of combinations(this.size, this.ones)) yield mask(indices);
    } else if (this.type === 'HALF') {
      yield new Array<number>(this.size).fill(1);
      for (const indices of combinations(this.size, this.half)) yield mask(indices);
    } else {
      for (let n = 0; n < 2 ** this.size; n++) yield Array.from({ length: this.size }, (_, i) => (n >> (this.size - 1 - i)) & 1);
    }
  }
}

/** Checks a config entry's range for its type; returns the problem or undefined. */
export function rangeProblem(type: ParamType, range: readonly JsonValue[]): string | undefined {
  switch (type) {
    case 'INT':
    case 'INT_EXP':
    case 'FLOAT':
    case 'FLOAT_EXP':
      return NumericParameter.rangeProblem(type, range);
    case 'CATEGORY':
    case 'BOOL':
    case 'ADJACENCY_LIST':
      return ChoiceParameter.rangeProblem(type, range);
    case 'BINARY_CODE':
    case 'HALF':
      return CodeParameter.rangeProblem(type, range);
  }
}

/** A parameter from a checked config entry (see `rangeProblem`). */
export function createParameter(config: HyperparameterConfig): Parameter {
  const range = config.range ?? [];
  switch (config.type) {
    case 'INT':
    case 'INT_EXP':
    case 'FLOAT':
    case 'FLOAT_EXP':
      return new NumericParameter(config.key, config.type, range, config.slice);
    case 'CATEGORY':
    case 'BOOL':
    case 'ADJACENCY_LIST':
      return new ChoiceParameter(config.key, config.type, range, config.slice);
    case 'BINARY_CODE':
    case 'HALF':
      return new CodeParameter(config.key, config.type, range, config.slice);
  }
}
