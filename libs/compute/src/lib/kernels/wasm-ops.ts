// Small helpers for kernels that compose the wasm backend's own (XNNPACK) kernels.
// Intermediates are TensorInfos owned by the kernel: each is released with `release`
// once used, so a kernel leaves nothing behind but its output.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type Info = tf.TensorInfo;
export type Attrs = tf.NamedAttrMap;
export type Pads = [[number, number], [number, number], [number, number], [number, number]];

/** The stock wasm kernels Vela builds on, captured before any replacement. */
const stockKernels = new Map<string, tf.KernelFunc>();

export function stockKernel(name: string): tf.KernelFunc {
  let fn = stockKernels.get(name);
  if (!fn) {
    const config = tf.getKernel(name, 'wasm');
    if (!config) throw new Error(`wasm kernel ${name} is not registered`);
    fn = config.kernelFunc;
    stockKernels.set(name, fn);
  }
  return fn;
}

/** Captures the stock wasm kernels a Vela kernel calls, before Vela replaces any. */
export function captureStockKernels(names: readonly string[]): void {
  for (const name of names) stockKernel(name);
}

export function run(backend: BackendWasm, name: string, inputs: tf.NamedTensorInfoMap, attrs: Attrs = {}): Info {
  return stockKernel(name)({ inputs, attrs, backend }) as Info;
}

export function release(backend: BackendWasm, ...infos: Info[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** A view of `x` with another shape; shares x's data (neither owned nor released). */
export function view(x: Info, shape: number[]): Info {
  return { dataId: x.dataId, shape, dtype: x.dtype };
}

export function transpose(backend: BackendWasm, x: Info, perm: number[]): Info {
  return run(backend, 'Transpose', { x }, { perm });
}

/** Forward convolution through the wasm backend's XNNPACK Conv2D, explicit pads (>= 0). */
export function conv2d(
  backend: BackendWasm,
  x: Info,
  filter: Info,
  strides: [number, number],
  dilations: [number, number],
  pads: [number, number, number, number],
): Info {
  const [top, bottom, left, right] = pads;
  const pad: Pads = [[0, 0], [top, bottom], [left, right], [0, 0]];
  return run(backend, 'Conv2D', { x, filter }, { strides, dilations, pad, dataFormat: 'NHWC', dimRoundingMode: undefined } as unknown as Attrs);
}

export function depthwiseConv2d(
  backend: BackendWasm,
  x: Info,
  filter: Info,
  strides: [number, number],
  dilations: [number, number],
  pads: [number, number, number, number],
): Info {
  const [top, bottom, left, right] = pads;
  const pad: Pads = [[0, 0], [top, bottom], [left, right], [0, 0]];
  return run(backend, 'DepthwiseConv2dNative', { x, filter }, { strides, dilations, pad, dimRoundingMode: undefined } as unknown as Attrs);
}

export function slice(backend: BackendWasm, x: Info, begin: number[], size: number[]): Info {
  return run(backend, 'Slice', { x }, { begin, size });
}

/**
 * Copies n elements between tensors (or within one) on the wasm heap with a memmove.
 * TypedArray.set between two views of the same buffer first clones the source, which
 * costs an allocation per call; copyWithin does not.
 */
export function copyElements(backend: BackendWasm, dst: Info, dstOff: number, src: Info, srcOff: number, n: number): void {
  const bytes = bytesPerElement(src.dtype);
  // The Emscripten module exposes its heap; the package's module typings omit it.
  const heap = (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8;
  const d = backend.getMemoryOffset(dst.dataId) + dstOff * bytes;
  const s = backend.getMemoryOffset(src.dataId) + srcOff * bytes;
  heap.copyWithin(d, s, s + n * bytes);
}

export function bytesPerElement(dtype: tf.DataType): number {
  return dtype === 'bool' ? 1 : 4;
}

export function f32(backend: BackendWasm, x: Info): Float32Array {
  return backend.typedArrayFromHeap(x) as Float32Array;
}

/**
 * Inserts (stride - 1) zeros between the rows and the columns of an NHWC tensor: the
 * gradient of a strided convolution is a stride-1 convolution over this.
 */
export function dilateSpatial(backend: BackendWasm, x: Info, sh: number, sw: number): Info {
  const [n, h, w, c] = x.shape;
  const oh = (h - 1) * sh + 1;
  const ow = (w - 1) * sw + 1;
  const out = backend.makeOutput([n, oh, ow, c], 'float32');
  f32(backend, out).fill(0);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h; i++) {
      const srcRow = (b * h + i) * w * c;
      const dstRow = (b * oh + i * sh) * ow * c;
      if (sw === 1) {
        copyElements(backend, out, dstRow, x, srcRow, w * c);
        continue;
      }
      for (let j = 0; j < w; j++) copyElements(backend, out, dstRow + j * sw * c, x, srcRow + j * c, c);
    }
  }
  return out;
}
