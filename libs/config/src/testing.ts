// Test helpers of @vela/config: a registry holding the names that Vega configs and Vela's
// examples use, so config tests do not depend on which plug-in libs are loaded.
import { REGISTRY_KINDS, Registry, type RegistryKind } from '@vela/registry';

/** Names that Vega's documented configs and `examples/` use, per registry kind. */
export const VEGA_CONFIG_NAMES: Readonly<Partial<Record<RegistryKind, readonly string[]>>> = {
  pipe_step: ['SearchPipeStep', 'TrainPipeStep', 'BenchmarkPipeStep'],
  search_algorithm: ['RandomSearch', 'GridSearch', 'TPE', 'AshaHpo', 'BohbHpo', 'PBTHpo', 'EvolutionAlgorithm', 'PruneEA', 'BackboneNas'],
  codec: ['PruneCodec', 'BackboneNasCodec'],
  search_space: [],
  dataset: ['Cifar10', 'Mnist', 'FashionMnist'],
  network: ['SimpleCnn', 'ResNet', 'PruneResNet'],
  trainer: ['Trainer'],
  callback: ['PruneTrainerCallback', 'ModelStatistics'],
  optimizer: ['SGD', 'Adam'],
  lr_scheduler: ['StepLR', 'MultiStepLR', 'CosineAnnealingLR'],
  loss: ['CrossEntropyLoss'],
  metric: ['accuracy'],
};

/**
 * A fresh Registry with a placeholder entry for each of `names` (default: VEGA_CONFIG_NAMES).
 * The factories are never called: config validation only checks that names exist.
 */
export function createConfigTestRegistry(names: Readonly<Partial<Record<RegistryKind, readonly string[]>>> = VEGA_CONFIG_NAMES): Registry {
  const registry = new Registry();
  for (const kind of REGISTRY_KINDS) {
    for (const name of names[kind] ?? []) registry.register(kind, name, (() => undefined) as never, { description: 'placeholder for config tests' });
  }
  return registry;
}
