import type { EpochRecord, Reporter } from './lib/trainer.types';

/** A Reporter that keeps every record, for specs and local runs. */
export class InMemoryReporter implements Reporter {
  readonly records: EpochRecord[] = [];

  report(record: EpochRecord): void {
    this.records.push(record);
  }
}

/** A tiny, fast training setup: a 4-class synthetic image set and a small MLP. */
export const TINY = {
  dataset: { type: 'Synthetic', common: { num_samples: 256, num_test: 64, image_size: [6, 6, 1], num_class: 4, batch_size: 32, noise: 0.6, seed: 1 } },
  desc: { modules: ['backbone'], backbone: { type: 'MLP', hidden_units: [32], num_class: 4 } },
  config: {
    epochs: 3,
    seed: 7,
    optimizer: { type: 'SGD', params: { lr: 0.1, momentum: 0.9 } },
    lr_scheduler: { type: 'StepLR', params: { step_size: 2, gamma: 0.5 } },
    loss: { type: 'CrossEntropyLoss' },
    metric: { type: 'accuracy' },
  },
} as const;

export { useCpuBackend } from '@vela/networks/testing';
