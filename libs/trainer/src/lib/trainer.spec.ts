import * as tf from '@tensorflow/tfjs';
import { InMemoryArtifactStore, Trainer } from '../index';
import { InMemoryReporter, TINY, useCpuBackend } from '../testing';

beforeAll(useCpuBackend);

describe('Trainer', () => {
  it('trains a real network on the synthetic set well above chance and reports every epoch', async () => {
    const reporter = new InMemoryReporter();
    const lines: string[] = [];
    const trainer = new Trainer({ ...TINY, reporter, log: (line) => lines.push(line), compute: { backend: 'cpu', threads: 1, device: 'cpu: test' } });
    const result = await trainer.train();
    trainer.dispose();
    expect(result.status).toBe('succeeded');
    expect(result.epochsCompleted).toBe(3);
    expect(reporter.records.map((r) => [r.epoch, r.status])).toEqual([[0, 'running'], [1, 'running'], [2, 'succeeded']]);
    const last = reporter.records[2];
    expect(last.performance['accuracy']).toBeGreaterThan(0.8); // chance is 0.25
    expect(last.trainLoss).toBeLessThan(reporter.records[0].trainLoss as number);
    expect(last.performance['params']).toBeCloseTo((36 * 32 + 32 + 32 * 4 + 4) / 1000, 9);
    expect(last.performance['flops']).toBeCloseTo((36 * 32 + 32 * 4) * 1e-9, 15);
    expect(reporter.records.map((r) => r.lr)).toEqual([0.1, 0.1, 0.05]);
    expect(last.compute).toEqual({ backend: 'cpu', threads: 1, device: 'cpu: test' });
    expect(last.timings.imagesPerSecond).toBeGreaterThan(0);
    expect(result.best?.performance['accuracy']).toBeGreaterThan(0.8);
    expect(lines[0]).toMatch(/^train: MLP flops=.* data synthetic:4 classes/);
    expect(lines.some((line) => line.startsWith('epoch 3/3 train_loss='))).toBe(true);
  });

  it('keeps tf.memory() flat across epochs, and dispose() frees everything', async () => {
    const baseline = tf.memory().numTensors;
    const counts: number[] = [];
    const trainer = new Trainer({
      ...TINY,
      config: { ...TINY.config, epochs: 4 },
      artifacts: new InMemoryArtifactStore(),
      reporter: { report: () => void counts.push(tf.memory().numTensors) },
      log: () => undefined,
    });
    await trainer.train();
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
    // Epoch 1 creates the optimizer's momentum buffers; from then on nothing accumulates.
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(counts[1]).toBe(counts[0]);
  });
});
