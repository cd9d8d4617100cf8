import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@vela/errors';
import { registry } from '@vela/registry';
import { ArgReader, describe } from './arg-reader';
import { LayerFactory } from './layers';
import type { NetworkModule } from './network.types';
import './networks';

/**
 * A network desc as Vega writes it: `modules` names the sections, in order, and each section
 * is `{type, ...arguments}` for a registered network, e.g.
 * `{modules: ['backbone', 'head'], backbone: {type: 'ResNetGeneral', base_depth: 18},
 * head: {type: 'LinearClassificationHead', num_class: 10}}`. A desc with no `modules` but a
 * `type` is one module. Other top-level keys (training hyperparameters) are carried, not built.
 */
export type NetworkDescJson = Readonly<Record<string, unknown>>;

export interface BuildOptions {
  /**
   * One example's shape without the batch axis, NHWC for images (e.g. `[28, 28, 1]`); the
   * trainer passes its dataset's. Default: the desc's top-level `input_shape`.
   */
  readonly inputShape?: readonly number[];
  /** Seeds every initializer, so one desc and one seed give the same weights. */
  readonly seed?: number;
}

interface ModuleEntry {
  readonly name: string;
  readonly type: string;
  readonly module: NetworkModule;
}

/**
 * A validated desc. Construction checks every module's type and arguments (errors name the
 * module and field, e.g. `backbone.depth: must be one of 18, 20, 34, 50, 101, 152, got 19`);
 * `toModel()` builds a fresh tfjs model each call.
 *
 * A NetworkDesc is immutable and holds no tensors; models it builds belong to the caller,
 * who disposes them.
 */
export class NetworkDesc {
  readonly json: NetworkDescJson;
  readonly modules: readonly string[];
  private readonly entries: readonly ModuleEntry[];

  constructor(json: unknown) {
    this.json = ArgReader.dict(json, 'desc');
    this.modules = readModules(this.json);
    this.entries = this.modules.map((name) => buildEntry(name, name ? this.json[name] : this.json));
  }

  /** The registered type of each module, in order. */
  get types(): readonly string[] {
    return this.entries.map((entry) => entry.type);
  }

  toModel(options: BuildOptions = {}): tf.LayersModel {
    const given = options.inputShape ?? this.json['input_shape'];
    const field = options.inputShape ? 'inputShape' : 'desc.input_shape';
    if (given === undefined) throw new InvalidArgumentError('is needed: pass inputShape or give the desc an input_shape', 'inputShape');
    const shape = Array.isArray(given) ? [...(given as unknown[])] : [];
    if (!shape.length || shape.some((d) => !Number.isInteger(d) || (d as number) < 1)) {
      throw new InvalidArgumentError(`must be a list of positive integers, got ${Array.isArray(given) ? `[${shape.join(', ')}]` : describe(given)}`, field);
    }
    const layers = new LayerFactory(options.seed);
    const input = tf.input({ shape: shape as number[] });
    let output = input;
    for (const entry of this.entries) output = entry.module.apply(output, layers);
    return tf.model({ inputs: input, outputs: output, name: this.entries.map((entry) => entry.type).join('_') });
  }
}

/** `new NetworkDesc(desc).toModel(options)`. */
export function buildModel(desc: unknown, options: BuildOptions = {}): tf.LayersModel {
  return new NetworkDesc(desc).toModel(options);
}

function readModules(json: NetworkDescJson): string[] {
  const modules = json['modules'];
  if (modules === undefined) {
    if (typeof json['type'] === 'string' || typeof json['name'] === 'string') return [''];
    throw new InvalidArgumentError("must list the module sections (e.g. ['backbone', 'head']) or give a network type", 'desc.modules');
  }
  if (!Array.isArray(modules) || !modules.length || modules.some((m) => typeof m !== 'string' || !m)) {
    throw new InvalidArgumentError(`must be a non-empty list of section names, got ${describe(modules)}`, 'desc.modules');
  }
  const seen = new Set<string>();
  for (const name of modules as string[]) {
    if (seen.has(name)) throw new InvalidArgumentError(`lists '${name}' twice`, 'desc.modules');
    seen.add(name);
    if (json[name] === undefined) throw new InvalidArgumentError(`is listed in modules but has no section`, name);
  }
  return modules as string[];
}

function buildEntry(name: string, section: unknown): ModuleEntry {
  const args = ArgReader.of(section, name);
  // Vega's older descs name the type `name` (e.g. `backbone: {name: PruneResNet, ...}`).
  const typeKey = args.firstOf(['type', 'name']);
  const type = args.string(typeKey, undefined);
  const entry = registry.get('network', type, args.path(typeKey));
  const module = new entry.factory(args);
  args.done();
  return { name, type: entry.name, module };
}
