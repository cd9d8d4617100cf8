import * as tf from '@tensorflow/tfjs';
import { initCompute } from './src';
const cpuT = (f: () => void, n = 6) => { f(); let best = 1e9; for (let k = 0; k < 3; k++) { const t = process.cpuUsage(); for (let i = 0; i < n; i++) f(); const d = process.cpuUsage(t); best = Math.min(best, (d.user + d.system) / 1000 / n); } return +best.toFixed(2); };
async function main() {
  await initCompute({ backend: 'wasm', log: () => {} });
  for (const [H, Ci, Co] of [[28, 16, 16], [14, 32, 32], [7, 64, 64]]) {
    const N = 128;
    const r: any = { H, Ci, Co };
    for (const nb of [128, 64, 32, 16, 8]) {
      const xs: tf.Tensor4D[] = [], ds: tf.Tensor4D[] = [];
      for (let c = 0; c < N / nb; c++) { xs.push(tf.randomNormal([Ci, H, H, nb])); ds.push(tf.randomNormal([H, H, nb, Co])); }
      r['nb' + nb] = cpuT(() => tf.tidy(() => { for (let c = 0; c < N / nb; c++) tf.conv2d(xs[c], tf.neg(ds[c]) as tf.Tensor4D, 1, [[0, 0], [1, 1], [1, 1], [0, 0]]).dataSync(); }));
      tf.dispose([...xs, ...ds]);
    }
    console.log(JSON.stringify(r));
  }
}
main();
