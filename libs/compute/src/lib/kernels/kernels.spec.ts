// Vela's wasm kernels against the cpu backend's (the reference) over varied shapes,
// strides, paddings and dilations.
import * as tf from '@tensorflow/tfjs';
import { initCompute } from '../backend';
import { batchChunk } from './conv2d-backprop';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}

function values(shape: number[], seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() * 2);
}

/** Runs a kernel on a backend with fresh tensors made from plain arrays; returns its values. */
async function runOn(
  backend: 'wasm' | 'cpu',
  kernel: string,
  inputs: Record<string, { shape: number[]; data: Float32Array }>,
  attrs: Record<string, unknown>,
): Promise<{ shape: number[]; data: Float32Array }> {
  await tf.setBackend(backend);
  const ts: tf.NamedTensorMap = {};
  for (const [k, v] of Object.entries(inputs)) ts[k] = tf.tensor(v.data, v.shape);
  const out = tf.engine().runKernel(kernel, ts, attrs as tf.NamedAttrMap) as tf.Tensor;
  const res = { shape: out.shape, data: out.dataSync() as Float32Array };
  tf.dispose([out, ...Object.values(ts)]);
  return res;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  let scale = 1e-6;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst / scale).toBeLessThan(rel);
}

/** A filter with (d - 1) zeros between taps: a dilated conv is an undilated conv with it. */
function dilateFilter(f: { shape: number[]; data: Float32Array }, dh: number, dw: number) {
  const [kh, kw, a, b] = f.shape;
  const shape = [(kh - 1) * dh + 1, (kw - 1) * dw + 1, a, b];
  const data = new Float32Array(shape.reduce((p, q) => p * q, 1));
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++)
      data.set(f.data.subarray((i * kw + j) * a * b, (i * kw + j + 1) * a * b), (i * dh * shape[1] + j * dw) * a * b);
  return { shape, data };
}

/** The taps of a dilated-shape filter gradient at the dilated positions. */
function undilateFilter(g: { shape: number[]; data: Float32Array }, kh: number, kw: number, dh: number, dw: number): Float32Array {
  const [, gw, a, b] = g.shape;
  const out = new Float32Array(kh * kw * a * b);
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++)
      out.set(g.data.subarray((i * dh * gw + j * dw) * a * b, (i * dh * gw + j * dw + 1) * a * b), (i * kw + j) * a * b);
  return out;
}

interface ConvCase {
  x: [number, number, number, number];
  f: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
  dilations?: [number, number];
}

const conv2dCases: ConvCase[] = [
  { x: [2, 7, 8, 3], f: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 7, 8, 3], f: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { x: [3, 8, 8, 2], f: [3, 3, 2, 5], strides: 2, pad: 'same' },
  { x: [2, 9, 6, 3], f: [3, 2, 3, 5], strides: [2, 3], pad: 'valid' },
  { x: [1, 6, 6, 2], f: [3, 3, 2, 2], strides: 2, pad: 'valid' },
  { x: [2, 8, 8, 4], f: [1, 1, 4, 6], strides: 2, pad: 'same' },
  { x: [2, 5, 5, 1], f: [1, 1, 1, 3], strides: 1, pad: 'valid' },
  { x: [2, 9, 9, 3], f: [5, 5, 3, 2], strides: 3, pad: 'same' },
  { x: [2, 8, 7, 3], f: [3, 3, 3, 2], strides: 1, pad: [[0, 0], [1, 2], [4, 0], [0, 0]] },
  { x: [2, 8, 7, 3], f: [2, 3, 3, 2], strides: 3, pad: [[0, 0], [0, 3], [2, 1], [0, 0]] },
  { x: [2, 10, 10, 3], f: [3, 3, 3, 4], strides: 2, pad: [[0, 0], [1, 1], [1, 1], [0, 0]] },
  { x: [2, 7, 7, 2], f: [4, 4, 2, 3], strides: 2, pad: 'valid' },
  { x: [1, 11, 11, 2], f: [3, 3, 2, 2], strides: 4, pad: [[0, 0], [5, 0], [0, 4], [0, 0]] },
  // Batches large enough for the filter gradient to run in chunks of images.
  { x: [32, 28, 28, 3], f: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [24, 12, 12, 2], f: [3, 3, 2, 3], strides: 2, pad: 'valid' },
  { x: [2, 9, 9, 3], f: [3, 3, 3, 2], strides: 1, pad: 'same', dilations: [2, 2] },
  { x: [1, 10, 9, 2], f: [3, 2, 2, 3], strides: 1, pad: 'valid', dilations: [2, 3] },
  { x: [2, 8, 8, 2], f: [3, 3, 2, 2], strides: 1, pad: [[0, 0], [2, 1], [0, 3], [0, 0]], dilations: [3, 1] },
];

