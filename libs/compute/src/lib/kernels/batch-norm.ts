// Batch norm, the largest cost of a small CNN's step after the convolutions.
//
// Kernel: with per-channel statistics, y = x * a + b where a = scale / sqrt(var + eps) and
// b = offset - mean * a are computed per channel in JS; two XNNPACK broadcast ops then
// do the full-size work (~2.9 ms against ~7 ms for the stock kernel on [128,28,28,16]).
//
// Gradient: tfjs-core's FusedBatchNorm gradient makes about fourteen full-size passes
// (tiles, products, sums, each per input). All of its outputs need only sum(dy) and
// sum(dy * x) per channel, so this one makes four: dy * a, dy * x and the two sums.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { Attrs, f32, Info, release, run } from './wasm-ops';

type Args = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: Attrs };

/** True where t holds one value per channel: shape [C] or [1, ..., 1, C]. */
function perChannel(t: Info | undefined, c: number): boolean {
  if (!t) return true;
  const size = t.shape.reduce((a, b) => a * b, 1);
  return size === c && t.shape[t.shape.length - 1] === c && t.dtype === 'float32';
}

function fusedBatchNorm(args: Args): Info {
  const backend = args.backend as BackendWasm;
  const { x, mean, variance, offset, scale } = args.inputs as Record<string, Info | undefined> & { x: Info; mean: Info; variance: Info };
  const eps = (args.attrs?.['varianceEpsilon'] as number | undefined) ?? 0.001;
  const c = x.shape[x.shape.length - 1];
  const size = x.shape.reduce((p, q) => p * q, 1);
  if (x.dtype !== 'float32' || size === 0 || ![mean, variance, offset, scale].every((t) => perChannel(t, c))) {
    return run(backend, 'FusedBatchNorm', args.inputs, args.attrs);
  }
  const a = backend.makeOutput([c], 'float32');
  const b = backend.makeOutput([c], 'float32');
  const m = f32(backend, mean);
  const v = f32(backend, variance);
  const o = offset ? f32(backend, offset) : undefined;
  const s = scale ? f32(backend, scale) : undefined;
  const av = f32(backend, a);
  const bv = f32(backend, b);
  for (let i = 0; i < c; i++) {
    av[i] = (s ? s[i] : 1) / Math.sqrt(v[i] + eps);
    bv[i] = (o ? o[i] : 0) - m[i] * av[i];
  }
  const scaled = run(backend, 'Multiply', { a: x, b: a });
  const out = run(backend, 'Add', { a: scaled, b });
  release(backend, a, b, scaled);
  return out;
}

export const fusedBatchNormConfig: tf.KernelConfig = {
  kernelName: 'FusedBatchNorm',
  backendName: 'wasm',
  kernelFunc: fusedBatchNorm as unknown as tf.KernelFunc,
};

/**
 * With r = 1/sqrt(var + eps), g = scale (1 if absent), S1 = sum(dy), S2 = sum(dy * x) over
 * the reduced axes (those where mean is 1 or absent):
 *   dx = dy * g r;  dmean = -g r S1;  dscale = r (S2 - mean S1);
 *   dvariance = -0.5 g r^3 (S2 - mean S1);  doffset = S1.
 */
export const fusedBatchNormGradConfig: tf.GradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const [x, mean, variance, scale] = saved;
    const eps = attrs['varianceEpsilon'] as number;
    const g = dy as tf.Tensor;
    const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
    const reduce = (t: tf.Tensor) => (axes.length > 0 ? tf.sum(t, axes) : t);
    const shaped = (t: tf.Tensor, like: tf.Tensor) => tf.reshape(t, like.shape);
    const gamma = scale ?? tf.scalar(1);
    const r = tf.rsqrt(tf.add(variance, eps));
    const gr = tf.mul(gamma, r);
    // The sums are computed once, outside the per-input closures, which each run in a
    // tidy of their own; the outer gradient scope disposes them.
    const s1 = shaped(reduce(g), mean);
    const centered = tf.sub(shaped(reduce(tf.mul(g, x)), mean), tf.mul(mean, s1));
    return {
      x: () => tf.mul(g, gr),
      mean: () => shaped(tf.neg(tf.mul(gr, s1)), mean),
      variance: () => shaped(tf.mul(tf.mul(tf.mul(gr, tf.mul(r, r)), -0.5), centered), variance),
      scale: () => shaped(tf.mul(r, centered), scale ?? mean),
      offset: () => shaped(s1, mean),
    };
  },
};
