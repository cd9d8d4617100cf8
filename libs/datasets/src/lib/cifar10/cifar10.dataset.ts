import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from '@vela/errors';
import type { ArgReader } from '@vela/networks';
import type { Dataset, DatasetMode } from '../dataset.types';
import { type ImageSource, type ImageSplit, ImageDataset, readLoaderSettings } from '../image-dataset';

const RECORD = 1 + 3 * 32 * 32;
const TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
const TEST_FILE = 'test_batch.bin';
const MEAN = [0.49139968, 0.48215827, 0.44653124];
const STD = [0.24703233, 0.24348505, 0.26158768];

const cache = new Map<string, ImageSource>();

/**
 * CIFAR-10 from its binary batches (`data_batch_1..5.bin`, `test_batch.bin`; each record a
 * label byte and 3,072 bytes of R, G and B planes) in `data_path` or its
 * `cifar-10-batches-bin` subfolder. The train batches present are all read (a partial copy
 * works). Default transforms are Vega's: train RandomCrop(32, padding 4) +
 * RandomHorizontalFlip, then ToTensor and Normalize(CIFAR-10's mean and std) in every mode.
 */
export function cifar10Dataset(args: ArgReader, mode: DatasetMode): Dataset {
  const settings = readLoaderSettings(args, mode, [32, 32, 3], {
    batchSize: 256,
    transforms: (m) => [
      ...(m === 'train' ? [{ type: 'RandomCrop', size: 32, padding: 4 }, { type: 'RandomHorizontalFlip' }] : []),
      { type: 'ToTensor' },
      { type: 'Normalize', mean: MEAN, std: STD },
    ],
  });
  const dataPath = args.string('data_path');
  args.done();
  return new ImageDataset(loadCifar10(dataPath), mode, settings);
}

function loadCifar10(dataPath: string): ImageSource {
  const folder = [join(dataPath, 'cifar-10-batches-bin'), dataPath].find((f) => existsSync(join(f, TEST_FILE)));
  if (!folder) throw new InvalidArgumentError(`${dataPath} holds no CIFAR-10 binary batches (${TEST_FILE} not found)`, 'dataset.data_path');
  const cached = cache.get(folder);
  if (cached) return cached;
  const trainFiles = TRAIN_FILES.map((name) => join(folder, name)).filter((path) => existsSync(path));
  if (!trainFiles.length) throw new InvalidArgumentError(`${folder} holds no data_batch_*.bin`, 'dataset.data_path');
  const source: ImageSource = {
    train: readBatches(trainFiles),
    test: readBatches([join(folder, TEST_FILE)]),
    shape: [32, 32, 3],
    numClasses: 10,
    description: `cifar10-bin:${folder}`,
  };
  cache.set(folder, source);
  return source;
}

/** Concatenates binary batches, turning each CHW record into HWC bytes. */
export function readBatches(paths: readonly string[]): ImageSplit {
  const files = paths.map((path) => {
    const bytes = readFileSync(path);
    if (bytes.length % RECORD) throw new InvalidArgumentError(`${path} is not a whole number of ${RECORD}-byte CIFAR-10 records`, 'dataset.data_path');
    return bytes;
  });
  const count = files.reduce((sum, bytes) => sum + bytes.length / RECORD, 0);
  const images = new Uint8Array(count * 3072);
  const labels = new Uint8Array(count);
  let n = 0;
  for (const bytes of files) {
    for (let r = 0; r < bytes.length; r += RECORD, n++) {
      labels[n] = bytes[r];
      if (labels[n] > 9) throw new InvalidArgumentError(`record ${n} has label ${labels[n]}, CIFAR-10 has 10 classes`, 'dataset.data_path');
      const out = n * 3072;
      for (let p = 0; p < 1024; p++) {
        images[out + 3 * p] = bytes[r + 1 + p];
        images[out + 3 * p + 1] = bytes[r + 1 + 1024 + p];
        images[out + 3 * p + 2] = bytes[r + 1 + 2048 + p];
      }
    }
  }
  return { images, labels, count };
}
