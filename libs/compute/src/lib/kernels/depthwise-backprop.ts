// DepthwiseConv2dNative gradients for the wasm backend, which ships neither.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { convInfoFor, inputGradAsConv } from './conv2d-backprop';
import { Attrs, copyElements, depthwiseConv2d, f32, Info, release, run, view } from './wasm-ops';

interface DepthwiseGradAttrs {
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * dW[kh,kw,c,m] = sum_{n,oh,ow} x[n, oh*sh + kh*dh - pt, ow*sw + kw*dw - pl, c] dy[n,oh,ow,c*M+m].
 * Each channel has its own filter, so no single XNNPACK convolution computes this; a loop
 * over contiguous channel vectors does, accumulating in doubles.
 */
function depthwiseBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: Attrs }): Info {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const attrs = args.attrs as unknown as DepthwiseGradAttrs & { filterShape: [number, number, number, number] };
  const ci = convInfoFor(x.shape, attrs.filterShape, attrs, true);
  const { batchSize: n, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw } = ci;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, inChannels: c } = ci;
  const m = ci.outChannels / c;
  const co = c * m;
  const top = ci.padInfo.top;
  const left = ci.padInfo.left;
  const acc = new Float64Array(kh * kw * co);
  const out = backend.makeOutput([kh, kw, c, m], 'float32');
  const xs = f32(backend, x);
  const dys = f32(backend, dy);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let p = 0; p < kh; p++) {
        const r = i * sh + p * dh - top;
        if (r < 0 || r >= h) continue;
        for (let j = 0; j < ow; j++) {
          const dyBase = ((b * oh + i) * ow + j) * co;
          for (let q = 0; q < kw; q++) {
            const col = j * sw + q * dw - left;
            if (col < 0 || col >= w) continue;
            const xBase = ((b * h + r) * w + col) * c;
            const aBase = (p * kw + q) * co;
            if (m === 1) {
              for (let k = 0; k < c; k++) acc[aBase + k] += xs[xBase + k] * dys[dyBase + k];
            } else {
              for (let k = 0; k < c; k++) {
                const xv = xs[xBase + k];
                for (let t = 0; t < m; t++) acc[aBase + k * m + t] += xv * dys[dyBase + k * m + t];
              }
            }
          }
        }
      }
    }
  }
  f32(backend, out).set(acc);
  return out;
}

/**
 * dx: a depthwise convolution (multiplier 1 over C*M channels) of dy, zeros inserted for
 * the stride, with the flipped filter; the M multiplier channels of each input channel
 * are then summed.
 */
function depthwiseBackpropInput(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: Attrs }): Info {
  const backend = args.backend as BackendWasm;
  const { dy, filter } = args.inputs as { dy: Info; filter: Info };
  const attrs = args.attrs as unknown as DepthwiseGradAttrs & { inputShape: [number, number, number, number] };
  const convInfo = convInfoFor(attrs.inputShape, filter.shape, attrs, true);
  const [kh, kw, c, m] = filter.shape;
  const flipped = backend.makeOutput([kh, kw, c * m, 1], 'float32');
  const per = c * m;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) copyElements(backend, flipped, ((kh - 1 - i) * kw + (kw - 1 - j)) * per, filter, (i * kw + j) * per, per);
  }
  const g = inputGradAsConv(backend, dy, flipped, convInfo, (x, f, dil, pads) =>
    depthwiseConv2d(backend, x, f, [1, 1], dil, pads),
  );
  release(backend, flipped);
  if (m === 1) return g;
  const [n, h, w] = g.shape;
  const summed = run(backend, 'Sum', { x: view(g, [n * h * w * c, m]) }, { axis: [1], keepDims: false });
  release(backend, g);
  return view(summed, [n, h, w, c]);
}

export const depthwiseBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropFilter',
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropFilter as unknown as tf.KernelFunc,
};

export const depthwiseBackpropInputConfig: tf.KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropInput',
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropInput as unknown as tf.KernelFunc,
};