const name = (c: ConvCase) => `x ${c.x} f ${c.f} strides ${c.strides} pad ${JSON.stringify(c.pad)} dilations ${c.dilations ?? 1}`;

function outShape(c: ConvCase, depthwise: boolean): number[] {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.f, c.strides, c.dilations ?? 1, c.pad, undefined, depthwise);
  return info.outShape;
}

beforeAll(async () => {
  await initCompute({ backend: 'wasm', log: () => undefined });
});

describe('Conv2DBackpropFilter and Conv2DBackpropInput on wasm match cpu', () => {
  it.each(conv2dCases.map((c) => [name(c), c] as const))('%s', async (_, c) => {
    const x = { shape: c.x, data: values(c.x, 1) };
    const f = { shape: c.f, data: values(c.f, 2) };
    const ys = outShape(c, false);
    const dy = { shape: ys, data: values(ys, 3) };
    const [dh, dw] = c.dilations ?? [1, 1];
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' };
    const dW = await runOn('wasm', 'Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: c.f, dilations: c.dilations });
    const dX = await runOn('wasm', 'Conv2DBackpropInput', { dy, filter: f }, { ...attrs, inputShape: c.x, dilations: c.dilations });
    // The cpu kernels take no dilations: the reference convolves with the dilated filter.
    const fd = dilateFilter(f, dh, dw);
    const refW = await runOn('cpu', 'Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: fd.shape });
    const refX = await runOn('cpu', 'Conv2DBackpropInput', { dy, filter: fd }, { ...attrs, inputShape: c.x });
    expect(dW.shape).toEqual(c.f);
    expect(dX.shape).toEqual(c.x);
    expectClose(dW.data, undilateFilter(refW, c.f[0], c.f[1], dh, dw));
    expectClose(dX.data, refX.data);
  });
});

describe('batchChunk', () => {
  it('splits a batch into chunks of at least 8 images whose dy fits the limit', () => {
    expect(batchChunk(128, 784)).toBe(8);
    expect(batchChunk(128, 196)).toBe(32);
    expect(batchChunk(128, 49)).toBe(64);
    expect(batchChunk(32, 784)).toBe(8);
    expect(batchChunk(24, 25)).toBe(12);
    expect(batchChunk(7, 784)).toBe(7);
    expect(batchChunk(8, 784)).toBe(8);
    expect(batchChunk(128, 3136)).toBe(8);
  });
});

const depthwiseCases: ConvCase[] = [
  { x: [2, 7, 8, 3], f: [3, 3, 3, 1], strides: 1, pad: 'same' },
  { x: [2, 7, 8, 3], f: [3, 3, 3, 2], strides: 2, pad: 'same' },
  { x: [2, 9, 6, 4], f: [3, 2, 4, 3], strides: [2, 3], pad: 'valid' },
  { x: [1, 8, 7, 2], f: [5, 5, 2, 1], strides: 1, pad: [[0, 0], [1, 3], [2, 2], [0, 0]] },
  { x: [2, 9, 9, 3], f: [3, 3, 3, 1], strides: 1, pad: 'same', dilations: [2, 2] },
  { x: [2, 10, 9, 2], f: [3, 2, 2, 2], strides: 1, pad: 'valid', dilations: [2, 3] },
];

describe('DepthwiseConv2dNativeBackpropFilter and ...BackpropInput on wasm match cpu', () => {
  it.each(depthwiseCases.map((c) => [name(c), c] as const))('%s', async (_, c) => {
    const x = { shape: c.x, data: values(c.x, 4) };
    const f = { shape: c.f, data: values(c.f, 5) };
    const ys = outShape(c, true);
    const dy = { shape: ys, data: values(ys, 6) };
    const [dh, dw] = c.dilations ?? [1, 1];
    const attrs = { strides: c.strides, pad: c.pad, dilations: c.dilations ?? [1, 1] };
    const dW = await runOn('wasm', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: c.f });
    const dX = await runOn('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy, filter: f }, { ...attrs, inputShape: c.x });
    // The cpu kernels read dilations but loop as if they were 1: same reference as above.
    const fd = dilateFilter(f, dh, dw);
    const ref = { ...attrs, dilations: [1, 1] };
    const refW = await runOn('cpu', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...ref, filterShape: fd.shape });
    const refX = await runOn('cpu', 'DepthwiseConv2dNativeBackpropInput', { dy, filter: fd }, { ...ref, inputShape: c.x });
    expect(dW.shape).toEqual(c.f);
    expect(dX.shape).toEqual(c.x);
    expectClose(dW.data, undilateFilter(refW, c.f[0], c.f[1], dh, dw));
    expectClose(dX.data, refX.data);
  });
});

describe('replaced stock kernels match cpu', () => {
  it.each([
    [[1, 1, 1, 16], [3, 4, 5, 1]],
    [[2, 3], [2, 3]],
    [[3, 1, 2], [1, 4, 2]],
    [[5], [3]],
    [[2, 2, 2], [1, 1, 1]],
  ])('Tile %j reps %j', async (shape, reps) => {
    const x = { shape, data: values(shape, 7) };
    const got = await runOn('wasm', 'Tile', { x }, { reps });
    const want = await runOn('cpu', 'Tile', { x }, { reps });
    expect(got.shape).toEqual(want.shape);
    expect(Array.from(got.data)).toEqual(Array.from(want.data));
  });

  it.each([
    ['Sum', [4, 5, 6, 3], [0, 1, 2], false],
    ['Sum', [4, 5, 6, 3], [0, 1, 2], true],
    ['Mean', [4, 5, 6, 3], [2, 1, 0], false],
    ['Mean', [6, 7], [0], true],
    ['Sum', [9, 2, 3], [0], false],
    ['Sum', [4, 5, 6, 3], [1, 2], false],
    ['Mean', [4, 5, 6, 3], [3], false],
    ['Sum', [4, 5], [0, 1], false],
  ] as const)('%s of %j over %j keepDims %s', async (kernel, shape, axis, keepDims) => {
    const x = { shape: [...shape], data: values([...shape], 8) };
    const got = await runOn('wasm', kernel, { x }, { axis: [...axis], keepDims });
    const want = await runOn('cpu', kernel, { x }, { axis: [...axis], keepDims });
    expect(got.shape).toEqual(want.shape);
    expectClose(got.data, want.data, 1e-5);
  });

  it.each([
    ['per-channel stats, scale and offset', [3, 4, 5, 6], [6], true, true],
    ['[1,1,1,C] stats, no scale', [2, 3, 3, 4], [1, 1, 1, 4], false, true],
    ['no scale, no offset', [2, 3, 3, 4], [4], false, false],
    ['full-size stats (stock fallback)', [2, 3, 3, 4], [2, 3, 3, 4], true, true],
  ] as const)('FusedBatchNorm with %s', async (_, xShape, statShape, withScale, withOffset) => {
    const stat = (seed: number, positive = false) => {
      const data = values([...statShape], seed);
      return { shape: [...statShape], data: positive ? data.map((v) => v + 1.5) : data };
    };
    const inputs: Record<string, { shape: number[]; data: Float32Array }> = {
      x: { shape: [...xShape], data: values([...xShape], 9) },
      mean: stat(10),
      variance: stat(11, true),
    };
    if (withScale) inputs['scale'] = stat(12);
    if (withOffset) inputs['offset'] = stat(13);
    const got = await runOn('wasm', 'FusedBatchNorm', inputs, { varianceEpsilon: 1e-3 });
    const want = await runOn('cpu', 'FusedBatchNorm', inputs, { varianceEpsilon: 1e-3 });
    expect(got.shape).toEqual(want.shape);
    expectClose(got.data, want.data, 1e-5);
  });

  it('Identity shares the data instead of copying, and survives the source', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor([1, 2, 3]);
    const y = tf.clone(x);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    y.dispose();
  });
});
