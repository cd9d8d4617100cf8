// Replacements for stock wasm kernels that batch norm's gradient leans on.
//
// Tile: the stock kernel walks the output one element at a time (about 90 ms to tile a
// [1,1,1,16] vector to [128,28,28,16]); copying whole blocks and doubling them with
// copyWithin does it in about a millisecond.
// Sum/Mean over the leading axes (the [N,H,W] axes of an NHWC tensor, as in every batch
// norm): the stock kernels first transpose the reduced axes innermost.
// Identity: the stock kernel copies; tensors are immutable, so sharing the data (as the
// cpu backend does) is enough, and the engine clones every tensor it saves for backprop.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { Attrs, copyElements, Info, release, run, view } from './wasm-ops';

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: Attrs };

/** Repeats dst[off, off+len) until it fills dst[off, off+len*times). */
function replicate(dst: tf.TypedArray, off: number, len: number, times: number): void {
  const total = len * times;
  let filled = len;
  while (filled < total) {
    const n = Math.min(filled, total - filled);
    dst.copyWithin(off + filled, off, off + n);
    filled += n;
  }
}

function tile(args: Args): Info {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: Info };
  const { reps } = args.attrs as unknown as { reps: number[] };
  if (x.dtype === 'string') return run(backend, 'Tile', { x }, { reps });
  const rank = x.shape.length;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(outShape, x.dtype);
  if (outShape.some((d) => d === 0)) return out;
  const dst = backend.typedArrayFromHeap(out);
  if (rank === 0) {
    copyElements(backend, out, 0, x, 0, 1);
    return out;
  }
  // inner[d]: elements of one [d+1..] block of the input / of the output.
  const innerIn = new Array<number>(rank).fill(1);
  const innerOut = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) {
    innerIn[d] = innerIn[d + 1] * x.shape[d + 1];
    innerOut[d] = innerOut[d + 1] * outShape[d + 1];
  }
  const fill = (d: number, srcOff: number, dstOff: number): void => {
    if (d === rank - 1) {
      copyElements(backend, out, dstOff, x, srcOff, x.shape[d]);
    } else {
      for (let i = 0; i < x.shape[d]; i++) fill(d + 1, srcOff + i * innerIn[d], dstOff + i * innerOut[d]);
    }
    if (reps[d] > 1) replicate(dst, dstOff, x.shape[d] * innerOut[d], reps[d]);
  };
  fill(0, 0, 0);
  return out;
}

/** Axes as a sorted list of non-negative ints. */
function normAxes(axis: number | number[], rank: number): number[] {
  const list = Array.isArray(axis) ? axis : [axis];
  return [...new Set(list.map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
}

/**
 * Sums the leading k axes of a float32 tensor, times `scale`. Seen as [A, B, 1, C] (C the
 * kept block), XNNPACK's average pooling over B x 1 windows reduces B in place and at
 * memory speed (about 10x the stock transpose-then-sum); the A rows left are few.
 */
function reduceLeading(backend: BackendWasm, x: Info, k: number, keepDims: boolean, scale: number): Info {
  const inner = x.shape.slice(k).reduce((a, b) => a * b, 1);
  const a = k >= 2 ? x.shape[0] : 1;
  const b = x.shape.slice(0, k).reduce((p, d) => p * d, 1) / a;
  const outShape = keepDims ? [...x.shape.slice(0, k).map(() => 1), ...x.shape.slice(k)] : x.shape.slice(k);
  let rows = x;
  let rowScale = scale;
  if (b > 1) {
    rows = run(backend, 'AvgPool', { x: view(x, [a, b, 1, inner]) }, { filterSize: [b, 1], strides: [b, 1], pad: 'valid' });
    rowScale = scale * b;
  }
  const out = backend.makeOutput(outShape, 'float32');
  const v = backend.typedArrayFromHeap(rows) as Float32Array;
  const acc = new Float64Array(inner);
  for (let r = 0, o = 0; r < a; r++, o += inner) {
    for (let c = 0; c < inner; c++) acc[c] += v[o + c];
  }
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  for (let c = 0; c < inner; c++) dst[c] = acc[c] * rowScale;
  if (rows !== x) release(backend, rows);
  return out;
}

function leadingCount(x: Info, attrs: Attrs): number | undefined {
  if (x.dtype !== 'float32') return undefined;
  const axes = normAxes(attrs['axis'] as number | number[], x.shape.length);
  // Only a strict prefix of the axes, with a kept block wide enough to vectorise over.
  if (axes.length === 0 || axes.length >= x.shape.length || x.shape.some((d) => d === 0)) return undefined;
  if (!axes.every((a, i) => a === i)) return undefined;
  return axes.length;
}

function sum(args: Args): Info {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: Info };
  const attrs = args.attrs ?? {};
  const k = leadingCount(x, attrs);
  if (k === undefined) return run(backend, 'Sum', { x }, attrs);
  return reduceLeading(backend, x, k, Boolean(attrs['keepDims']), 1);
}

function mean(args: Args): Info {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: Info };
  const attrs = args.attrs ?? {};
  const k = leadingCount(x, attrs);
  if (k === undefined) return run(backend, 'Mean', { x }, attrs);
  const count = x.shape.slice(0, k).reduce((a, b) => a * b, 1);
  return reduceLeading(backend, x, k, Boolean(attrs['keepDims']), 1 / count);
}

function identity(args: Args): Info {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: Info };
  if (x.dtype === 'string') return run(backend, 'Identity', { x });
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * Cast: to the same dtype it shares the data (the stock kernel copies); across dtypes it
 * converts element by element (the stock kernel's TypedArray.set within one buffer clones
 * the source first).
 */
function cast(args: Args): Info {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: Info };
  const { dtype } = args.attrs as unknown as { dtype: tf.DataType };
  if (x.dtype === 'string' || dtype === 'string' || dtype === 'complex64' || x.dtype === 'complex64') {
    return run(backend, 'Cast', { x }, { dtype });
  }
  if (dtype === x.dtype) {
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype };
  }
  const out = backend.makeOutput(x.shape, dtype);
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  const n = src.length;
  if (dtype === 'bool') {
    for (let i = 0; i < n; i++) dst[i] = src[i] !== 0 ? 1 : 0;
  } else if (dtype === 'int32') {
    for (let i = 0; i < n; i++) dst[i] = Math.trunc(src[i]);
  } else {
    for (let i = 0; i < n; i++) dst[i] = src[i];
  }
  return out;
}

export const castConfig: tf.KernelConfig = { kernelName: 'Cast', backendName: 'wasm', kernelFunc: cast as unknown as tf.KernelFunc };
export const identityConfig: tf.KernelConfig = { kernelName: 'Identity', backendName: 'wasm', kernelFunc: identity as unknown as tf.KernelFunc };
export const tileConfig: tf.KernelConfig = { kernelName: 'Tile', backendName: 'wasm', kernelFunc: tile as unknown as tf.KernelFunc };
export const sumConfig: tf.KernelConfig = { kernelName: 'Sum', backendName: 'wasm', kernelFunc: sum as unknown as tf.KernelFunc };
export const meanConfig: tf.KernelConfig = { kernelName: 'Mean', backendName: 'wasm', kernelFunc: mean as unknown as tf.KernelFunc };
