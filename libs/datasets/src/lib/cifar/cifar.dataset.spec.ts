import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useCpuBackend } from '@vela/networks/testing';
import { createDataset } from '../create-dataset';

beforeAll(useCpuBackend);

/** `count` CIFAR-10 records: label = (first + i) % 10, red plane = 10 × i, green = 1, blue = 2. */
function records(count: number, first: number): Buffer {
  const out = Buffer.alloc(count * 3073);
  for (let i = 0; i < count; i++) {
    out[i * 3073] = (first + i) % 10;
    out.fill(10 * i, i * 3073 + 1, i * 3073 + 1025);
    out.fill(1, i * 3073 + 1025, i * 3073 + 2049);
    out.fill(2, i * 3073 + 2049, i * 3073 + 3073);
  }
  return out;
}

describe('Cifar10 and Cifar100', () => {
  let folder: string;

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'vela-cifar-'));
    mkdirSync(join(folder, 'cifar-10-batches-bin'));
    writeFileSync(join(folder, 'cifar-10-batches-bin', 'data_batch_1.bin'), records(5, 0));
    writeFileSync(join(folder, 'cifar-10-batches-bin', 'data_batch_2.bin'), records(3, 5));
    writeFileSync(join(folder, 'cifar-10-batches-bin', 'test_batch.bin'), records(4, 7));
  });

  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('reads the binary batches into HWC images and their labels', () => {
    const config = { type: 'Cifar10', common: { data_path: folder, batch_size: 8, transforms: [] } };
    const train = createDataset(config, 'train');
    expect([train.size, train.inputShape, train.source]).toEqual([8, [32, 32, 3], `cifar10-bin:${join(folder, 'cifar-10-batches-bin')}`]);
    const [batch] = createDataset({ ...config, train: { shuffle: false } }, 'train').batches(0);
    expect([...batch.y.dataSync()]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect([...batch.x.slice([2, 31, 31, 0], [1, 1, 1, 3]).dataSync()]).toEqual([20, 1, 2]);
    tf.dispose([batch.x, batch.y]);
    const [test] = createDataset(config, 'test').batches(0);
    expect([...test.y.dataSync()]).toEqual([7, 8, 9, 0]);
    tf.dispose([test.x, test.y]);
  });

  it("augments train with Vega's default crop and flip, and leaves test as is", () => {
    const config = { type: 'Cifar10', common: { data_path: folder, batch_size: 8, shuffle: false } };
    const sum = (mode: 'train' | 'test', epoch: number) => {
      const [batch] = createDataset(config, mode).batches(epoch);
      const value = batch.x.sum().dataSync()[0];
      tf.dispose([batch.x, batch.y]);
      return value;
    };
    expect(sum('train', 0)).toBe(sum('train', 0));
    expect(sum('train', 0)).not.toBe(sum('train', 1));
    expect(sum('test', 0)).toBe(sum('test', 1));
  });

  it('reads CIFAR-100 binary files by their fine label', () => {
    const cifar100 = join(folder, 'c100');
    mkdirSync(join(cifar100, 'cifar-100-binary'), { recursive: true });
    // record: coarse label, fine label, 3,072 bytes
    const record = (coarse: number, fine: number, value: number) => Buffer.concat([Buffer.from([coarse, fine]), Buffer.alloc(3072, value)]);
    writeFileSync(join(cifar100, 'cifar-100-binary', 'train.bin'), Buffer.concat([record(1, 42, 7), record(2, 99, 8)]));
    writeFileSync(join(cifar100, 'cifar-100-binary', 'test.bin'), record(3, 5, 9));
    const train = createDataset({ type: 'Cifar100', common: { data_path: cifar100, shuffle: false, transforms: [] } }, 'train');
    expect([train.size, train.numClasses]).toEqual([2, 100]);
    const [batch] = train.batches(0);
    expect([...batch.y.dataSync()]).toEqual([42, 99]);
    expect(batch.x.slice([1, 0, 0, 0], [1, 1, 1, 3]).dataSync()[0]).toBe(8);
    tf.dispose([batch.x, batch.y]);
  });

  it('names a folder without batches', () => {
    expect(() => createDataset({ type: 'Cifar10', common: { data_path: join(folder, 'x') } }, 'train')).toThrow(
      `dataset.data_path: ${join(folder, 'x')} holds no CIFAR-10 binary batches (test_batch.bin not found)`,
    );
    expect(() => createDataset({ type: 'Cifar10' }, 'train')).toThrow('dataset.train.data_path: is required');
  });
});
