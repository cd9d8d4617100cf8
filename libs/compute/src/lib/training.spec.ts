// End to end: gradients of a small conv net on wasm (Vela's kernels) equal the cpu
// backend's, and repeated training steps leak no tensors.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initCompute } from './backend';
import { registerVelaGradients } from './kernels/gradients';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}

const SHAPES: Record<string, number[]> = {
  stem: [3, 3, 2, 8],
  dw: [3, 3, 8, 2],
  pw: [1, 1, 16, 12],
  gamma: [12],
  beta: [12],
  dense: [12, 5],
};

function initialValues(): Record<string, Float32Array> {
  const r = rng(11);
  const out: Record<string, Float32Array> = {};
  for (const [k, shape] of Object.entries(SHAPES)) {
    out[k] = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (k === 'gamma' ? 1 + r() * 0.2 : r()));
  }
  return out;
}

/** conv 3x3 stride 2 -> depthwise 3x3 (multiplier 2) -> pointwise 1x1 -> batch norm -> relu -> mean -> dense. */
function loss(v: Record<string, tf.Variable>, x: tf.Tensor4D, y: tf.Tensor2D): tf.Scalar {
  let h: tf.Tensor4D = tf.relu(tf.conv2d(x, v.stem as tf.Tensor4D, 2, 'same'));
  h = tf.depthwiseConv2d(h, v.dw as tf.Tensor4D, 1, 'same');
  h = tf.conv2d(h, v.pw as tf.Tensor4D, 1, 'valid');
  const { mean, variance } = tf.moments(h, [0, 1, 2]);
  h = tf.relu(tf.batchNorm4d(h, mean as tf.Tensor1D, variance as tf.Tensor1D, v.beta as tf.Tensor1D, v.gamma as tf.Tensor1D, 1e-5));
  const logits = tf.matMul(tf.mean(h, [1, 2]), v.dense as tf.Tensor2D);
  return tf.losses.softmaxCrossEntropy(y, logits);
}

function batch(seed: number): { x: Float32Array; y: Float32Array } {
  const r = rng(seed);
  const x = Float32Array.from({ length: 6 * 9 * 9 * 2 }, () => r() * 2);
  const y = new Float32Array(6 * 5);
  for (let i = 0; i < 6; i++) y[i * 5 + (i % 5)] = 1;
  return { x, y };
}

async function gradsOn(backend: 'wasm' | 'cpu'): Promise<Record<string, Float32Array>> {
  await tf.setBackend(backend);
  const init = initialValues();
  const vars: Record<string, tf.Variable> = {};
  for (const [k, shape] of Object.entries(SHAPES)) vars[k] = tf.variable(tf.tensor(init[k], shape), true, `${backend}_${k}`);
  const { x, y } = batch(3);
  const xt = tf.tensor4d(x, [6, 9, 9, 2]);
  const yt = tf.tensor2d(y, [6, 5]);
  const { grads, value } = tf.variableGrads(() => loss(vars, xt, yt), Object.values(vars));
  const out: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(vars)) out[k] = grads[v.name].dataSync() as Float32Array;
  tf.dispose([...Object.values(grads), value, xt, yt, ...Object.values(vars)]);
  return out;
}

beforeAll(async () => {
  await initCompute({ backend: 'wasm', log: () => undefined });
});

it('gradients of a small conv net on wasm (Vela kernels and gradients) match cpu with tfjs-core gradients', async () => {
  const wasm = await gradsOn('wasm');
  registerVelaGradients(false);
  const cpu = await gradsOn('cpu');
  registerVelaGradients(true);
  for (const k of Object.keys(SHAPES)) {
    const scale = Math.max(...Array.from(cpu[k], Math.abs));
    const worst = Math.max(...Array.from(cpu[k], (c, i) => Math.abs(c - wasm[k][i])));
    expect({ k, rel: worst / scale < 1e-4 }).toEqual({ k, rel: true });
  }
});

