// Training throughput of the anchor's small ResNet (../shared/anchors/torch_train_bench.py)
// in TensorFlow.js on the wasm backend: stock kernels where possible against Vela's kernels,
// beside PyTorch's figure measured in the same run where python3-torch is installed.
//
//   node -r @swc-node/register benchmarks/trainer/resnet-fashion.ts [options]
//     --steps N      timed training steps per repetition (default 30)
//     --stock-steps N  the same for the stock configuration, which is slow (default 10)
//     --warmup N     untimed steps first (default 5)
//     --reps N       repetitions per configuration, median reported (default 3)
//     --configs a,b  stock (the three missing gradients only) and/or vela (default both)
//     --torch        also run the PyTorch anchor with 1 thread (needs Debian's python3-torch)
//     --profile      print the kernels taking most time in one training step
//     --json FILE    also write the results there
//
// Prints a table and one JSON object. Data: Fashion-MNIST IDX files from Debian's
// dataset-fashion-mnist when present (FASHION_MNIST_DIR overrides), else random data of
// the same shape (throughput does not depend on the values).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { initCompute, registerVelaKernels } from '@vela/compute';
import { NetworkDesc } from '@vela/networks';

const BATCH = 128;
const MEAN = 0.286;
const STD = 0.353;
const DATA_DIR = process.env['FASHION_MNIST_DIR'] ?? '/usr/share/datasets/fashion-mnist';
const TORCH_ANCHOR_1T = 255; // images/s, ../shared/anchors/RESULTS.md
const TORCH_SCRIPT = path.resolve(__dirname, '../../../shared/anchors/torch_train_bench.py');

interface Args {
  steps: number;
  stockSteps: number;
  warmup: number;
  reps: number;
  configs: string[];
  torch: boolean;
  profile: boolean;
  json?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { steps: 30, stockSteps: 10, warmup: 5, reps: 3, configs: ['stock', 'vela'], torch: false, profile: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--steps') args.steps = Number(argv[++i]);
    else if (a === '--stock-steps') args.stockSteps = Number(argv[++i]);
    else if (a === '--warmup') args.warmup = Number(argv[++i]);
    else if (a === '--reps') args.reps = Number(argv[++i]);
    else if (a === '--configs') args.configs = argv[++i].split(',');
    else if (a === '--torch') args.torch = true;
    else if (a === '--profile') args.profile = true;
    else if (a === '--json') args.json = argv[++i];
    else throw new Error(`unknown option ${a}`);
  }
  return args;
}

function readIdx(file: string): { dims: number[]; data: Uint8Array } {
  const raw = zlib.gunzipSync(fs.readFileSync(file));
  const ndim = raw[3];
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(raw.readUInt32BE(4 + 4 * i));
  return { dims, data: new Uint8Array(raw.buffer, raw.byteOffset + 4 + 4 * ndim, dims.reduce((a, b) => a * b, 1)) };
}

interface Data {
  source: string;
  images: Float32Array; // normalised, [n, 28, 28, 1]
  labels: Int32Array;
  n: number;
}

function loadData(): Data {
  const images = path.join(DATA_DIR, 'train-images-idx3-ubyte.gz');
  const labels = path.join(DATA_DIR, 'train-labels-idx1-ubyte.gz');
  if (fs.existsSync(images) && fs.existsSync(labels)) {
    const x = readIdx(images);
    const y = readIdx(labels);
    const px = new Float32Array(x.data.length);
    for (let i = 0; i < px.length; i++) px[i] = (x.data[i] / 255 - MEAN) / STD;
    return { source: DATA_DIR, images: px, labels: Int32Array.from(y.data), n: x.dims[0] };
  }
  const n = 60 * BATCH;
  let seed = 1;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const px = new Float32Array(n * 784).map(() => (rand() - MEAN) / STD);
  return { source: 'random (no IDX files found)', images: px, labels: Int32Array.from({ length: n }, () => Math.floor(rand() * 10)), n };
}

/**
 * The anchor's network as trials build it (`@vela/networks`' ResNet: PyTorch's symmetric
 * padding, initialisation and batch norm): stem, 3 stages x 2 basic blocks (16/32/64), GAP,
 * dense 10.
 */
const ANCHOR = new NetworkDesc({ modules: ['backbone'], backbone: { type: 'ResNet', depth: 18, stages: 3, base_channel: 16, num_class: 10 } });

function buildResNet(): tf.LayersModel {
  return ANCHOR.toModel({ inputShape: [28, 28, 1], seed: 0 });
}

function trainableParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((s, w) => s + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

class Batches {
  private order: Int32Array;
  private next = 0;
  constructor(private readonly data: Data) {
    let seed = 7;
    this.order = Int32Array.from({ length: data.n }, (_, i) => i);
    for (let i = this.order.length - 1; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const j = seed % (i + 1);
      [this.order[i], this.order[j]] = [this.order[j], this.order[i]];
    }
  }
  batch(): { x: tf.Tensor4D; y: tf.Tensor2D } {
    if (this.next + BATCH > this.data.n) this.next = 0;
    const xs = new Float32Array(BATCH * 784);
    const ys = new Int32Array(BATCH);
    for (let i = 0; i < BATCH; i++) {
      const k = this.order[this.next + i];
      xs.set(this.data.images.subarray(k * 784, (k + 1) * 784), i * 784);
      ys[i] = this.data.labels[k];
    }
    this.next += BATCH;
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d(ys, 'int32'), 10).toFloat() as tf.Tensor2D);
    return { x: tf.tensor4d(xs, [BATCH, 28, 28, 1]), y };
  }
}

function trainStep(model: tf.LayersModel, opt: tf.Optimizer, batches: Batches): number {
  const { x, y } = batches.batch();
  const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor), true) as tf.Scalar;
  const value = loss.dataSync()[0];
  tf.dispose([x, y, loss]);
  return value;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface ConfigResult {
  config: string;
  steps: number;
  kernels: string[];
  train_images_per_s: { median: number; reps: number[] };
  /** Images per second of process CPU time: what one idle core would do, robust to a shared machine. */
  train_images_per_cpu_s: { median: number; reps: number[] };
  forward_images_per_s: { median: number; reps: number[] };
  final_loss: number;
  tensors_after: number;
}

async function runConfig(name: string, args: Args, data: Data): Promise<ConfigResult> {
  if (name !== 'stock' && name !== 'vela') throw new Error(`unknown configuration ${name} (stock or vela)`);
  const kernels = registerVelaKernels({ replaceStock: name === 'vela' });
  const steps = name === 'stock' ? args.stockSteps : args.steps;
  const trainReps: number[] = [];
  const fwdReps: number[] = [];
  const trainCpuReps: number[] = [];
  let loss = NaN;
  for (let r = 0; r < args.reps; r++) {
    const model = buildResNet();
    const opt = tf.train.momentum(0.1, 0.9);
    const batches = new Batches(data);
    for (let i = 0; i < args.warmup; i++) trainStep(model, opt, batches);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < steps; i++) loss = trainStep(model, opt, batches);
    const train = (steps * BATCH) / ((performance.now() - t0) / 1000);
    trainReps.push(train);
    const c1 = process.cpuUsage(c0);
    trainCpuReps.push((steps * BATCH) / ((c1.user + c1.system) / 1e6));
    const fwdSteps = Math.max(5, Math.round(steps / 2));
    const { x, y } = batches.batch();
    y.dispose();
    tf.tidy(() => (model.apply(x, { training: false }) as tf.Tensor).dataSync());
    const t1 = performance.now();
    for (let i = 0; i < fwdSteps; i++) tf.tidy(() => (model.apply(x, { training: false }) as tf.Tensor).dataSync());
    const fwd = (fwdSteps * BATCH) / ((performance.now() - t1) / 1000);
    fwdReps.push(fwd);
    x.dispose();
    process.stderr.write(
      `${name} rep ${r}: train ${train.toFixed(1)} img/s (${trainCpuReps[r].toFixed(1)} per CPU second), forward ${fwd.toFixed(1)} img/s, loss ${loss.toFixed(3)}\n`,
    );
    if (args.profile && r === 0) await profileStep(model, opt, batches);
    opt.dispose();
    model.dispose();
  }
  return {
    config: name,
    steps,
    kernels,
    train_images_per_s: { median: median(trainReps), reps: trainReps },
    train_images_per_cpu_s: { median: median(trainCpuReps), reps: trainCpuReps },
    forward_images_per_s: { median: median(fwdReps), reps: fwdReps },
    final_loss: loss,
    tensors_after: tf.memory().numTensors,
  };
}

