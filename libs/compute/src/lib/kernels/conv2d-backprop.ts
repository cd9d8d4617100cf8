// Conv2D gradients for the wasm backend, each expressed as a forward convolution that
// XNNPACK runs (the wasm backend ships no Conv2DBackpropFilter, and its
// Conv2DBackpropInput is a scalar loop).
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  Attrs,
  conv2d,
  copyElements,
  dilateSpatial,
  f32,
  Info,
  release,
  slice,
  transpose,
  view,
} from './wasm-ops';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

interface GradAttrs {
  strides: [number, number] | number;
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  /** Not part of tfjs's attrs (its Conv2D gradient rejects dilations); honoured when given. */
  dilations?: [number, number] | number;
}

function requireNhwc(kernel: string, dataFormat: string | undefined): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`Vela's wasm ${kernel} supports dataFormat NHWC only, got ${dataFormat}`);
  }
}

export function convInfoFor(inShape: number[], filterShape: number[], attrs: GradAttrs, depthwise: boolean) {
  return tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
    'channelsLast',
  );
}

/**
 * dW[kh,kw,ci,co] = sum_{n,oh,ow} x[n, oh*s + kh*d - p, ., ci] dy[n,oh,ow,co]: a forward
 * convolution of x with batch and channels swapped ([Ci,H,W,N]) by dy as the filter
 * ([OH,OW,N,Co]), the stride becoming the dilation and the dilation the stride.
 */
export function filterGradAsConv(
  backend: BackendWasm,
  x: Info,
  dy: Info,
  convInfo: tf.backend_util.Conv2DInfo,
): Info {
  const { inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw } = convInfo;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = convInfo;
  const top = convInfo.padInfo.top;
  const left = convInfo.padInfo.left;
  // Only as much bottom/right padding as the taps of the filter reach.
  const bottom = Math.max(0, (kh - 1) * dh + (oh - 1) * sh + 1 - h - top);
  const right = Math.max(0, (kw - 1) * dw + (ow - 1) * sw + 1 - w - left);
  const pads: [number, number, number, number] = [top, bottom, left, right];
  const nb = batchChunk(x.shape[0], oh * ow);
  const g =
    nb === x.shape[0]
      ? filterGradWhole(backend, x, dy, [dh, dw], [sh, sw], pads)
      : filterGradChunked(backend, x, dy, nb, [dh, dw], [sh, sw], pads);
  // g: [Ci, KH', KW', Co], KH' >= KH where the input has rows no output reads.
  let trimmed = g;
  if (g.shape[1] !== kh || g.shape[2] !== kw) {
    trimmed = slice(backend, g, [0, 0, 0, 0], [g.shape[0], kh, kw, g.shape[3]]);
    release(backend, g);
  }
  const out = transpose(backend, trimmed, [1, 2, 0, 3]);
  release(backend, trimmed);
  return out;
}

/**
 * Images per chunk of the filter-gradient convolution: the packed dy of a chunk
 * (OH*OW*nb*Co floats) is re-read for every row tile of the output, so chunks whose
 * OH*OW*nb stays within `limit` keep it in cache; fewer than 8 images make the reduction
 * per filter tap too short. The whole batch where it has no such divisor.
 */
export function batchChunk(n: number, pixels: number, limit = CHUNK_PIXELS): number {
  let best = n;
  for (let nb = n - 1; nb >= 8; nb--) {
    if (n % nb !== 0) continue;
    best = nb;
    if (nb * pixels <= limit) break;
  }
  return best;
}

/** Measured on the anchor ResNet's layers (batch 128): 8192 (or 4096) beats 16384 and whole batches. */
const CHUNK_PIXELS = 8192;

function filterGradWhole(
  backend: BackendWasm,
  x: Info,
  dy: Info,
  strides: [number, number],
  dilations: [number, number],
  pads: [number, number, number, number],
): Info {
  const xT = transpose(backend, x, [3, 1, 2, 0]);
  const dyT = transpose(backend, dy, [1, 2, 0, 3]);
  const g = conv2d(backend, xT, dyT, strides, dilations, pads);
  release(backend, xT, dyT);
  return g;
}

/**
 * The same convolution per chunk of nb images, summed. Transposing to chunk-major layouts
 * ([C,Ci,H,W,nb], [C,OH,OW,nb,Co]) is also ~4x faster than the whole-batch transpose.
 */