it('training steps on wasm leave the tensor count and the backend buffers flat', async () => {
  await tf.setBackend('wasm');
  const backend = tf.backend() as BackendWasm;
  const init = initialValues();
  const vars: Record<string, tf.Variable> = {};
  for (const [k, shape] of Object.entries(SHAPES)) vars[k] = tf.variable(tf.tensor(init[k], shape), true, `leak_${k}`);
  const opt = tf.train.momentum(0.05, 0.9);
  const step = (i: number) => {
    const { x, y } = batch(100 + i);
    const xt = tf.tensor4d(x, [6, 9, 9, 2]);
    const yt = tf.tensor2d(y, [6, 5]);
    const cost = opt.minimize(() => loss(vars, xt, yt), true) as tf.Scalar;
    const v = cost.dataSync()[0];
    tf.dispose([xt, yt, cost]);
    return v;
  };
  const first = step(0); // creates the optimizer's momentum slots
  const tensors = tf.memory().numTensors;
  const buffers = backend.numDataIds();
  let last = first;
  for (let i = 1; i <= 8; i++) {
    last = step(i % 2);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(buffers);
  }
  expect(last).toBeLessThan(first);
  opt.dispose();
  tf.dispose(Object.values(vars));
});

describe("Vela's FusedBatchNorm gradient equals tfjs-core's", () => {
  // (tfjs-core differentiates batchNorm only with both scale and offset given, and with
  // rank-1 statistics: those are the cases it can be compared on.)
  const shape: [number, number, number, number] = [3, 4, 4, 5];
  const r = rng(21);
  const data = (n: number, shift = 0) => Float32Array.from({ length: n }, () => r() + shift);
  const xs = data(240);
  const w = data(240);
  const stats = [data(5), data(5, 1), data(5), data(5, 1)]; // mean, variance, offset, scale

  async function grads(backend: 'wasm' | 'cpu', statShape: number[]): Promise<Float32Array[]> {
    await tf.setBackend(backend);
    const x = tf.tensor4d(xs, shape);
    const weights = tf.tensor4d(w, shape);
    const [mean, variance, offset, scale] = stats.map((v) => tf.tensor(v, statShape));
    const f = (a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) =>
      tf.sum(tf.mul(tf.batchNorm(a, m, v, o, s, 1e-3), weights));
    const gs = tf.grads(f as (...t: tf.Tensor[]) => tf.Tensor)([x, mean, variance, offset, scale]);
    const out = gs.map((g) => g.dataSync() as Float32Array);
    tf.dispose([...gs, x, weights, mean, variance, offset, scale]);
    return out;
  }

  it('per-channel statistics', async () => {
    const statShape = [5];
    const vela = await grads('wasm', statShape);
    registerVelaGradients(false);
    const stock = await grads('cpu', statShape);
    registerVelaGradients(true);
    expect(vela).toHaveLength(5);
    stock.forEach((want, i) => {
      const scale = Math.max(...Array.from(want, Math.abs));
      const worst = Math.max(...Array.from(want, (v, j) => Math.abs(v - vela[i][j])));
      expect({ input: i, ok: worst / scale < 1e-4 }).toEqual({ input: i, ok: true });
    });
  });
});

