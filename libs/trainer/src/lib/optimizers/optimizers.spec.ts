import * as tf from '@tensorflow/tfjs';
import { registry } from '@vela/registry';
import { buildComponent } from '../../index';
import { useCpuBackend } from '../../testing';
import type { Optimizer } from '../trainer.types';

beforeAll(useCpuBackend);

const start = [1, -2, 0.5];
const gradients = [
  [0.5, -0.25, 1],
  [0.1, 0.3, -0.2],
  [-0.4, 0.2, 0.05],
];

/** Runs `steps` updates of the configured optimizer on one variable and returns its values. */
function run(config: unknown): number[] {
  const optimizer: Optimizer = buildComponent('optimizer', config, 'optimizer', (entry, args) => entry.factory(args));
  const variable = tf.variable(tf.tensor1d(start));
  for (const g of gradients) {
    const gradient = tf.tensor1d(g);
    optimizer.step([variable], [gradient]);
    gradient.dispose();
  }
  const values = [...variable.dataSync()];
  optimizer.dispose();
  variable.dispose();
  return values;
}

/** PyTorch's documented update rules, one element at a time, as the oracle. */
function oracle(update: (p: number, g: number, state: Record<string, number>, t: number) => number): number[] {
  return start.map((p0, i) => {
    const state: Record<string, number> = {};
    return gradients.reduce((p, g, t) => update(p, g[i], state, t + 1), p0);
  });
}

function expectClose(actual: number[], expected: number[]): void {
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
}

describe('optimizers (PyTorch semantics)', () => {
  it('SGD with momentum and weight decay', () => {
    const [lr, momentum, wd] = [0.1, 0.9, 0.01];
    expectClose(
      run({ type: 'SGD', params: { lr, momentum, weight_decay: wd } }),
      oracle((p, g, s) => {
        const d = g + wd * p;
        s['buf'] = s['buf'] === undefined ? d : momentum * s['buf'] + d;
        return p - lr * s['buf'];
      }),
    );
  });

  it('SGD with nesterov momentum', () => {
    const [lr, momentum] = [0.05, 0.8];
    expectClose(
      run({ type: 'SGD', lr, momentum, nesterov: true }),
      oracle((p, g, s) => {
        s['buf'] = s['buf'] === undefined ? g : momentum * s['buf'] + g;
        return p - lr * (g + momentum * s['buf']);
      }),
    );
  });

  const adam = (lr: number, wd: number, decoupled: boolean) => (p: number, g: number, s: Record<string, number>, t: number) => {
    const [b1, b2, eps] = [0.9, 0.999, 1e-8];
    if (decoupled) p *= 1 - lr * wd;
    const d = decoupled ? g : g + wd * p;
    s['m'] = b1 * (s['m'] ?? 0) + (1 - b1) * d;
    s['v'] = b2 * (s['v'] ?? 0) + (1 - b2) * d * d;
    return p - (lr * (s['m'] / (1 - b1 ** t))) / (Math.sqrt(s['v'] / (1 - b2 ** t)) + eps);
  };

  it('Adam with L2 weight decay', () => {
    expectClose(run({ type: 'Adam', params: { lr: 0.01, weight_decay: 0.1 } }), oracle(adam(0.01, 0.1, false)));
  });

  it('AdamW with decoupled weight decay (default 0.01)', () => {
    expectClose(run({ type: 'AdamW', params: { lr: 0.01 } }), oracle(adam(0.01, 0.01, true)));
  });

  it('RMSprop, centered, with momentum', () => {
    const [lr, alpha, eps, momentum] = [0.01, 0.99, 1e-8, 0.5];
    expectClose(
      run({ type: 'RMSprop', params: { lr, momentum, centered: true } }),
      oracle((p, g, s) => {
        s['sq'] = alpha * (s['sq'] ?? 0) + (1 - alpha) * g * g;
        s['avg'] = alpha * (s['avg'] ?? 0) + (1 - alpha) * g;
        s['buf'] = momentum * (s['buf'] ?? 0) + g / (Math.sqrt(s['sq'] - s['avg'] ** 2) + eps);
        return p - lr * s['buf'];
      }),
    );
  });

  it('saves and restores its state so that the next step is the same', () => {
    const make = () => buildComponent('optimizer', { type: 'Adam', params: { lr: 0.1 } }, 'optimizer', (entry, args) => entry.factory(args));
    const [a, b] = [make(), make()];
    const [va, vb] = [tf.variable(tf.tensor1d(start)), tf.variable(tf.tensor1d(start))];
    const g = tf.tensor1d(gradients[0]);
    a.step([va], [g]);
    const state = a.getState();
    b.setState(state, [vb]);
    tf.dispose([...state.tensors.values()]);
    vb.assign(va);
    a.step([va], [g]);
    b.step([vb], [g]);
    expect([...vb.dataSync()]).toEqual([...va.dataSync()]);
    a.dispose();
    b.dispose();
    tf.dispose([va, vb, g]);
  });

  it('registers every optimizer the issue names', () => {
    expect(registry.names('optimizer')).toEqual(expect.arrayContaining(['SGD', 'Adam', 'AdamW', 'RMSprop']));
  });
});
