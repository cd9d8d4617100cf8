import { compileTransforms, transformInto } from './transforms';

/** A 3x3 single-channel image 1..9, row-major. */
const image = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
const shape = [3, 3, 1];

function apply(transforms: unknown[], draws: number[]): number[] {
  const plan = compileTransforms(transforms, 'transforms', shape);
  const out = new Float32Array(9);
  let i = 0;
  transformInto(image, 0, shape, plan, () => draws[i++], out, 0);
  return [...out];
}

describe('transforms', () => {
  it('normalises per channel after ToTensor', () => {
    const out = apply([{ type: 'ToTensor' }, { type: 'Normalize', mean: [2 / 255], std: [0.5] }], []);
    out.forEach((v, i) => expect(v).toBeCloseTo((image[i] / 255 - 2 / 255) / 0.5, 6));
  });

  it('flips horizontally when the draw is below p', () => {
    expect(apply([{ type: 'RandomHorizontalFlip' }], [0.2])).toEqual([3, 2, 1, 6, 5, 4, 9, 8, 7]);
    expect(apply([{ type: 'RandomHorizontalFlip' }], [0.7])).toEqual([...image]);
  });

  it('crops at a random offset in the zero padding', () => {
    // padding 1: offsets in {-1, 0, 1}; draws 0 → dy = -1, 0.99 → dx = +1
    expect(apply([{ type: 'RandomCrop', size: 3, padding: 1 }], [0, 0.99])).toEqual([0, 0, 0, 2, 3, 0, 5, 6, 0]);
    expect(apply([{ type: 'RandomCrop', size: 3, padding: 1 }], [0.5, 0.99])).toEqual([2, 3, 0, 5, 6, 0, 8, 9, 0]);
  });

  it.each([
    [[{ type: 'RandomFlip' }], "transforms[0].type: unknown transform 'RandomFlip'"],
    [[{ type: 'Normalize', mean: [0], std: [0] }], 'transforms[0].std[0]: must be > 0, got 0'],
    [[{ type: 'Normalize', mean: [0, 0], std: [1] }], 'transforms[0].mean: must have one entry or one per channel (1), got 2'],
    [[{ type: 'RandomCrop', size: 9 }], 'transforms[0].size: 9 does not fit a 3x3 image padded by 0'],
    [[{ type: 'RandomCrop', size: 2, padding: 1 }], 'transforms[0].size: must keep the image size 3x3 (crops that resize are not supported), got 2'],
    [[{ type: 'ToTensor', scale: 2 }], 'transforms[0].scale: unknown argument'],
    [{ type: 'ToTensor' }, 'transforms: must be a list of {type, ...} transforms, got an object'],
  ])('rejects %j', (transforms, message) => {
    expect(() => compileTransforms(transforms, 'transforms', shape)).toThrow(message);
  });
});
