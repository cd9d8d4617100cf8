// Registers Vela's wasm kernels with tfjs-core: the gradients the wasm backend lacks, and
// replacements for stock kernels Vela measured to be slower.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { conv2DBackpropFilterConfig, conv2DBackpropInputConfig } from './conv2d-backprop';
import { depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig } from './depthwise-backprop';
import { fusedBatchNormConfig } from './batch-norm';
import { registerVelaGradients } from './gradients';
import { castConfig, identityConfig, meanConfig, sumConfig, tileConfig } from './tile-reduce';
import { captureStockKernels } from './wasm-ops';

/** Kernels the wasm backend does not have. */
export const MISSING_KERNELS: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
];

/** Stock kernels Vela replaces because its own are faster (see benchmarks/trainer). */
export const REPLACED_KERNELS: readonly tf.KernelConfig[] = [
  conv2DBackpropInputConfig,
  tileConfig,
  sumConfig,
  meanConfig,
  identityConfig,
  castConfig,
  fusedBatchNormConfig,
];

/** Stock wasm kernels Vela's kernels call. */
const USED_STOCK = ['Conv2D', 'DepthwiseConv2dNative', 'Transpose', 'Slice', 'Sum', 'Mean', 'Tile', 'Identity', 'AvgPool', 'Cast', 'FusedBatchNorm', 'Multiply', 'Add'];

const replacedStock = new Map<string, tf.KernelConfig>();

export interface VelaKernelOptions {
  /** Also replace the slow stock kernels (default true); false keeps stock where one exists. */
  replaceStock?: boolean;
}

/**
 * Registers Vela's wasm kernels (idempotent; calling again with another `replaceStock`
 * switches between stock and Vela kernels). Returns the names of those now registered.
 */
export function registerVelaKernels(options: VelaKernelOptions = {}): string[] {
  const replaceStock = options.replaceStock ?? true;
  captureStockKernels(USED_STOCK);
  const names: string[] = [];
  for (const config of MISSING_KERNELS) {
    if (!tf.getKernel(config.kernelName, 'wasm')) tf.registerKernel(config);
    names.push(config.kernelName);
  }
  for (const config of REPLACED_KERNELS) {
    const registered = tf.getKernel(config.kernelName, 'wasm');
    const isVela = registered?.kernelFunc === config.kernelFunc;
    if (replaceStock && !isVela) {
      if (registered) {
        replacedStock.set(config.kernelName, registered);
        tf.unregisterKernel(config.kernelName, 'wasm');
      }
      // The stock kernel's setup (binding its wasm function) runs when the backend starts,
      // for whichever config is registered then: Vela's calls the stock kernel, so it
      // carries the stock setup.
      tf.registerKernel({ ...config, setupFunc: replacedStock.get(config.kernelName)?.setupFunc });
    } else if (!replaceStock && isVela) {
      tf.unregisterKernel(config.kernelName, 'wasm');
      const stock = replacedStock.get(config.kernelName);
      if (stock) tf.registerKernel(stock);
    }
    if (replaceStock) names.push(config.kernelName);
  }
  names.push(...registerVelaGradients(replaceStock).map((k) => `${k}Grad`));
  return names;
}
