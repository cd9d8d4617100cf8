import * as tf from '@tensorflow/tfjs';
import { useCpuBackend } from '@vela/networks/testing';
import { createDataset } from '../create-dataset';
import type { Dataset } from '../dataset.types';

beforeAll(useCpuBackend);

const config = { type: 'Synthetic', common: { num_samples: 50, num_test: 20, batch_size: 16, train_portion: 0.8, seed: 3 } };

function collect(dataset: Dataset, epoch: number): { labels: number[]; firstPixels: number[]; shapes: number[][] } {
  const labels: number[] = [];
  const firstPixels: number[] = [];
  const shapes: number[][] = [];
  for (const { x, y } of dataset.batches(epoch)) {
    shapes.push(x.shape);
    labels.push(...y.dataSync());
    const values = x.dataSync();
    for (let i = 0; i < x.shape[0]; i++) firstPixels.push(values[(i * values.length) / x.shape[0]]);
    tf.dispose([x, y]);
  }
  return { labels, firstPixels, shapes };
}

describe('Synthetic dataset', () => {
  it('splits the training files by train_portion and keeps test apart', () => {
    const train = createDataset(config, 'train');
    const val = createDataset(config, 'val');
    const test = createDataset(config, 'test');
    expect([train.size, val.size, test.size]).toEqual([40, 10, 20]);
    expect(train.numBatches).toBe(3);
    expect(train.inputShape).toEqual([8, 8, 1]);
    expect(train.numClasses).toBe(4);
    const pixels = [...collect(train, 0).firstPixels, ...collect(val, 0).firstPixels];
    expect(pixels).toHaveLength(50);
  });

  it('batches with a seeded order per epoch and no leaked tensors', () => {
    const train = createDataset(config, 'train');
    const before = tf.memory().numTensors;
    const epoch0 = collect(train, 0);
    expect(epoch0.shapes).toEqual([[16, 8, 8, 1], [16, 8, 8, 1], [8, 8, 8, 1]]);
    expect(collect(createDataset(config, 'train'), 0)).toEqual(epoch0);
    const epoch1 = collect(train, 1);
    expect(epoch1.labels).not.toEqual(epoch0.labels);
    expect([...epoch1.labels].sort()).toEqual([...epoch0.labels].sort());
    expect(tf.memory().numTensors).toBe(before);
  });

  it('does not shuffle val and test, and drop_last drops the partial batch', () => {
    const test = createDataset(config, 'test');
    expect(collect(test, 0)).toEqual(collect(test, 5));
    const dropped = createDataset({ ...config, train: { drop_last: true } }, 'train');
    expect(dropped.numBatches).toBe(2);
    expect(collect(dropped, 0).shapes).toHaveLength(2);
  });

  it('max_samples keeps the first examples of the mode, after the split', () => {
    const limited = { ...config, common: { ...config.common, max_samples: 12 } };
    const train = createDataset(limited, 'train');
    const val = createDataset(limited, 'val');
    expect([train.size, val.size, train.numBatches]).toEqual([12, 10, 1]);
    const examples = (epoch: number) => collect(train, epoch).firstPixels.sort();
    expect(examples(3)).toEqual(examples(0)); // the same 12 examples every epoch, reshuffled
    const all = collect(createDataset(config, 'train'), 0).firstPixels;
    expect(examples(0).every((pixel) => all.includes(pixel))).toBe(true);
    expect(() => createDataset({ ...config, common: { ...config.common, max_samples: 2.5 } }, 'train')).toThrow('dataset.train.max_samples: must be an integer, got 2.5');
  });

  it('scales bytes to [0, 1] by default', () => {
    const values = collect(createDataset(config, 'test'), 0).firstPixels;
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThanOrEqual(1);
  });

  it.each([
    [{ type: 'Synthtic' }, "dataset.type: unknown dataset 'Synthtic'; did you mean 'Synthetic'?"],
    [{ ...config, common: { ...config.common, batch_size: 0 } }, 'dataset.train.batch_size: must be >= 1, got 0'],
    [{ ...config, common: { ...config.common, train_portion: 1.5 } }, 'dataset.train.train_portion: must be <= 1, got 1.5'],
    [{ ...config, train: { batchsize: 4 } }, "dataset.train.batchsize: unknown argument; did you mean 'batch_size'?"],
    [{ ...config, train: 'big' }, "dataset.train: must be an object, got 'big'"],
  ])('rejects %j', (bad, message) => {
    expect(() => createDataset(bad, 'train')).toThrow(message);
  });
});
