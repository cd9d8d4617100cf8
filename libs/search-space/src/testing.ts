// Fixtures for tests of search spaces and the algorithms that sample them.
import type { SearchSpaceConfig } from './lib/search-space';

/**
 * A space with all nine of Vega's parameter types, a condition of each type (EQUAL,
 * NOT_EQUAL, IN on a category and IN as an interval on a float), dotted keys for the model
 * desc and the trainer, and forbidden combinations.
 */
export const ALL_TYPES_SPACE: SearchSpaceConfig = {
  type: 'SearchSpace',
  hyperparameters: [
    { key: 'trainer.optimizer.type', type: 'CATEGORY', range: ['SGD', 'Adam', 'RMSprop'] },
    { key: 'trainer.optimizer.params.lr', type: 'FLOAT_EXP', range: [1e-5, 0.1] },
    { key: 'trainer.optimizer.params.momentum', type: 'FLOAT', range: [0, 0.99] },
    { key: 'trainer.optimizer.params.centered', type: 'BOOL', range: [true, false] },
    { key: 'dataset.batch_size', type: 'INT_EXP', range: [8, 256] },
    { key: 'trainer.epochs', type: 'INT', range: [1, 5] },
    { key: 'network.backbone.channel_mask', type: 'BINARY_CODE', range: [6] },
    { key: 'network.backbone.fixed_mask', type: 'BINARY_CODE', range: [5, 2] },
    { key: 'network.backbone.half_mask', type: 'HALF', range: [4] },
    { key: 'network.backbone.edge', type: 'ADJACENCY_LIST', range: [1, 2, 3, 4] },
    { key: 'trainer.warmup', type: 'INT', range: [0, 3] },
  ],
  condition: [
    { key: 'momentum_for_sgd', child: 'trainer.optimizer.params.momentum', parent: 'trainer.optimizer.type', type: 'EQUAL', range: ['SGD'] },
    { key: 'centered_for_rmsprop', child: 'trainer.optimizer.params.centered', parent: 'trainer.optimizer.type', type: 'IN', range: ['RMSprop'] },
    { key: 'mask_unless_adam', child: 'network.backbone.half_mask', parent: 'trainer.optimizer.type', type: 'NOT_EQUAL', range: ['Adam'] },
    { key: 'warmup_for_high_lr', child: 'trainer.warmup', parent: 'trainer.optimizer.params.lr', type: 'IN', range: [0.001, 0.1] },
  ],
  forbidden: [
    { 'trainer.optimizer.type': 'Adam', 'dataset.batch_size': 8 },
    { 'trainer.epochs': 1, 'network.backbone.edge': [1, 2] },
  ],
};

/** A small discrete space (12 points, one forbidden) for exhaustion and de-duplication tests. */
export const SMALL_DISCRETE_SPACE: SearchSpaceConfig = {
  hyperparameters: [
    { key: 'a', type: 'CATEGORY', range: ['x', 'y', 'z'] },
    { key: 'b', type: 'INT', range: [1, 4] },
  ],
  forbidden: [{ a: 'z', b: 4 }],
};

/** A network space in Vega's `modules` form: list-valued entries are choices. */
export const NETWORK_SPACE: SearchSpaceConfig = {
  type: 'SearchSpace',
  modules: ['backbone', 'head'],
  backbone: { type: 'ResNet', depth: [18, 34, 50], base_channel: [16, 32, 64], block: { type: 'BasicBlock', expansion: [1, 4] } },
  head: { type: 'LinearClassificationHead', num_classes: 10 },
  hyperparameters: [{ key: 'trainer.optimizer.params.lr', type: 'FLOAT_EXP', range: [1e-4, 1e-1] }],
};