function filterGradChunked(
  backend: BackendWasm,
  x: Info,
  dy: Info,
  nb: number,
  strides: [number, number],
  dilations: [number, number],
  pads: [number, number, number, number],
): Info {
  const [n, h, w, ci] = x.shape;
  const [, oh, ow, co] = dy.shape;
  const chunks = n / nb;
  const xT = transpose(backend, view(x, [chunks, nb, h, w, ci]), [0, 4, 2, 3, 1]);
  const dyT = transpose(backend, view(dy, [chunks, nb, oh, ow, co]), [0, 2, 3, 1, 4]);
  const xSize = ci * h * w * nb;
  const dySize = oh * ow * nb * co;
  let sum: Info | undefined;
  for (let c = 0; c < chunks; c++) {
    const xc = backend.makeOutput([ci, h, w, nb], 'float32');
    copyElements(backend, xc, 0, xT, c * xSize, xSize);
    const dyc = backend.makeOutput([oh, ow, nb, co], 'float32');
    copyElements(backend, dyc, 0, dyT, c * dySize, dySize);
    const g = conv2d(backend, xc, dyc, strides, dilations, pads);
    release(backend, xc, dyc);
    if (!sum) {
      sum = g;
      continue;
    }
    const acc = f32(backend, sum);
    const add = f32(backend, g);
    for (let i = 0; i < acc.length; i++) acc[i] += add[i];
    release(backend, g);
  }
  release(backend, xT, dyT);
  return sum as Info;
}

/**
 * Flips a [KH,KW,Ci,Co] filter spatially and swaps its channel axes: the filter of the
 * forward convolution that computes the input gradient.
 */
function flipFilter(backend: BackendWasm, filter: Info): Info {
  const [kh, kw, ci, co] = filter.shape;
  const out = backend.makeOutput([kh, kw, co, ci], 'float32');
  const src = f32(backend, filter);
  const dst = f32(backend, out);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const s0 = (i * kw + j) * ci * co;
      const d0 = ((kh - 1 - i) * kw + (kw - 1 - j)) * co * ci;
      for (let a = 0; a < ci; a++) {
        for (let b = 0; b < co; b++) dst[d0 + b * ci + a] = src[s0 + a * co + b];
      }
    }
  }
  return out;
}

/**
 * dx = the stride-1 convolution of dy (zeros inserted between its pixels when the
 * forward stride is > 1) with the flipped, channel-swapped filter, dilated as the forward.
 * `conv` runs that convolution (Conv2D or DepthwiseConv2dNative).
 */
export function inputGradAsConv(
  backend: BackendWasm,
  dy: Info,
  flipped: Info,
  convInfo: tf.backend_util.Conv2DInfo,
  conv: (x: Info, f: Info, dil: [number, number], pads: [number, number, number, number]) => Info,
): Info {
  const { inHeight: h, inWidth: w, filterHeight: kh, filterWidth: kw } = convInfo;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = convInfo;
  const up = sh > 1 || sw > 1 ? dilateSpatial(backend, dy, sh, sw) : dy;
  const uh = up.shape[1];
  const uw = up.shape[2];
  const top = (kh - 1) * dh - convInfo.padInfo.top;
  const left = (kw - 1) * dw - convInfo.padInfo.left;
  const bottom = h - uh - top + (kh - 1) * dh;
  const right = w - uw - left + (kw - 1) * dw;
  // Negative pads (explicit pads wider than the filter) become a crop of the result.
  const g = conv(up, flipped, [dh, dw], [Math.max(0, top), Math.max(0, bottom), Math.max(0, left), Math.max(0, right)]);
  if (up !== dy) release(backend, up);
  if (top >= 0 && left >= 0 && g.shape[1] === h && g.shape[2] === w) return g;
  const out = slice(backend, g, [0, Math.max(0, -top), Math.max(0, -left), 0], [g.shape[0], h, w, g.shape[3]]);
  release(backend, g);
  return out;
}

function conv2DBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: Attrs }): Info {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const attrs = args.attrs as unknown as GradAttrs & { filterShape: [number, number, number, number] };
  requireNhwc('Conv2DBackpropFilter', attrs.dataFormat);
  const convInfo = convInfoFor(x.shape, attrs.filterShape, attrs, false);
  return filterGradAsConv(backend, x, dy, convInfo);
}

