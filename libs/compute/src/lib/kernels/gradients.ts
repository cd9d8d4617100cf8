// Leaner gradients for the ops of batch norm in training.
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

const VELA_GRADIENTS: readonly tf.GradConfig[] = [meanGradConfig, fusedBatchNormGradConfig];
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
