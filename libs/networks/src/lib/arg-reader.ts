import { InvalidArgumentError, closestMatch } from '@vela/errors';

/** A plain JSON object as found in a desc or a config section. */
export type ArgDict = Readonly<Record<string, unknown>>;

interface NumberRule {
  readonly min?: number;
  readonly max?: number;
  /** Excludes `min` itself (e.g. a learning rate must be > 0). */
  readonly exclusiveMin?: boolean;
}

/**
 * Reads the arguments of one Vega-style dict (a network module, an optimizer's `params`, a
 * dataset section) with errors that name the field, e.g. `backbone.depth: must be one of 18,
 * 20, 34, 50, 101, 152, got 19`.
 *
 * Every argument a reader knows is read unconditionally, with its default; `done()` then rejects
 * the keys nobody read, naming the closest known one. So a typo in a desc fails before training
 * instead of silently taking a default.
 */
export class ArgReader {
  private readonly read = new Set<string>();

  constructor(
    private readonly raw: ArgDict,
    /** The path of this dict in its document, e.g. `backbone` or `trainer.optimizer.params`. */
    readonly field: string,
  ) {}

  /** Reads `raw` as a dict, rejecting arrays and scalars. */
  static of(raw: unknown, field: string): ArgReader {
    return new ArgReader(ArgReader.dict(raw, field), field);
  }

  static dict(raw: unknown, field: string): ArgDict {
    if (raw === undefined || raw === null) return {};
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      throw new InvalidArgumentError(`must be an object, got ${describe(raw)}`, field);
    }
    return raw as ArgDict;
  }

  path(name: string): string {
    return this.field ? `${this.field}.${name}` : name;
  }

  has(name: string): boolean {
    return this.raw[name] !== undefined && this.raw[name] !== null;
  }

  /** Marks keys as known without reading them (e.g. `type`, read by the caller). */
  accept(...names: string[]): this {
    for (const name of names) this.read.add(name);
    return this;
  }

  /** The one of several spellings that is present (Vega uses both `num_class` and `num_classes`); both present is an error. */
  firstOf(names: readonly string[]): string {
    this.accept(...names);
    const present = names.filter((name) => this.has(name));
    if (present.length > 1) throw new InvalidArgumentError(`give one of ${present.join(', ')}, not several`, this.path(present[1]));
    return present[0] ?? names[0];
  }

  value(name: string): unknown {
    this.read.add(name);
    return this.raw[name];
  }

  number(name: string, fallback?: number, rule: NumberRule = {}): number {
    const value = this.value(name) ?? fallback;
    if (value === undefined) throw new InvalidArgumentError('is required', this.path(name));
    return checkNumber(value, this.path(name), rule);
  }

  optionalNumber(name: string, rule: NumberRule = {}): number | undefined {
    const value = this.value(name);
    return value === undefined || value === null ? undefined : checkNumber(value, this.path(name), rule);
  }

  int(name: string, fallback?: number, rule: NumberRule = {}): number {
    const value = this.number(name, fallback, rule);
    if (!Number.isInteger(value)) throw new InvalidArgumentError(`must be an integer, got ${value}`, this.path(name));
    return value;
  }

  /** An integer from a fixed set, e.g. ResNet depths. */
  intOneOf(name: string, allowed: readonly number[], fallback?: number): number {
    const value = this.int(name, fallback);
    if (!allowed.includes(value)) {
      throw new InvalidArgumentError(`must be one of ${allowed.join(', ')}, got ${value}`, this.path(name));
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.value(name) ?? fallback;
    if (typeof value !== 'boolean') throw new InvalidArgumentError(`must be true or false, got ${describe(value)}`, this.path(name));
    return value;
  }

  string(name: string, fallback?: string): string {
    const value = this.value(name) ?? fallback;
    if (value === undefined) throw new InvalidArgumentError('is required', this.path(name));
    if (typeof value !== 'string' || !value) throw new InvalidArgumentError(`must be a non-empty string, got ${describe(value)}`, this.path(name));
    return value;
  }

  stringOneOf<T extends string>(name: string, allowed: readonly T[], fallback?: T): T {
    const value = this.string(name, fallback);
    if (!(allowed as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`must be one of ${allowed.join(', ')}, got '${value}'`, this.path(name));
    }
    return value as T;
  }

  numberList(name: string, fallback?: readonly number[], rule: NumberRule & { length?: number; minLength?: number } = {}): number[] {
    const value = this.value(name) ?? fallback;
    const path = this.path(name);
    if (value === undefined) throw new InvalidArgumentError('is required', path);
    if (!Array.isArray(value)) throw new InvalidArgumentError(`must be a list of numbers, got ${describe(value)}`, path);
    if (rule.length !== undefined && value.length !== rule.length) {
      throw new InvalidArgumentError(`must have ${rule.length} entries, got ${value.length}`, path);
    }
    if (rule.minLength !== undefined && value.length < rule.minLength) {
      throw new InvalidArgumentError(`must have at least ${rule.minLength} entries, got ${value.length}`, path);
    }
    return value.map((item, i) => checkNumber(item, `${path}[${i}]`, rule));
  }

  intList(name: string, fallback?: readonly number[], rule: NumberRule & { length?: number; minLength?: number } = {}): number[] {
    const values = this.numberList(name, fallback, rule);
    values.forEach((value, i) => {
      if (!Number.isInteger(value)) throw new InvalidArgumentError(`must be an integer, got ${value}`, `${this.path(name)}[${i}]`);
    });
    return values;
  }

  optionalIntList(name: string, rule: NumberRule & { length?: number; minLength?: number } = {}): number[] | undefined {
    return this.has(name) ? this.intList(name, undefined, rule) : (this.accept(name), undefined);
  }

  /** A nested dict, as its own reader. */
  child(name: string): ArgReader {
    return ArgReader.of(this.value(name), this.path(name));
  }

  /** Rejects every key that was not read, naming the closest known one. */
  done(): void {
    const known = [...this.read];
    for (const key of Object.keys(this.raw)) {
      if (this.read.has(key)) continue;
      const closest = closestMatch(key, known);
      const hint = closest ? `; did you mean '${closest}'?` : '';
      throw new InvalidArgumentError(`unknown argument${hint} (known: ${known.sort().join(', ')})`, this.path(key));
    }
  }
}

function checkNumber(value: unknown, path: string, rule: NumberRule): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidArgumentError(`must be a finite number, got ${describe(value)}`, path);
  }
  if (rule.min !== undefined && (rule.exclusiveMin ? value <= rule.min : value < rule.min)) {
    throw new InvalidArgumentError(`must be ${rule.exclusiveMin ? '>' : '>='} ${rule.min}, got ${value}`, path);
  }
  if (rule.max !== undefined && value > rule.max) throw new InvalidArgumentError(`must be <= ${rule.max}, got ${value}`, path);
  return value;
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}
