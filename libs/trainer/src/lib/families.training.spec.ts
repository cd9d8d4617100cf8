import * as tf from '@tensorflow/tfjs';
import { initCompute } from '@vela/compute';
import { Trainer } from '../index';
import { InMemoryReporter } from '../testing';

// Every network family takes gradient steps on the default backend (wasm with Vela's kernels):
// a family whose layers lack a gradient there fails here, not in a trial.
beforeAll(async () => {
  tf.env().set('IS_TEST', true);
  await initCompute({ backend: 'wasm', log: () => undefined });
});

const dataset = { type: 'Synthetic', common: { num_samples: 32, num_test: 16, image_size: [16, 16, 3], num_class: 4, batch_size: 16, seed: 2 } };
const darts = {
  normal: [['sep_conv_3x3', 0], ['dil_conv_3x3', 1], ['skip_connect', 0], ['avg_pool_3x3', 2]],
  reduce: [['max_pool_3x3', 0], ['dil_conv_5x5', 1], ['skip_connect', 2], ['sep_conv_5x5', 0]],
};

describe.each([
  ['ResNet', { type: 'ResNet', depth: 18, stages: 2, base_channel: 4, num_class: 4 }],
  ['ResNet (bottleneck, ImageNet stem)', { type: 'ResNet', depth: 50, stages: 1, base_channel: 4, small_input: false, num_class: 4 }],
  ['PruneResNet', { type: 'PruneResNet', chn: [4, 4, 8], chn_node: [4, 4, 8, 8], num_blocks: [1, 1, 1], num_classes: 4 }],
  ['SimpleCnn', { type: 'SimpleCnn', blocks: 1, channels: 8, num_class: 4 }],
  ['VGG', { type: 'VGG', cfg: [8, 'M', 16, 'M'], num_class: 4 }],
  ['MLP', { type: 'MLP', hidden_units: [16], batch_norm: true, dropout: 0.1, num_class: 4 }],
  ['ResNetGeneral + LinearClassificationHead', { modules: ['backbone', 'head'], backbone: { type: 'ResNetGeneral', base_depth: 18, stage: 1, base_channel: 4 }, head: { type: 'LinearClassificationHead', num_classes: 4 } }],
  ['DartsNetwork', { type: 'DartsNetwork', init_channels: 4, layers: 3, num_classes: 4, genotype: darts }],
])('%s', (_name, desc) => {
  it('trains: finite losses, weights move, no leaked tensors', async () => {
    const reporter = new InMemoryReporter();
    const config = { epochs: 1, seed: 3, optimizer: { type: 'SGD', params: { lr: 0.05, momentum: 0.9 } }, lr_scheduler: { type: 'StepLR', params: { step_size: 5 } } };
    const before = tf.memory().numTensors;
    const trainer = new Trainer({ dataset, desc, config, reporter, log: () => undefined });
    const initial = trainer.model.getWeights().map((w) => w.dataSync().slice());
    await trainer.train();
    const moved = trainer.model.getWeights().some((w, i) => w.dataSync().some((v, j) => v !== initial[i][j]));
    trainer.dispose();
    expect(Number.isFinite(reporter.records[0].trainLoss)).toBe(true);
    expect(Number.isFinite(reporter.records[0].validLoss)).toBe(true);
    expect(moved).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });
});
