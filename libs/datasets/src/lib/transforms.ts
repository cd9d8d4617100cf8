import { InvalidArgumentError, closestMatch } from '@vela/errors';
import { ArgReader, describe } from '@vela/networks';

/**
 * A compiled list of Vega's (torchvision's) transforms, applied per example while a batch is
 * assembled:
 * - `RandomCrop` (`size`, `padding`): zero-pad each side by `padding`, crop `size` at a random offset;
 * - `RandomHorizontalFlip` (`p`, default 0.5);
 * - `ToTensor`: bytes to [0, 1];
 * - `Normalize` (`mean`, `std`, one per channel or one for all): `(x - mean) / std`.
 * Geometry and values are independent per pixel, so the order only matters between the value
 * transforms (applied in list order); padding is raw 0, as torchvision pads images before
 * ToTensor.
 */
export interface TransformPlan {
  readonly crop?: { readonly size: number; readonly padding: number };
  readonly flipProbability: number;
  /** value = byte * scale[c] + shift[c] */
  readonly scale: Float32Array;
  readonly shift: Float32Array;
}

const TRANSFORMS = ['RandomCrop', 'RandomHorizontalFlip', 'ToTensor', 'Normalize'] as const;

export function compileTransforms(raw: unknown, field: string, imageShape: readonly number[]): TransformPlan {
  if (!Array.isArray(raw)) throw new InvalidArgumentError(`must be a list of {type, ...} transforms, got ${describe(raw)}`, field);
  const [height, width, channels] = imageShape;
  const scale = new Float32Array(channels).fill(1);
  const shift = new Float32Array(channels);
  let crop: TransformPlan['crop'];
  let flipProbability = 0;
  raw.forEach((item, i) => {
    const args = ArgReader.of(item, `${field}[${i}]`);
    const type = args.string('type');
    switch (type) {
      case 'RandomCrop': {
        const size = args.int('size', undefined, { min: 1 });
        const padding = args.int('padding', 0, { min: 0 });
        if (size > Math.min(height, width) + 2 * padding) {
          throw new InvalidArgumentError(`${size} does not fit a ${height}x${width} image padded by ${padding}`, args.path('size'));
        }
        if (size !== height || size !== width) {
          throw new InvalidArgumentError(`must keep the image size ${height}x${width} (crops that resize are not supported), got ${size}`, args.path('size'));
        }
        crop = { size, padding };
        break;
      }
      case 'RandomHorizontalFlip':
        flipProbability = args.number('p', 0.5, { min: 0, max: 1 });
        break;
      case 'ToTensor':
        for (let c = 0; c < channels; c++) {
          scale[c] /= 255;
          shift[c] /= 255;
        }
        break;
      case 'Normalize': {
        const mean = perChannel(args, 'mean', channels, {});
        const std = perChannel(args, 'std', channels, { min: 0, exclusiveMin: true });
        for (let c = 0; c < channels; c++) {
          scale[c] /= std[c];
          shift[c] = (shift[c] - mean[c]) / std[c];
        }
        break;
      }
      default: {
        const closest = closestMatch(type, TRANSFORMS);
        throw new InvalidArgumentError(`unknown transform '${type}'${closest ? `; did you mean '${closest}'?` : ''} (known: ${TRANSFORMS.join(', ')})`, args.path('type'));
      }
    }
    args.done();
  });
  return { crop, flipProbability, scale, shift };
}

function perChannel(args: ArgReader, name: string, channels: number, rule: { min?: number; exclusiveMin?: boolean }): number[] {
  const values = args.numberList(name, undefined, { ...rule, minLength: 1 });
  if (values.length === 1) return Array<number>(channels).fill(values[0]);
  if (values.length !== channels) throw new InvalidArgumentError(`must have one entry or one per channel (${channels}), got ${values.length}`, args.path(name));
  return values;
}

/**
 * Writes example `src` (HWC bytes at `srcOffset`) into `out` at `outOffset`, transformed by
 * `plan` with the random draws of `random`.
 */
export function transformInto(
  src: Uint8Array,
  srcOffset: number,
  shape: readonly number[],
  plan: TransformPlan,
  random: () => number,
  out: Float32Array,
  outOffset: number,
): void {
  const [height, width, channels] = shape;
  let dy = 0;
  let dx = 0;
  if (plan.crop) {
    const span = 2 * plan.crop.padding;
    dy = Math.floor(random() * (span + 1)) - plan.crop.padding;
    dx = Math.floor(random() * (span + 1)) - plan.crop.padding;
  }
  const flip = plan.flipProbability > 0 && random() < plan.flipProbability;
  const { scale, shift } = plan;
  let o = outOffset;
  for (let y = 0; y < height; y++) {
    const sy = y + dy;
    const rowInside = sy >= 0 && sy < height;
    for (let x = 0; x < width; x++) {
      const sx = (flip ? width - 1 - x : x) + dx;
      const inside = rowInside && sx >= 0 && sx < width;
      const base = srcOffset + (sy * width + sx) * channels;
      for (let c = 0; c < channels; c++, o++) out[o] = (inside ? src[base + c] : 0) * scale[c] + shift[c];
    }
  }
}