/**
 * dx of a convolution with stride s (same both ways, no dilation) without zero insertion:
 * input row i + pad = q*s + r takes taps r, r+s, ... of the filter, so each phase r is a
 * stride-1 convolution of dy with a ceil(K/s)-tap sub-filter. One convolution computes all
 * s*s phases as output channels, DepthToSpace interleaves them (1.8x the exact FLOPs for a
 * 3x3 stride-2 filter, against 4x for zero insertion).
 */
function inputGradSubPixel(backend: BackendWasm, dy: Info, filter: Info, convInfo: tf.backend_util.Conv2DInfo): Info {
  const { inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw } = convInfo;
  const s = convInfo.strideHeight;
  const [, , ci, co] = filter.shape;
  const jh = Math.ceil(kh / s);
  const jw = Math.ceil(kw / s);
  const sub = backend.makeOutput([jh, jw, co, s * s * ci], 'float32');
  const src = f32(backend, filter);
  const dst = f32(backend, sub);
  dst.fill(0);
  const och = s * s * ci;
  for (let th = 0; th < jh; th++) {
    for (let tw = 0; tw < jw; tw++) {
      for (let rh = 0; rh < s; rh++) {
        const fh = rh + (jh - 1 - th) * s;
        if (fh >= kh) continue;
        for (let rw = 0; rw < s; rw++) {
          const fw = rw + (jw - 1 - tw) * s;
          if (fw >= kw) continue;
          const srcBase = (fh * kw + fw) * ci * co;
          const dstBase = (th * jw + tw) * co * och + (rh * s + rw) * ci;
          for (let a = 0; a < ci; a++) {
            for (let b = 0; b < co; b++) dst[dstBase + b * och + a] = src[srcBase + a * co + b];
          }
        }
      }
    }
  }
  const top = convInfo.padInfo.top;
  const left = convInfo.padInfo.left;
  const qh = Math.floor((h - 1 + top) / s) + 1;
  const qw = Math.floor((w - 1 + left) / s) + 1;
  const phases = conv2d(backend, dy, sub, [1, 1], [1, 1], [jh - 1, Math.max(0, qh - oh), jw - 1, Math.max(0, qw - ow)]);
  release(backend, sub);
  // Interleave the phases into dx, dropping the padding rows and columns. (The stock
  // DepthToSpace kernel takes ~45 ms where this loop takes ~3.) Without padding to drop,
  // [N*Q, Q', s, s*Ci] -> [N*Q, s, Q', s*Ci] is a transpose of contiguous blocks, faster still.
  const n = phases.shape[0];
  const pw = phases.shape[2];
  if (top === 0 && left === 0 && phases.shape[1] * s === h && pw * s === w) {
    const t = transpose(backend, view(phases, [n * phases.shape[1], pw, s, s * ci]), [0, 2, 1, 3]);
    release(backend, phases);
    return view(t, [n, h, w, ci]);
  }
  const out = backend.makeOutput([n, h, w, ci], 'float32');
  const ps = f32(backend, phases);
  const os = f32(backend, out);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h; i++) {
      const qi = Math.floor((i + top) / s);
      const ri = (i + top) % s;
      const srcRow = (b * phases.shape[1] + qi) * pw * och + ri * s * ci;
      const dstRow = (b * h + i) * w * ci;
      for (let j = 0; j < w; j++) {
        const qj = Math.floor((j + left) / s);
        const rj = (j + left) % s;
        const src = srcRow + qj * och + rj * ci;
        const dst = dstRow + j * ci;
        for (let c = 0; c < ci; c++) os[dst + c] = ps[src + c];
      }
    }
  }
  release(backend, phases);
  return out;
}

function conv2DBackpropInput(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: Attrs }): Info {
  const backend = args.backend as BackendWasm;
  const { dy, filter } = args.inputs as { dy: Info; filter: Info };
  const attrs = args.attrs as unknown as GradAttrs & { inputShape: [number, number, number, number] };
  requireNhwc('Conv2DBackpropInput', attrs.dataFormat);
  const convInfo = convInfoFor(attrs.inputShape, filter.shape, attrs, false);
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = convInfo;
  if (sh > 1 && sh === sw && dh === 1 && dw === 1) return inputGradSubPixel(backend, dy, filter, convInfo);
  const flipped = flipFilter(backend, filter);
  const out = inputGradAsConv(backend, dy, flipped, convInfo, (x, f, dil, pads) =>
    conv2d(backend, x, f, [1, 1], dil, pads),
  );
  release(backend, flipped);
  return out;
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
};

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc,
};