async function profileStep(model: tf.LayersModel, opt: tf.Optimizer, batches: Batches): Promise<void> {
  // Three profiled steps; each kernel call's time is the minimum over them, and kernels are
  // timed in process CPU time (tfjs times them with platform.now), as the machine is shared.
  const platform = tf.env().platform;
  const wallNow = platform.now.bind(platform);
  platform.now = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const runs: { key: string; name: string; ms: number }[][] = [];
  for (let r = 0; r < 3; r++) {
    const info = await tf.profile(() => {
      trainStep(model, opt, batches);
    });
    runs.push(
      info.kernels.map((k) => ({
        key: `${k.name} ${JSON.stringify(k.inputShapes)}`,
        name: k.name,
        ms: Number(k.kernelTimeMs) || 0,
      })),
    );
  }
  platform.now = wallNow;
  const calls = runs[0].map((c, i) => ({ ...c, ms: Math.min(...runs.map((run) => run[i]?.ms ?? c.ms)) }));
  const group = (keyOf: (c: { key: string; name: string }) => string) => {
    const m = new Map<string, { ms: number; n: number }>();
    for (const c of calls) {
      const e = m.get(keyOf(c)) ?? { ms: 0, n: 0 };
      e.ms += c.ms;
      e.n += 1;
      m.set(keyOf(c), e);
    }
    return [...m.entries()].sort((a, b) => b[1].ms - a[1].ms);
  };
  const total = calls.reduce((s, c) => s + c.ms, 0);
  process.stderr.write(`profile (one step, ${total.toFixed(0)} ms CPU in kernels, min of 3; nested op wrappers count twice):\n`);
  for (const [name, e] of group((c) => c.name).slice(0, 16)) {
    process.stderr.write(`  ${name.padEnd(36)} ${e.ms.toFixed(1).padStart(8)} ms ${((100 * e.ms) / total).toFixed(1).padStart(5)}%  x${e.n}\n`);
  }
  process.stderr.write('by kernel and input shapes:\n');
  for (const [key, e] of group((c) => c.key).slice(0, 45)) {
    process.stderr.write(`  ${e.ms.toFixed(1).padStart(8)} ms  x${e.n}  ${key}\n`);
  }
}

function runTorch(args: Args): { train_1t: number; forward_1t: number } | { skipped: string } {
  const python = '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return { skipped: `python3-torch not importable by ${python}` };
  // The anchor script measures 2 then 1 threads; only its 1-thread figures compare with one wasm process.
  const res = spawnSync(python, [TORCH_SCRIPT, '--reps', String(args.reps), '--warmup', '5', '--steps', String(args.steps), '--no-epoch'], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (res.status !== 0) return { skipped: `torch_train_bench.py failed: ${res.stderr.slice(-500)}` };
  const out = JSON.parse(res.stdout);
  return { train_1t: out.train_images_per_s.threads_1.median, forward_1t: out.forward_images_per_s.threads_1.median };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const compute = await initCompute({ backend: 'wasm', log: (l) => process.stderr.write(l + '\n') });
  const data = loadData();
  const probe = buildResNet();
  const params = trainableParams(probe);
  probe.dispose();
  process.stderr.write(`data: ${data.source} (${data.n} images); model: ${params} trainable params\n`);
  const results: ConfigResult[] = [];
  for (const c of args.configs) results.push(await runConfig(c, args, data));
  const torch = args.torch ? runTorch(args) : { skipped: 'not requested (--torch)' };
  const torchTrain = 'train_1t' in torch ? torch.train_1t : TORCH_ANCHOR_1T;
  const torchSource = 'train_1t' in torch ? 'measured in this run' : `anchor figure from RESULTS.md (${torch.skipped})`;
  const summary = {
    script: 'benchmarks/trainer/resnet-fashion.ts',
    node: process.version,
    compute,
    data: data.source,
    model: { trainable_params: params, batch: BATCH, optimizer: 'SGD lr 0.1 momentum 0.9' },
    steps: args.steps,
    warmup: args.warmup,
    reps: args.reps,
    // Ratios: wall clock against PyTorch's wall clock; and per CPU second (what an idle core
    // would do; the machine is shared) against the same PyTorch figure.
    results: results.map((r) => ({
      ...r,
      ratio_to_torch_1_thread: r.train_images_per_s.median / torchTrain,
      cpu_ratio_to_torch_1_thread: r.train_images_per_cpu_s.median / torchTrain,
    })),
    torch_1_thread: { train_images_per_s: torchTrain, source: torchSource, ...('forward_1t' in torch ? { forward_images_per_s: torch.forward_1t } : {}) },
  };
  process.stderr.write(`\nPyTorch 1 thread: ${torchTrain.toFixed(1)} training img/s (${torchSource})\n`);
  process.stderr.write('config   train img/s  (per CPU s)   forward img/s   vs torch (per CPU s)\n');
  for (const r of summary.results) {
    process.stderr.write(
      `${r.config.padEnd(8)} ${r.train_images_per_s.median.toFixed(1).padStart(11)} ${r.train_images_per_cpu_s.median.toFixed(1).padStart(12)} ` +
        `${r.forward_images_per_s.median.toFixed(1).padStart(15)}   ${r.ratio_to_torch_1_thread.toFixed(2)} (${r.cpu_ratio_to_torch_1_thread.toFixed(2)})\n`,
    );
  }
  const json = JSON.stringify(summary, null, 1);
  if (args.json) fs.writeFileSync(args.json, json + '\n');
  console.log(json);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
