import type { ArgReader } from '@vela/networks';
import type { Dataset, DatasetMode } from '../dataset.types';
import { type ImageSplit, ImageDataset, readLoaderSettings } from '../image-dataset';
import { seededRandom } from '../random';

/**
 * A generated image-classification set for fast tests: each class has a random prototype
 * image, and each example is its class's prototype plus uniform noise of ±`noise` (a share of
 * the byte range), clipped. Deterministic in `seed`; learnable well above chance in a few
 * steps. Settings: `num_samples` (train files, 512), `num_test` (128), `image_size`
 * (`[H, W, C]`, `[8, 8, 1]`), `num_class` (4), `noise` (0.5), plus the loader settings
 * (`batch_size` 32, default transform ToTensor).
 */
export function syntheticDataset(args: ArgReader, mode: DatasetMode): Dataset {
  const numSamples = args.int('num_samples', 512, { min: 1 });
  const numTest = args.int('num_test', 128, { min: 1 });
  const shape = args.intList('image_size', [8, 8, 1], { length: 3, min: 1 }) as [number, number, number];
  const numClasses = args.int(args.firstOf(['num_class', 'num_classes']), 4, { min: 2, max: 256 });
  const noise = args.number('noise', 0.5, { min: 0, max: 1 });
  const settings = readLoaderSettings(args, mode, shape, { batchSize: 32, transforms: () => [{ type: 'ToTensor' }] });
  args.done();
  const pixels = shape[0] * shape[1] * shape[2];
  const random = seededRandom(settings.seed, 0x5917);
  const prototypes = Array.from({ length: numClasses }, () => Uint8Array.from({ length: pixels }, () => Math.floor(random() * 256)));
  const generate = (count: number, stream: number): ImageSplit => {
    const draw = seededRandom(settings.seed, stream);
    const images = new Uint8Array(count * pixels);
    const labels = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      labels[i] = Math.floor(draw() * numClasses);
      const proto = prototypes[labels[i]];
      for (let p = 0; p < pixels; p++) images[i * pixels + p] = Math.max(0, Math.min(255, proto[p] + Math.round((draw() * 2 - 1) * noise * 255)));
    }
    return { images, labels, count };
  };
  const source = {
    train: generate(numSamples, 1),
    test: generate(numTest, 2),
    shape,
    numClasses,
    description: `synthetic:${numClasses} classes, noise ${noise}, seed ${settings.seed}`,
  };
  return new ImageDataset(source, mode, settings);
}
