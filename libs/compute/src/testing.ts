// Test helpers for libs that train: start a backend without the log line.
import { BackendChoice, ComputeInfo, initCompute } from './lib/backend';

/** Starts `backend` (default wasm, Vela's kernels included) quietly, for a spec's beforeAll. */
export function initTestCompute(backend: BackendChoice = 'wasm'): Promise<ComputeInfo> {
  return initCompute({ backend, log: () => undefined });
}
