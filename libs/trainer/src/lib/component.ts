import { InvalidArgumentError } from '@vela/errors';
import { ArgReader, describe } from '@vela/networks';
import { type RegistryEntry, type RegistryKind, registry } from '@vela/registry';

/**
 * Reads one pluggable component of a trainer config, in any of Vega's spellings:
 * `SGD` (a bare type), `{type: SGD, params: {lr: 0.1}}` or `{type: SGD, lr: 0.1}`. Returns
 * the registry entry and a reader over its arguments, whose errors name the field (e.g.
 * `trainer.optimizer.params.lr`). The caller builds the component and calls `args.done()`.
 */
export function readComponent<K extends RegistryKind>(kind: K, raw: unknown, field: string): { entry: RegistryEntry<K>; args: ArgReader } {
  if (typeof raw === 'string') return { entry: registry.get(kind, raw, `${field}.type`), args: new ArgReader({}, field) };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidArgumentError(`must be a type name or {type, params}, got ${describe(raw)}`, field);
  }
  const section = ArgReader.of(raw, field);
  const entry = registry.get(kind, section.string('type'), `${field}.type`);
  if (section.has('params')) {
    const flat = Object.keys(raw).filter((key) => key !== 'type' && key !== 'params');
    if (flat.length) throw new InvalidArgumentError(`give arguments under params or beside type, not both (found ${flat.join(', ')} beside params)`, field);
    return { entry, args: section.child('params') };
  }
  const { type: _type, ...flatArgs } = raw as Record<string, unknown>;
  return { entry, args: new ArgReader(flatArgs, field) };
}

/** Builds a component: reads its section, constructs it from its factory, rejects unknown arguments. */
export function buildComponent<K extends RegistryKind, T>(kind: K, raw: unknown, field: string, construct: (entry: RegistryEntry<K>, args: ArgReader) => T): T {
  const { entry, args } = readComponent(kind, raw, field);
  const built = construct(entry, args);
  args.done();
  return built;
}
