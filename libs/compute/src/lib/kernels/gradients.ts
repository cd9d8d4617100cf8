// A leaner gradient for Mean (every batch norm's moments use it): tfjs-core's builds a
// full-size tensor of ones in JS, copies it to the backend and multiplies by it; here dy is
// scaled first (a per-channel vector) and broadcast once (a Tile). Same values.
import * as tf from '@tensorflow/tfjs';

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

let registered = false;

/** Registers Vela's gradients (once; they replace tfjs-core's for every backend). */
export function registerVelaGradients(): string[] {
  if (!registered) {
    tf.registerGradient(meanGradConfig);
    registered = true;
  }
  return ['Mean'];
}
