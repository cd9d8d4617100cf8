import { AlreadyExistsError, InvalidArgumentError, closestMatch } from '@vela/errors';

/**
 * The kinds of pluggable things, as Vega's ClassFactory `ClassType`s. Config `type:` strings
 * are looked up within one kind.
 */
export const REGISTRY_KINDS = [
  'network',
  'search_algorithm',
  'codec',
  'search_space',
  'trainer',
  'callback',
  'loss',
  'optimizer',
  'lr_scheduler',
  'metric',
  'dataset',
  'pipe_step',
] as const;
export type RegistryKind = (typeof REGISTRY_KINDS)[number];

/** Networks are further grouped by role, as Vega's `NetworkFactory` types. */
export const NETWORK_ROLES = ['backbone', 'head', 'blocks', 'super_network', 'customs'] as const;
export type NetworkRole = (typeof NETWORK_ROLES)[number];

/**
 * What each kind registers. Libs extend this interface by declaration merging so that
 * `registry.get('search_algorithm', 'tpe').factory` is typed, e.g.
 *
 * ```ts
 * declare module '@vela/registry' {
 *   interface RegistryFactories { search_algorithm: SearchAlgorithmFactory }
 * }
 * ```
 *
 * Kinds nobody has typed yet register `unknown`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface RegistryFactories {}

export type FactoryOf<K extends RegistryKind> = K extends keyof RegistryFactories ? RegistryFactories[K] : unknown;

export interface RegistrationOptions {
  /** Other names that find the same entry (e.g. Vega's class name beside Vela's short name). */
  readonly aliases?: readonly string[];
  /** For networks: backbone, head, blocks, super_network or customs. */
  readonly role?: NetworkRole;
  /** Not yet benchmarked against its peers (Optuna's `@experimental`). */
  readonly experimental?: boolean;
  /** One line for listings and generated docs. */
  readonly description?: string;
  /**
   * Config keys this entry reads beyond the ones its kind shares (a dataset's own settings,
   * e.g. Synthetic's `num_samples`), so config validation can accept them and still catch typos.
   */
  readonly settings?: readonly string[];
  /** Free-form capabilities for generated capability tables (e.g. `{ multiObjective: true }`). */
  readonly capabilities?: Readonly<Record<string, boolean | string | number>>;
}

export interface RegistryEntry<K extends RegistryKind = RegistryKind> extends RegistrationOptions {
  readonly kind: K;
  readonly name: string;
  readonly aliases: readonly string[];
  readonly factory: FactoryOf<K>;
}

/**
 * One registry for every pluggable kind (Vega's ClassFactory). Names and aliases are unique
 * within a kind; lookups are exact first, then case-insensitive. An unknown name is an
 * InvalidArgumentError listing what is registered and the closest name.
 *
 * Thread safety: registration happens at module load; lookups afterwards are read-only.
 */
export class Registry {
  private readonly entries = new Map<RegistryKind, Map<string, RegistryEntry>>();
  private readonly byName = new Map<RegistryKind, Map<string, RegistryEntry>>();

  register<K extends RegistryKind>(kind: K, name: string, factory: FactoryOf<K>, options: RegistrationOptions = {}): RegistryEntry<K> {
    assertKind(kind);
    if (!name.trim()) throw new InvalidArgumentError(`a ${kind} needs a non-empty name`, 'name');
    if (kind !== 'network' && options.role !== undefined) {
      throw new InvalidArgumentError(`role is only for networks, got role '${options.role}' for ${kind} '${name}'`, 'role');
    }
    if (options.role !== undefined && !NETWORK_ROLES.includes(options.role)) {
      throw new InvalidArgumentError(`unknown network role '${options.role}'; known: ${NETWORK_ROLES.join(', ')}`, 'role');
    }
    const entry: RegistryEntry<K> = { ...options, kind, name, aliases: options.aliases ?? [], factory };
    const names = this.namesOf(kind);
    for (const key of [name, ...entry.aliases]) {
      const existing = names.get(key.toLowerCase());
      if (existing) {
        throw new AlreadyExistsError(`${kind} '${key}' is already registered (by '${existing.name}')`);
      }
    }
    for (const key of [name, ...entry.aliases]) names.set(key.toLowerCase(), entry as RegistryEntry);
    this.entriesOf(kind).set(name, entry as RegistryEntry);
    return entry;
  }

