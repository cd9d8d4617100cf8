// Test accuracy after one epoch of the anchor's small ResNet (../shared/anchors/RESULTS.md:
// PyTorch 1.13 reaches 86.7%) trained with Vela's own stack: `@vela/trainer`'s Trainer on
// `@vela/datasets`' FashionMnist (the official 60,000 / 10,000 split from Debian's IDX files)
// on the wasm backend with Vela's kernels.
//
//   node -r @swc-node/register benchmarks/trainer/one-epoch-accuracy.ts [--seed N] [--json FILE] [--data PATH] [--report-freq N]
//     --seed N         seeds the initializers and the shuffling (default 0)
//     --json FILE      also write the summary there
//     --data PATH      the IDX files' folder (default: FashionMnist's, Debian's dataset-fashion-mnist)
//     --report-freq N  a progress line every N steps (default 50)
//
// Settings, as the anchor: ResNet (3 stages of 2 basic blocks, 16/32/64 channels, 174,970
// parameters), batch 128, SGD lr 0.1 momentum 0.9, CrossEntropyLoss, no augmentation,
// ToTensor + Normalize(0.2860, 0.3530), one epoch over all 60,000 training images
// (train_portion 1: no validation split), then the whole 10,000-image test split through
// `trainer.evaluate`. Prints images/s over the epoch, wall time, test accuracy and the
// difference to PyTorch's 86.7%, then one JSON object. Takes 10 to 15 minutes at ~100 images/s.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initCompute } from '@vela/compute';
import { createDataset } from '@vela/datasets';
import { type EpochRecord, Trainer } from '@vela/trainer';

const TORCH_ACCURACY = 0.867; // ../shared/anchors/RESULTS.md, one epoch, same settings
const TORCH_EPOCH_SECONDS = 135; // the anchor's epoch (2 threads)
const ANCHOR_PARAMS = 174_970;
const MEAN = 0.286; // the anchor's normalisation (FashionMnist's default as well)
const STD = 0.353;

interface Args {
  seed: number;
  json?: string;
  data?: string;
  reportFreq: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { seed: 0, reportFreq: 50 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seed') args.seed = Number(argv[++i]);
    else if (a === '--json') args.json = argv[++i];
    else if (a === '--data') args.data = argv[++i];
    else if (a === '--report-freq') args.reportFreq = Number(argv[++i]);
    else throw new Error(`unknown option ${a}`);
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const compute = await initCompute({ backend: 'wasm' });
  const transforms = [{ type: 'ToTensor' }, { type: 'Normalize', mean: [MEAN], std: [STD] }];
  const dataset = {
    type: 'FashionMnist',
    common: { batch_size: 128, train_portion: 1.0, seed: args.seed, transforms, ...(args.data ? { data_path: args.data } : {}) },
    test: { shuffle: false },
  };
  const records: EpochRecord[] = [];
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const trainer = new Trainer({
    dataset,
    desc: { modules: ['backbone'], backbone: { type: 'ResNet', depth: 18, stages: 3, base_channel: 16, num_class: 10 } },
    config: {
      epochs: 1,
      seed: args.seed,
      with_valid: false,
      report_freq: args.reportFreq,
      optimizer: { type: 'SGD', params: { lr: 0.1, momentum: 0.9 } },
      loss: { type: 'CrossEntropyLoss' },
      metric: { type: 'accuracy' },
    },
    reporter: { report: (record) => void records.push(record) },
    log: (line) => console.log(`  ${line}`),
  });
  const { paramCount, macs } = trainer.statistics;
  console.log(`model: ${paramCount} trainable parameters (anchor ${ANCHOR_PARAMS}), ${(macs / 1e6).toFixed(1)} M MACs per image`);
  if (paramCount !== ANCHOR_PARAMS) console.log(`WARNING: the parameter count differs from the anchor's ${ANCHOR_PARAMS}`);
  const train = trainer.datasets.train;
  console.log(`data: ${train.source}; train ${train.size} images in ${train.numBatches} batches of ${train.batchSize}`);

  const epochStarted = performance.now();
  const epochCpu = process.cpuUsage();
  const result = await trainer.train();
  const epochWall = (performance.now() - epochStarted) / 1000;
  const epochCpuSeconds = cpuSeconds(process.cpuUsage(epochCpu));
  if (result.status !== 'succeeded') throw new Error(`training ended ${result.status}: ${result.message ?? ''}`);
  const record = records[records.length - 1];

  const test = createDataset(dataset, 'test');
  const evaluation = await trainer.evaluate(test);
  const wall = (performance.now() - started) / 1000;
  const totalCpu = cpuSeconds(process.cpuUsage(cpuStarted));
  const accuracy = evaluation.performance['accuracy'];
  const leaked = tf.memory().numTensors;
  trainer.dispose();

  const summary = {
    script: 'benchmarks/trainer/one-epoch-accuracy.ts',
    node: process.version,
    seed: args.seed,
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    loadavg: os.loadavg().map((l) => Number(l.toFixed(2))),
    compute: { backend: compute.backend, threads: compute.threads, device: compute.device },
    params: paramCount,
    macs,
    trainImages: train.size,
    trainLoss: record.trainLoss,
    trainAccuracy: record.trainMetrics['accuracy'],
    epoch: {
      wallSeconds: round(epochWall),
      cpuSeconds: round(epochCpuSeconds),
      imagesPerSecond: round(train.size / epochWall),
      imagesPerCpuSecond: round(train.size / epochCpuSeconds),
      stepImagesPerSecond: round(record.timings.imagesPerSecond),
    },
    test: { images: evaluation.examples, accuracy, loss: evaluation.performance['loss'], seconds: round(evaluation.evaluateSeconds) },
    torch: { accuracy: TORCH_ACCURACY, epochSeconds: TORCH_EPOCH_SECONDS },
    accuracyDifferencePoints: round((accuracy - TORCH_ACCURACY) * 100),
    totalWallSeconds: round(wall),
    totalCpuSeconds: round(totalCpu),
    tensorsLeftBeforeDispose: leaked,
  };
  console.log('');
  console.log(`epoch:          ${train.size} images in ${epochWall.toFixed(1)} s wall = ${summary.epoch.imagesPerSecond} images/s (${summary.epoch.imagesPerCpuSecond} per CPU s; steps alone ${summary.epoch.stepImagesPerSecond})`);
  console.log(`train:          loss ${record.trainLoss?.toFixed(4)}, accuracy ${(100 * (summary.trainAccuracy ?? NaN)).toFixed(2)}% (running, over the epoch)`);
  console.log(`test:           accuracy ${(100 * accuracy).toFixed(2)}% on ${evaluation.examples} images, loss ${evaluation.performance['loss'].toFixed(4)} (${evaluation.evaluateSeconds.toFixed(1)} s)`);
  console.log(`vs PyTorch:     86.7% -> ${summary.accuracyDifferencePoints >= 0 ? '+' : ''}${summary.accuracyDifferencePoints.toFixed(2)} points (within a point: ${Math.abs(summary.accuracyDifferencePoints) <= 1 ? 'yes' : 'no'})`);
  console.log(`wall time:      ${wall.toFixed(1)} s in all (load, train, test); load average ${summary.loadavg.join(' ')}`);
  console.log(JSON.stringify(summary));
  if (args.json) fs.writeFileSync(args.json, JSON.stringify(summary, null, 1) + '\n');
}

function cpuSeconds(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1e6;
}

function round(x: number): number {
  return Number(x.toFixed(2));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
