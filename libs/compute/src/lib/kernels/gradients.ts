// Leaner gradients for the ops of batch norm in training, and gradients of dilated
// convolutions (below).
// Mean (its moments): tfjs-core's builds a full-size tensor of ones in JS, copies it to
// the backend and multiplies by it; here dy is scaled first (a per-channel vector) and
// broadcast once (a Tile). FusedBatchNorm: see batch-norm.ts.
import * as tf from '@tensorflow/tfjs';
import { fusedBatchNormGradConfig } from './batch-norm';

export const meanGradConfig: tf.GradConfig = {
  kernelName: 'Mean',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const axes = tf.util.parseAxisParam(attrs['axis'] as number | number[], x.shape);
    const reduceSize = axes.reduce((n, a) => n * x.shape[a], 1);
    const expanded = x.shape.slice();
    for (const a of axes) expanded[a] = 1;
    return {
      x: () => tf.broadcastTo(tf.div(tf.reshape(dy as tf.Tensor, expanded), reduceSize), x.shape),
    };
  },
};

/** [d, d] or [dh, dw] as a pair. */
function pair(v: unknown): [number, number] {
  if (v == null) return [1, 1];
  return typeof v === 'number' ? [v, v] : [(v as number[])[0], (v as number[])[1]];
}

/** The filter with (d - 1) zeros between its taps: a dilated convolution is a plain one with it. */
function dilatedFilter(filter: tf.Tensor, dh: number, dw: number): tf.Tensor4D {
  const [kh, kw, a, b] = filter.shape;
  const eh = (kh - 1) * dh + 1;
  const ew = (kw - 1) * dw + 1;
  const src = filter.dataSync();
  const dst = new Float32Array(eh * ew * a * b);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) dst.set(src.subarray((i * kw + j) * a * b, (i * kw + j + 1) * a * b), (i * dh * ew + j * dw) * a * b);
  }
  return tf.tensor4d(dst, [eh, ew, a, b]);
}

/**
 * Gradients of dilated convolutions, which tfjs-core rejects ("dilation rates greater than
 * 1 are not yet supported in gradients"): both are those of the undilated convolution with
 * the zero-filled dilated filter, the filter's taps then read back at the dilated positions.
 * Any backend's stock gradient kernels compute them. Dilation 1 keeps tfjs-core's gradient.
 */
function dilatedConvGrad(kernelName: 'Conv2D' | 'DepthwiseConv2dNative'): tf.GradConfig {
  const depthwise = kernelName === 'DepthwiseConv2dNative';
  return {
    kernelName,
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const [dh, dw] = pair(attrs['dilations']);
      const stock = stockGradients.get(kernelName);
      if ((dh === 1 && dw === 1) || !stock || (attrs['dataFormat'] ?? 'NHWC') !== 'NHWC') {
        if (!stock) throw new Error(`no gradient registered for ${kernelName}`);
        return stock.gradFunc(dy, saved, attrs);
      }
      const [x, filter] = saved;
      const g = dy as tf.Tensor;
      const common = { strides: attrs['strides'], pad: attrs['pad'], dimRoundingMode: attrs['dimRoundingMode'] };
      const extra = depthwise ? { dilations: [1, 1] } : { dataFormat: 'NHWC' };
      const kh = filter.shape[0] as number;
      const kw = filter.shape[1] as number;
      return {
        x: () => {
          const fd = dilatedFilter(filter, dh, dw);
          const name = depthwise ? 'DepthwiseConv2dNativeBackpropInput' : 'Conv2DBackpropInput';
          return tf.engine().runKernel(name, { dy: g, filter: fd }, { ...common, ...extra, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor;
        },
        filter: () => {
          const shape = [(kh - 1) * dh + 1, (kw - 1) * dw + 1, filter.shape[2] as number, filter.shape[3] as number];
          const name = depthwise ? 'DepthwiseConv2dNativeBackpropFilter' : 'Conv2DBackpropFilter';
          const full = tf.engine().runKernel(name, { x, dy: g }, { ...common, ...extra, filterShape: shape } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
          return tf.stridedSlice(full, [0, 0, 0, 0], shape, [dh, dw, 1, 1]);
        },
      };
    },
  };
}

const VELA_GRADIENTS: readonly tf.GradConfig[] = [
  meanGradConfig,
  fusedBatchNormGradConfig,
  dilatedConvGrad('Conv2D'),
  dilatedConvGrad('DepthwiseConv2dNative'),
];
const stockGradients = new Map<string, tf.GradConfig>();

/**
 * Registers Vela's gradients, which replace tfjs-core's for every backend (same values,
 * fewer full-size passes); `enable` false puts tfjs-core's back (tests compare the two).
 */
export function registerVelaGradients(enable = true): string[] {
  for (const config of VELA_GRADIENTS) {
    if (!stockGradients.has(config.kernelName)) {
      const stock = tf.getGradient(config.kernelName);
      if (stock) stockGradients.set(config.kernelName, stock);
    }
    const restore = stockGradients.get(config.kernelName);
    if (enable) tf.registerGradient(config);
    else if (restore) tf.registerGradient(restore);
  }
  return enable ? VELA_GRADIENTS.map((c) => c.kernelName) : [];
}