describe('dilated convolutions train (tfjs-core rejects their gradients)', () => {
  /** Zero-filled dilated filter from differentiable ops: the reference's forward graph. */
  function dilateDiff(w: tf.Tensor4D, dh: number, dw: number): tf.Tensor4D {
    const [kh, kw, a, b] = w.shape;
    let t: tf.Tensor = w;
    if (dh > 1) {
      t = tf.stack([t, ...Array.from({ length: dh - 1 }, () => tf.zerosLike(t))], 1).reshape([kh * dh, kw, a, b]);
      t = tf.slice(t, [0, 0, 0, 0], [(kh - 1) * dh + 1, kw, a, b]);
    }
    if (dw > 1) {
      const eh = t.shape[0] as number;
      t = tf.stack([t, ...Array.from({ length: dw - 1 }, () => tf.zerosLike(t))], 2).reshape([eh, kw * dw, a, b]);
      t = tf.slice(t, [0, 0, 0, 0], [eh, (kw - 1) * dw + 1, a, b]);
    }
    return t as tf.Tensor4D;
  }

  const cases = [
    { depthwise: false, x: [2, 9, 9, 3], w: [3, 3, 3, 4], d: [2, 2], pad: 'same' },
    { depthwise: false, x: [2, 10, 9, 2], w: [3, 2, 2, 3], d: [2, 3], pad: 'valid' },
    { depthwise: true, x: [2, 10, 10, 3], w: [3, 3, 3, 2], d: [2, 2], pad: 'same' },
    { depthwise: true, x: [1, 11, 9, 2], w: [5, 3, 2, 1], d: [2, 3], pad: 'valid' },
  ] as const;

  it.each(cases.map((c) => [`${c.depthwise ? 'depthwise' : 'conv2d'} x ${c.x} w ${c.w} dilations ${c.d} ${c.pad}`, c] as const))(
    '%s',
    async (_, c) => {
      const r = rng(33);
      const xs = Float32Array.from({ length: c.x.reduce((p: number, q) => p * q, 1) }, () => r());
      const ws = Float32Array.from({ length: c.w.reduce((p: number, q) => p * q, 1) }, () => r());
      const conv = (x: tf.Tensor4D, w: tf.Tensor4D, d: [number, number]) =>
        c.depthwise ? tf.depthwiseConv2d(x, w, 1, c.pad, 'NHWC', d) : tf.conv2d(x, w, 1, c.pad, 'NHWC', d);
      const run = async (backend: 'wasm' | 'cpu', reference: boolean) => {
        await tf.setBackend(backend);
        const x = tf.tensor4d(xs, [...c.x] as [number, number, number, number]);
        const w = tf.tensor4d(ws, [...c.w] as [number, number, number, number]);
        const f = (a: tf.Tensor, b: tf.Tensor) => {
          const y = reference ? conv(a as tf.Tensor4D, dilateDiff(b as tf.Tensor4D, c.d[0], c.d[1]), [1, 1]) : conv(a as tf.Tensor4D, b as tf.Tensor4D, [c.d[0], c.d[1]]);
          return tf.sum(tf.mul(y, tf.sin(tf.range(0, y.size).reshape(y.shape))));
        };
        const gs = tf.grads(f)([x, w]);
        const out = gs.map((g) => g.dataSync() as Float32Array);
        tf.dispose([...gs, x, w]);
        return out;
      };
      const vela = await run('wasm', false);
      const ref = await run('cpu', true);
      ref.forEach((want, i) => {
        const scale = Math.max(...Array.from(want, Math.abs));
        const worst = Math.max(...Array.from(want, (v, j) => Math.abs(v - vela[i][j])));
        expect({ input: i, ok: worst / scale < 1e-4 }).toEqual({ input: i, ok: true });
      });
    },
  );
});

it('a dilated separable conv layer (DARTS dil_conv) trains on wasm', async () => {
  await tf.setBackend('wasm');
  const model = tf.sequential({
    layers: [
      tf.layers.separableConv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same', useBias: false }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 2 }),
    ],
  });
  const x = tf.randomNormal([4, 8, 8, 3], 0, 1, 'float32', 5);
  const y = tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2);
  const opt = tf.train.sgd(0.1);
  const losses: number[] = [];
  for (let i = 0; i < 5; i++) {
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor), true) as tf.Scalar;
    losses.push(loss.dataSync()[0]);
    loss.dispose();
  }
  expect(losses[4]).toBeLessThan(losses[0]);
  tf.dispose([x, y]);
  opt.dispose();
  model.dispose();
});
