import * as tf from '@tensorflow/tfjs';
import { initCompute } from './src';
const cpuT = (f: () => void, n = 10) => { f(); let best = 1e9; for (let k = 0; k < 3; k++) { const t = process.cpuUsage(); for (let i = 0; i < n; i++) f(); const d = process.cpuUsage(t); best = Math.min(best, (d.user + d.system) / 1000 / n); } return +best.toFixed(2); };
async function main() {
  await initCompute({ backend: 'wasm', log: () => {} });
  const be = tf.backend() as any;
  for (const [H, C] of [[28, 16], [14, 32], [7, 64]]) {
    const x = tf.randomNormal([128, H, H, C]);
    const v = tf.randomNormal([C]);
    const v4 = tf.randomNormal([1, 1, 1, C]);
    const r: any = { H, C };
    r.mulXV = cpuT(() => tf.mul(x, v).dispose());
    r.mulVX = cpuT(() => tf.mul(v, x).dispose());
    r.mulV4X = cpuT(() => tf.mul(v4, x).dispose());
    r.mulXX = cpuT(() => tf.mul(x, x).dispose());
    r.subXV = cpuT(() => tf.sub(x, v).dispose());
    r.js = cpuT(() => {
      const out = be.makeOutput(x.shape, 'float32');
      const a = be.typedArrayFromHeap(x) as Float32Array, b = be.typedArrayFromHeap(v) as Float32Array, o = be.typedArrayFromHeap(out) as Float32Array;
      const n = a.length;
      for (let i = 0; i < n; i += C) for (let c = 0; c < C; c++) o[i + c] = a[i + c] * b[c];
      be.disposeData(out.dataId);
    });
    r.bn = cpuT(() => tf.batchNorm(x, tf.zeros([C]) as tf.Tensor1D, tf.ones([C]) as tf.Tensor1D, undefined, v as tf.Tensor1D, 0).dispose());
    console.log(JSON.stringify(r));
  }
}
main();
