import * as tf from '@tensorflow/tfjs';
import { useCpuBackend } from '../testing';
import { TorchBatchNorm } from './batch-norm.layer';
import { LayerFactory } from './layers';

beforeAll(useCpuBackend);

function modelOf(inputShape: number[], build: (input: tf.SymbolicTensor, layers: LayerFactory) => tf.SymbolicTensor, seed = 0): tf.LayersModel {
  const input = tf.input({ shape: inputShape });
  return tf.model({ inputs: input, outputs: build(input, new LayerFactory(seed)) });
}

describe('LayerFactory', () => {
  it("pads a strided convolution on every side, as PyTorch's padding=1: a 3x3 stride-2 window centres on the even pixels, with the 1x1 stride-2 shortcut", () => {
    const model = modelOf([4, 4, 1], (x, layers) => layers.conv(x, { filters: 1, kernelSize: 3, strides: 2 }));
    const conv = model.layers.find((layer) => layer.getClassName() === 'Conv2D') as tf.layers.Layer;
    const centreTap = tf.tensor4d([0, 0, 0, 0, 1, 0, 0, 0, 0], [3, 3, 1, 1]);
    conv.setWeights([centreTap]);
    const image = tf.range(0, 16).reshape([1, 4, 4, 1]);
    expect(model.outputs[0].shape).toEqual([null, 2, 2, 1]);
    // Pixels (0,0), (0,2), (2,0), (2,2); TensorFlow's `same` would take (1,1), (1,3), (3,1), (3,3).
    expect(Array.from((model.predict(image) as tf.Tensor).dataSync())).toEqual([0, 2, 8, 10]);
    model.dispose();
  });

  it("draws weights and biases from PyTorch's default U(±1/sqrt(fan_in))", () => {
    const model = modelOf([6, 6, 8], (x, layers) => layers.dense(layers.globalAvgPool(layers.conv(x, { filters: 32, kernelSize: 3, useBias: true })), 10));
    // Conv kernel and bias: fan-in 3 * 3 * 8; dense kernel and bias: 32.
    const fanIns = [72, 72, 32, 32];
    expect(model.trainableWeights.map((w) => w.originalName.split('/')[1])).toEqual(['kernel', 'bias', 'kernel', 'bias']);
    model.trainableWeights.forEach((weight, i) => {
      const bound = 1 / Math.sqrt(fanIns[i]);
      const max = Math.max(...Array.from(weight.read().dataSync(), Math.abs));
      expect(max).toBeLessThanOrEqual(bound);
      expect(max).toBeGreaterThan(0.8 * bound);
    });
    model.dispose();
  });
});

describe('TorchBatchNorm', () => {
  it('normalises with the batch statistics in training, keeps running ones from the unbiased variance, and uses them in inference', () => {
    const model = modelOf([2], (x, layers) => layers.batchNorm(x));
    const x = tf.tensor2d([1, 10, 3, 20, 5, 30, 7, 40], [4, 2]);
    const trained = model.apply(x, { training: true }) as tf.Tensor;
    // Column 0: mean 4, biased variance 5, unbiased 20/3.
    expect(Array.from(trained.dataSync()).filter((_, i) => i % 2 === 0)).toEqual([-3, -1, 1, 3].map((d) => expect.closeTo(d / Math.sqrt(5 + 1e-5), 5)));
    const [, , runningMean, runningVariance] = model.getWeights().map((w) => Array.from(w.dataSync()));
    expect(runningMean).toEqual([expect.closeTo(0.4, 5), expect.closeTo(2.5, 5)]);
    expect(runningVariance).toEqual([expect.closeTo(0.9 + 0.1 * (20 / 3), 5), expect.closeTo(0.9 + 0.1 * (500 / 3), 4)]);
    const inferred = model.apply(x, { training: false }) as tf.Tensor;
    expect(inferred.dataSync()[0]).toBeCloseTo((1 - 0.4) / Math.sqrt(runningVariance[0] + 1e-5), 5);
    model.dispose();
  });

  it('trains without gamma and beta (affine: false)', () => {
    const model = modelOf([3, 3, 2], (x, layers) => layers.batchNorm(layers.conv(x, { filters: 2, kernelSize: 3 }), false));
    expect(model.layers.some((layer) => layer instanceof TorchBatchNorm)).toBe(true);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const x = tf.randomNormal([4, 3, 3, 2], 0, 1, 'float32', 1);
    const { grads } = tf.variableGrads(() => (model.apply(x, { training: true }) as tf.Tensor).square().mean() as tf.Scalar, variables);
    expect(Object.keys(grads)).toHaveLength(1);
    model.dispose();
  });
});
