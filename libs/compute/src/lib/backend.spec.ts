import * as tf from '@tensorflow/tfjs';
import { FailedPreconditionError, InvalidArgumentError } from '@vela/errors';
import { computeInfo, initCompute } from './backend';

const quiet = { log: () => undefined };

describe('initCompute', () => {
  it('auto picks wasm where tfjs-node is not installed, one thread, and logs the choice', async () => {
    const lines: string[] = [];
    const info = await initCompute({ log: (l) => lines.push(l) });
    expect(info).toMatchObject({ backend: 'wasm', threads: 1, gpus: 0, package: '@tensorflow/tfjs-backend-wasm' });
    expect(info.device).toMatch(/^cpu: .*wasm/);
    expect(info.velaKernels).toEqual(expect.arrayContaining(['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput']));
    expect(tf.getBackend()).toBe('wasm');
    expect(computeInfo()).toEqual(info);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('backend=wasm threads=1');
  });

  it('auto falls back to wasm when the tensorflow packages are unavailable', async () => {
    const info = await initCompute({ ...quiet, backend: 'auto', unavailable: ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] });
    expect(info.backend).toBe('wasm');
  });

  it('cpu only when asked for', async () => {
    const info = await initCompute({ ...quiet, backend: 'cpu' });
    expect(info).toMatchObject({ backend: 'cpu', threads: 1, gpus: 0 });
    expect(info.velaKernels).toEqual(['MeanGrad', 'FusedBatchNormGrad', 'Conv2DGrad', 'DepthwiseConv2dNativeGrad']);
    expect(tf.getBackend()).toBe('cpu');
    await initCompute({ ...quiet, backend: 'wasm' });
    expect(tf.getBackend()).toBe('wasm');
  });

  it('tensorflow when not installed is a failed precondition naming the packages', async () => {
    await expect(initCompute({ ...quiet, backend: 'tensorflow' })).rejects.toThrow(FailedPreconditionError);
    await expect(initCompute({ ...quiet, backend: 'tensorflow' })).rejects.toThrow(/tfjs-node-gpu or @tensorflow\/tfjs-node/);
  });

  it('rejects an unknown backend name', async () => {
    await expect(initCompute({ ...quiet, backend: 'webgl' as never })).rejects.toThrow(InvalidArgumentError);
  });

  it('trains a conv layer on wasm (the gradients stock wasm lacks)', async () => {
    await initCompute({ ...quiet, backend: 'wasm' });
    const x = tf.ones([1, 4, 4, 1]);
    const f = tf.variable(tf.ones([3, 3, 1, 2]));
    const g = tf.grad((w: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same').sum())(f);
    expect(g.shape).toEqual([3, 3, 1, 2]);
    tf.dispose([x, f, g]);
  });
});
