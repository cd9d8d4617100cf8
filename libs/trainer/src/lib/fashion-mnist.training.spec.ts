import * as tf from '@tensorflow/tfjs';
import { initCompute } from '@vela/compute';
import { Trainer } from '../index';
import { InMemoryReporter } from '../testing';

// A real network on real data, on the default backend (wasm with Vela's gradient kernels).
beforeAll(async () => {
  tf.env().set('IS_TEST', true);
  await initCompute({ backend: 'wasm', log: () => undefined });
});

describe('training a ResNet on a Fashion-MNIST slice', () => {
  it('lowers its loss within a few batches', async () => {
    const reporter = new InMemoryReporter();
    const trainer = new Trainer({
      // 240 training images (train_portion of the 60,000), in batches of 16.
      dataset: { type: 'FashionMnist', common: { batch_size: 16, train_portion: 0.004, seed: 0 } },
      desc: { modules: ['backbone'], backbone: { type: 'ResNet', depth: 18, stages: 2, base_channel: 8, num_class: 10 } },
      config: { epochs: 2, seed: 1, with_valid: false, optimizer: { type: 'Adam', params: { lr: 0.01 } } },
      reporter,
      log: () => undefined,
    });
    expect(trainer.datasets.train.size).toBe(240);
    const result = await trainer.train();
    trainer.dispose();
    expect(result.status).toBe('succeeded');
    const losses = reporter.records.map((r) => r.trainLoss as number);
    expect(losses[1]).toBeLessThan(losses[0] * 0.92);
    expect(reporter.records[1].trainMetrics['accuracy']).toBeGreaterThan(0.2); // chance: 0.1
    expect(reporter.records[0].compute?.backend).toBe('wasm');
  }, 30_000);
});