  /** True when `name` (or an alias) is registered under `kind`. */
  has(kind: RegistryKind, name: string): boolean {
    return this.find(kind, name) !== undefined;
  }

  find<K extends RegistryKind>(kind: K, name: string): RegistryEntry<K> | undefined {
    return (this.entriesOf(kind).get(name) ?? this.namesOf(kind).get(name.toLowerCase())) as RegistryEntry<K> | undefined;
  }

  /** The entry for `name`, or an InvalidArgumentError naming the registered ones and the closest. */
  get<K extends RegistryKind>(kind: K, name: string, field = 'type'): RegistryEntry<K> {
    assertKind(kind);
    const entry = this.find(kind, name);
    if (entry) return entry;
    const aliases = this.list(kind).flatMap((known) => known.aliases);
    throw new InvalidArgumentError(unknownNameMessage(kind, name, this.names(kind), aliases), field);
  }

  /** Entries of one kind in registration order; for networks optionally of one role. */
  list<K extends RegistryKind>(kind: K, filter: { role?: NetworkRole } = {}): RegistryEntry<K>[] {
    assertKind(kind);
    const all = [...this.entriesOf(kind).values()] as RegistryEntry<K>[];
    return filter.role === undefined ? all : all.filter((entry) => entry.role === filter.role);
  }

  /** Primary names of one kind, in registration order. */
  names(kind: RegistryKind): string[] {
    return this.list(kind).map((entry) => entry.name);
  }

  /** Removes an entry; for tests that register throwaway plug-ins. */
  unregister(kind: RegistryKind, name: string): boolean {
    const entry = this.find(kind, name);
    if (!entry) return false;
    this.entriesOf(kind).delete(entry.name);
    for (const key of [entry.name, ...entry.aliases]) this.namesOf(kind).delete(key.toLowerCase());
    return true;
  }

  private entriesOf(kind: RegistryKind): Map<string, RegistryEntry> {
    let map = this.entries.get(kind);
    if (!map) this.entries.set(kind, (map = new Map()));
    return map;
  }

  private namesOf(kind: RegistryKind): Map<string, RegistryEntry> {
    let map = this.byName.get(kind);
    if (!map) this.byName.set(kind, (map = new Map()));
    return map;
  }
}

function assertKind(kind: string): asserts kind is RegistryKind {
  if (!(REGISTRY_KINDS as readonly string[]).includes(kind)) {
    throw new InvalidArgumentError(`unknown registry kind '${kind}'; known kinds: ${REGISTRY_KINDS.join(', ')}`, 'kind');
  }
}

function unknownNameMessage(kind: RegistryKind, name: string, known: string[], aliases: string[]): string {
  // A typo of an alias (Vega's `RandomSerch`) is answered with that alias.
  const closest = closestMatch(name, [...known, ...aliases]);
  const hint = closest ? `; did you mean '${closest}'?` : '';
  const listing = known.length ? `registered: ${known.join(', ')}` : 'none is registered';
  return `unknown ${kind.replace('_', ' ')} '${name}'${hint} (${listing})`;
}

/** The process-wide registry every lib registers into at load time. */
export const registry = new Registry();

/** `registry.register` bound to one kind, for one-line registrations. */
export function registerer<K extends RegistryKind>(kind: K) {
  return (name: string, factory: FactoryOf<K>, options?: RegistrationOptions) => registry.register(kind, name, factory, options);
}
