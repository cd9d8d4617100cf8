import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from '@vela/errors';
import type { ArgReader } from '@vela/networks';
import type { Dataset, DatasetMode } from '../dataset.types';
import { type ImageSource, type ImageSplit, ImageDataset, readLoaderSettings } from '../image-dataset';

const IMAGE = 3 * 32 * 32;

/** One of the two CIFAR binary layouts. */
interface CifarLayout {
  readonly name: string;
  readonly folder: string;
  readonly trainFiles: readonly string[];
  readonly testFile: string;
  /** Label bytes before each image, and which of them is the class. */
  readonly labelBytes: number;
  readonly labelIndex: number;
  readonly numClasses: number;
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

const CIFAR10: CifarLayout = {
  name: 'CIFAR-10',
  folder: 'cifar-10-batches-bin',
  trainFiles: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`),
  testFile: 'test_batch.bin',
  labelBytes: 1,
  labelIndex: 0,
  numClasses: 10,
  mean: [0.49139968, 0.48215827, 0.44653124],
  std: [0.24703233, 0.24348505, 0.26158768],
};

/** CIFAR-100's binary version: a coarse and a fine label byte per record; the 100 fine classes are used. */
const CIFAR100: CifarLayout = {
  name: 'CIFAR-100',
  folder: 'cifar-100-binary',
  trainFiles: ['train.bin'],
  testFile: 'test.bin',
  labelBytes: 2,
  labelIndex: 1,
  numClasses: 100,
  mean: [0.50707516, 0.48654887, 0.44091784],
  std: [0.26733429, 0.25643846, 0.27615047],
};

const cache = new Map<string, ImageSource>();

/**
 * CIFAR-10 and CIFAR-100 from their binary versions in `data_path` or its
 * `cifar-10-batches-bin` / `cifar-100-binary` subfolder: CIFAR-10's `data_batch_1..5.bin` and
 * `test_batch.bin` (a label byte and 3,072 bytes of R, G and B planes per record; the train
 * batches present are all read, so a partial copy works), CIFAR-100's `train.bin` and
 * `test.bin` (coarse and fine label bytes, then the planes; the fine label is the class).
 * Default transforms are Vega's: train RandomCrop(32, padding 4) + RandomHorizontalFlip, then
 * ToTensor and Normalize(the set's mean and std) in every mode.
 */
function cifarDataset(layout: CifarLayout) {
  return (args: ArgReader, mode: DatasetMode): Dataset => {
    const settings = readLoaderSettings(args, mode, [32, 32, 3], {
      batchSize: 256,
      transforms: (m) => [
        ...(m === 'train' ? [{ type: 'RandomCrop', size: 32, padding: 4 }, { type: 'RandomHorizontalFlip' }] : []),
        { type: 'ToTensor' },
        { type: 'Normalize', mean: layout.mean, std: layout.std },
      ],
    });
    const dataPath = args.string('data_path');
    args.done();
    return new ImageDataset(loadCifar(layout, dataPath), mode, settings);
  };
}

export const cifar10Dataset = cifarDataset(CIFAR10);
export const cifar100Dataset = cifarDataset(CIFAR100);

function loadCifar(layout: CifarLayout, dataPath: string): ImageSource {
  const folder = [join(dataPath, layout.folder), dataPath].find((f) => existsSync(join(f, layout.testFile)));
  if (!folder) throw new InvalidArgumentError(`${dataPath} holds no ${layout.name} binary batches (${layout.testFile} not found)`, 'dataset.data_path');
  const cached = cache.get(`${layout.name}:${folder}`);
  if (cached) return cached;
  const trainFiles = layout.trainFiles.map((name) => join(folder, name)).filter((path) => existsSync(path));
  if (!trainFiles.length) throw new InvalidArgumentError(`${folder} holds none of ${layout.trainFiles.join(', ')}`, 'dataset.data_path');
  const source: ImageSource = {
    train: readBatches(trainFiles, layout),
    test: readBatches([join(folder, layout.testFile)], layout),
    shape: [32, 32, 3],
    numClasses: layout.numClasses,
    description: `${layout.name.toLowerCase().replace('-', '')}-bin:${folder}`,
  };
  cache.set(`${layout.name}:${folder}`, source);
  return source;
}

/** Concatenates binary batches, turning each CHW record into HWC bytes. */
function readBatches(paths: readonly string[], layout: CifarLayout): ImageSplit {
  const record = layout.labelBytes + IMAGE;
  const files = paths.map((path) => {
    const bytes = readFileSync(path);
    if (bytes.length % record) throw new InvalidArgumentError(`${path} is not a whole number of ${record}-byte ${layout.name} records`, 'dataset.data_path');
    return bytes;
  });
  const count = files.reduce((sum, bytes) => sum + bytes.length / record, 0);
  const images = new Uint8Array(count * IMAGE);
  const labels = new Uint8Array(count);
  let n = 0;
  for (const bytes of files) {
    for (let r = 0; r < bytes.length; r += record, n++) {
      labels[n] = bytes[r + layout.labelIndex];
      if (labels[n] >= layout.numClasses) throw new InvalidArgumentError(`record ${n} has label ${labels[n]}, ${layout.name} has ${layout.numClasses} classes`, 'dataset.data_path');
      const pixels = r + layout.labelBytes;
      const out = n * IMAGE;
      for (let p = 0; p < 1024; p++) {
        images[out + 3 * p] = bytes[pixels + p];
        images[out + 3 * p + 1] = bytes[pixels + 1024 + p];
        images[out + 3 * p + 2] = bytes[pixels + 2048 + p];
      }
    }
  }
  return { images, labels, count };
}
