// Writes where Vela's one-epoch run (one-epoch-accuracy.ts) starts from, for
// torch-from-vela-start.py to train the anchor's PyTorch epoch from the same place: the
// anchor ResNet's initial weights as the Trainer builds them for a seed, and the order in
// which FashionMnist's training split feeds that seed's first epoch.
//
//   node -r @swc-node/register benchmarks/trainer/vela-start.ts [--seed N] [--out FILE]
//     --seed N    the trainer's and the dataset's seed (default 0)
//     --out FILE  default vela-start-seed<N>.json
//
// JSON: {seed, layers: [{name, class, weights: [{name, shape, values}]}], order: [...]};
// layers in the model's order, weights in tfjs layout (NHWC kernels [kh, kw, in, out]).
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { type ImageDataset, createDataset } from '@vela/datasets';
import { NetworkDesc } from '@vela/networks';

const DESC = { modules: ['backbone'], backbone: { type: 'ResNet', depth: 18, stages: 3, base_channel: 16, num_class: 10 } };

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const option = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const seed = Number(option('--seed') ?? 0);
  const out = option('--out') ?? `vela-start-seed${seed}.json`;
  await tf.setBackend('cpu');
  const model = new NetworkDesc(DESC).toModel({ inputShape: [28, 28, 1], seed });
  const train = createDataset({ type: 'FashionMnist', common: { batch_size: 128, train_portion: 1.0, seed } }, 'train') as ImageDataset;
  const layers = model.layers.map((layer) => ({
    name: layer.name,
    class: layer.getClassName(),
    weights: layer.weights.map((w) => ({ name: w.originalName, shape: w.shape, values: Array.from(w.read().dataSync()) })),
  }));
  fs.writeFileSync(out, JSON.stringify({ seed, source: train.source, layers, order: Array.from(train.order(0)) }));
  model.dispose();
  console.log(`wrote ${out}: ${layers.length} layers, ${train.size} indices`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
