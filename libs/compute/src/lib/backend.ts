// Chooses the TensorFlow.js backend for a process, once, at start.
//
//   tensorflow  @tensorflow/tfjs-node-gpu, else @tensorflow/tfjs-node: libtensorflow, all
//               cores, CUDA where the gpu package is installed. Both download libtensorflow
//               when installed, so they are optional: looked up with a guarded require and
//               never installed on machines without network access (nor tested there).
//   wasm        @tensorflow/tfjs-backend-wasm (XNNPACK, SIMD; one thread in Node), with
//               Vela's kernels for the gradients it lacks. The default where tensorflow is
//               not installed.
//   cpu         the pure-JS reference backend: only when asked for (tests, debugging).
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { FailedPreconditionError, InvalidArgumentError } from '@vela/errors';
import { registerVelaGradients } from './kernels/gradients';
import { registerVelaKernels } from './kernels/register';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export type BackendChoice = 'auto' | BackendName;
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

export interface ComputeOptions {
  /** 'auto' (default): tensorflow where installed, else wasm. */
  backend?: BackendChoice;
  /** Receives the one line describing the choice; default console.log. */
  log?: (line: string) => void;
  /** For tests: pretend these packages are not installed. */
  unavailable?: readonly string[];
}

export interface ComputeInfo {
  backend: BackendName;
  /** Threads one training process computes with. */
  threads: number;
  /** What computes, in words: e.g. "cpu: AMD EPYC 7B13 (wasm simd, XNNPACK)". */
  device: string;
  /** GPUs this process can use (a worker advertises them as its capacity). */
  gpus: number;
  /** The package that provides the backend. */
  package: string;
  /** Vela's own kernels registered for this backend, and its gradients (`...Grad`). */
  velaKernels: string[];
}

const TFJS_NODE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

let current: ComputeInfo | undefined;
let wasmPathsSet = false;

/** The backend chosen by initCompute, or undefined before it ran. */
export function computeInfo(): ComputeInfo | undefined {
  return current;
}

function cpuModel(): string {
  const cpus = os.cpus();
  return cpus.length > 0 ? cpus[0].model.trim() : 'unknown cpu';
}

function installed(pkg: string, unavailable: readonly string[]): boolean {
  if (unavailable.includes(pkg)) return false;
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/** GPUs visible to CUDA: CUDA_VISIBLE_DEVICES where set, else `nvidia-smi -L`. */
function countGpus(): number {
  const visible = process.env['CUDA_VISIBLE_DEVICES'];
  if (visible !== undefined) return visible.trim() === '' || visible.trim() === '-1' ? 0 : visible.split(',').length;
  try {
    return execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 5000 })
      .split('\n')
      .filter((l) => l.startsWith('GPU ')).length;
  } catch {
    return 0;
  }
}

/**
 * Loads tfjs-node(-gpu), which registers the 'tensorflow' backend with tfjs-core on
 * require. Returns undefined where neither is installed.
 */
async function initTensorflow(unavailable: readonly string[]): Promise<ComputeInfo | undefined> {
  for (const pkg of TFJS_NODE_PACKAGES) {
    if (!installed(pkg, unavailable)) continue;
    require(pkg);
    if (!(await tf.setBackend('tensorflow'))) throw new FailedPreconditionError(`${pkg} is installed but its backend failed to start`);
    const gpus = pkg === '@tensorflow/tfjs-node-gpu' ? countGpus() : 0;
    return {
      backend: 'tensorflow',
      threads: os.cpus().length,
      device: gpus > 0 ? `gpu: ${gpus} CUDA device(s)` : `cpu: ${cpuModel()} (libtensorflow)`,
      gpus,
      package: pkg,
      velaKernels: [],
    };
  }
  return undefined;
}

async function initWasm(): Promise<ComputeInfo> {
  if (!wasmPathsSet) {
    // The .wasm binaries ship in the package's dist folder; naming it keeps the load
    // offline and independent of the working directory.
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
    wasm.setWasmPaths(dist + path.sep);
    wasmPathsSet = true;
  }
  const velaKernels = registerVelaKernels();
  if (!(await tf.setBackend('wasm'))) throw new FailedPreconditionError('the wasm backend failed to start');
  const threads = wasm.getThreadsCount();
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  return {
    backend: 'wasm',
    threads,
    device: `cpu: ${cpuModel()} (wasm${simd ? ' simd' : ''}, XNNPACK)`,
    gpus: 0,
    package: '@tensorflow/tfjs-backend-wasm',
    velaKernels,
  };
}

async function initCpu(): Promise<ComputeInfo> {
  if (!(await tf.setBackend('cpu'))) throw new FailedPreconditionError('the cpu backend failed to start');
  return { backend: 'cpu', threads: 1, device: `cpu: ${cpuModel()} (pure JS)`, gpus: 0, package: '@tensorflow/tfjs-backend-cpu', velaKernels: [] };
}

/**
 * Selects and starts the backend, logs the choice in one line and returns it, so each
 * training record can carry backend, threads and device.
 */
export async function initCompute(options: ComputeOptions = {}): Promise<ComputeInfo> {
  const choice = options.backend ?? 'auto';
  if (!BACKEND_CHOICES.includes(choice)) {
    throw new InvalidArgumentError(`unknown compute backend '${String(choice)}' (one of ${BACKEND_CHOICES.join(', ')})`, 'backend');
  }
  const unavailable = options.unavailable ?? [];
  let info: ComputeInfo | undefined;
  if (choice === 'auto' || choice === 'tensorflow') info = await initTensorflow(unavailable);
  if (!info && choice === 'tensorflow') {
    throw new FailedPreconditionError(`backend 'tensorflow' needs ${TFJS_NODE_PACKAGES.join(' or ')}, neither is installed`);
  }
  if (!info) info = choice === 'cpu' ? await initCpu() : await initWasm();
  if (info.backend !== 'wasm') {
    // Vela's gradients are backend-agnostic (same values as tfjs-core's, and dilated
    // convolutions become trainable): a model that trains on wasm trains everywhere.
    info.velaKernels = registerVelaGradients().map((k) => `${k}Grad`);
  }
  current = info;
  const log = options.log ?? ((line: string) => console.log(line));
  log(
    `compute: backend=${info.backend} threads=${info.threads} gpus=${info.gpus} device="${info.device}" package=${info.package}` +
      (info.velaKernels.length > 0 ? ` vela-kernels=${info.velaKernels.join(',')}` : ''),
  );
  return info;
}
