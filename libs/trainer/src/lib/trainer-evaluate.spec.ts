import * as tf from '@tensorflow/tfjs';
import { createDataset } from '@vela/datasets';
import { InMemoryArtifactStore, Trainer } from '../index';
import { TINY, useCpuBackend } from '../testing';

beforeAll(useCpuBackend);

// Vega's BenchmarkPipeStep: the trained weights evaluated on the test split, no training.
describe('Trainer.evaluate', () => {
  it('evaluates trained weights from a checkpoint on the test set, with latency, training nothing', async () => {
    const artifacts = new InMemoryArtifactStore();
    const trained = new Trainer({ ...TINY, artifacts, artifactPrefix: 'trained', log: () => undefined });
    await trained.train();
    const test = createDataset(TINY.dataset, 'test');
    const expected = await trained.evaluate(test);
    trained.dispose();

    const baseline = tf.memory().numTensors;
    const fresh = new Trainer({ ...TINY, artifacts, artifactPrefix: 'benchmark', initFrom: 'trained/checkpoint.vela', log: () => undefined });
    const result = await fresh.evaluate(createDataset(TINY.dataset, 'test'));
    fresh.dispose();
    expect(result.examples).toBe(64);
    expect(result.performance['accuracy']).toBeGreaterThan(0.8); // an untrained net is near 0.25
    expect(result.performance['accuracy']).toBeCloseTo(expected.performance['accuracy'], 9);
    expect(result.performance['loss']).toBeCloseTo(expected.performance['loss'], 5);
    expect(result.latencyMs).toBeGreaterThan(0);
    expect(await artifacts.get('benchmark/checkpoint.vela')).toBeUndefined();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('refuses weights written for another desc', async () => {
    const artifacts = new InMemoryArtifactStore();
    const trained = new Trainer({ ...TINY, config: { ...TINY.config, epochs: 1 }, artifacts, artifactPrefix: 'a', log: () => undefined });
    await trained.train();
    trained.dispose();
    const other = new Trainer({ ...TINY, desc: { modules: ['backbone'], backbone: { type: 'MLP', hidden_units: [16], num_class: 4 } }, artifacts, initFrom: 'a/checkpoint.vela', log: () => undefined });
    await expect(other.evaluate(createDataset(TINY.dataset, 'test'))).rejects.toThrow('a/checkpoint.vela: was written for another desc');
    other.dispose();
  });
});
