import * as tf from '@tensorflow/tfjs';
import { initCompute } from './src';
const T = (f: () => void, n = 8) => { f(); let best = 1e9; for (let k = 0; k < 3; k++) { const t = performance.now(); for (let i = 0; i < n; i++) f(); best = Math.min(best, (performance.now() - t) / n); } return +best.toFixed(2); };
async function main() {
  await initCompute({ backend: 'wasm', log: () => {} });
  for (const [H, Ci, Co] of [[28, 16, 16], [14, 32, 32], [7, 64, 64]]) {
    const N = 128;
    const x = tf.randomNormal([N, H, H, Ci]) as tf.Tensor4D;
    const dy = tf.randomNormal([N, H, H, Co]) as tf.Tensor4D;
    const t4 = T(() => tf.transpose(x, [3, 1, 2, 0]).dispose());
    const t2 = T(() => tf.transpose(x.reshape([N, H * H * Ci]), [1, 0]).dispose());
    const tdy = T(() => tf.transpose(dy, [1, 2, 0, 3]).dispose());
    const xT = tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D;
    const x2 = tf.transpose(x.reshape([N, H * H * Ci]), [1, 0]).reshape([1, H, H * Ci, N]) as tf.Tensor4D;
    const dyT = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
    const convA = T(() => tf.tidy(() => { tf.conv2d(xT, tf.neg(dyT) as tf.Tensor4D, 1, [[0, 0], [1, 1], [1, 1], [0, 0]]).dataSync(); }));
    const convB = T(() => tf.tidy(() => { tf.conv2d(x2, tf.neg(dyT) as tf.Tensor4D, 1, [[0, 0], [1, 1], [Ci, Ci], [0, 0]], 'NHWC', [1, Ci]).dataSync(); }));
    const negc = T(() => tf.neg(dyT).dispose());
    const bf = T(() => (tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, Ci, Co] }) as tf.Tensor).dispose());
    const fwd = T(() => tf.tidy(() => { tf.conv2d(x, tf.randomNormal([3, 3, Ci, Co]) as tf.Tensor4D, 1, 'same').dataSync(); }));
    console.log(JSON.stringify({ H, Ci, Co, t4, t2, tdy, convA, convB, negc, bf, fwd }));
  }
}
main();
