import * as tf from '@tensorflow/tfjs';
import { buildComponent } from '../../index';
import { useCpuBackend } from '../../testing';
import type { Loss, Metric } from '../trainer.types';

beforeAll(useCpuBackend);

const loss = (config: unknown): Loss => buildComponent('loss', config, 'loss', (entry, args) => entry.factory(args));
const metric = (config: unknown): Metric => buildComponent('metric', config, 'metric', (entry, args) => entry.factory(args));

const logits = [
  [2, 1, 0],
  [0, 0, 3],
];
const labels = [0, 1];

function value(l: Loss): number {
  return tf.tidy(() => l.compute(tf.tensor2d(logits), tf.tensor1d(labels, 'int32')).dataSync()[0]);
}

const logSoftmax = (row: number[]) => {
  const log = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
  return row.map((v) => v - log);
};

describe('losses', () => {
  it('CrossEntropyLoss is the mean negative log-likelihood, with label smoothing', () => {
    const nll = -(logSoftmax(logits[0])[0] + logSoftmax(logits[1])[1]) / 2;
    expect(value(loss('CrossEntropyLoss'))).toBeCloseTo(nll, 5);
    const eps = 0.3;
    const smoothed = -logits.map((row, i) => logSoftmax(row).reduce((s, lp, c) => s + ((c === labels[i] ? 1 - eps : 0) + eps / 3) * lp, 0)).reduce((a, b) => a + b) / 2;
    expect(value(loss({ type: 'CrossEntropy', params: { label_smoothing: eps } }))).toBeCloseTo(smoothed, 5);
  });

  it('MSELoss and L1Loss compare against one-hot labels', () => {
    const onehot = [
      [1, 0, 0],
      [0, 1, 0],
    ];
    const diffs = logits.flatMap((row, i) => row.map((v, c) => v - onehot[i][c]));
    expect(value(loss('MSELoss'))).toBeCloseTo(diffs.reduce((s, d) => s + d * d, 0) / 6, 5);
    expect(value(loss('L1'))).toBeCloseTo(diffs.reduce((s, d) => s + Math.abs(d), 0) / 6, 5);
  });
});

describe('metrics', () => {
  it('accuracy: top-1 alone, or named per k', () => {
    const top1 = metric('accuracy');
    const topk = metric({ type: 'accuracy', params: { topk: [1, 2] } });
    tf.tidy(() => {
      for (const m of [top1, topk]) m.update(tf.tensor2d(logits), tf.tensor1d(labels, 'int32'));
    });
    expect(top1.summary()).toEqual({ accuracy: 0.5 });
    expect(topk.summary()).toEqual({ top1_accuracy: 0.5, top2_accuracy: 0.5 });
    top1.reset();
    expect(top1.summary()).toEqual({ accuracy: 0 });
  });

  it('mse and mae accumulate over batches', () => {
    const mse = metric('mse');
    const mae = metric('mae');
    tf.tidy(() => {
      for (const m of [mse, mae]) {
        m.update(tf.tensor2d([[1], [3]]), tf.tensor1d([0, 0]));
        m.update(tf.tensor2d([[2]]), tf.tensor1d([4]));
      }
    });
    expect(mse.summary()).toEqual({ mse: (1 + 9 + 4) / 3 });
    expect(mae.summary()).toEqual({ mae: 2 });
    expect(mse.objective).toBe('MIN');
  });
});
