import * as os from 'node:os';
import { BACKEND_CHOICES, type BackendChoice } from '@vela/compute';
import { assertResourceId } from '@vela/contracts';
import { InvalidArgumentError } from '@vela/errors';
import { DEFAULT_PORTS, pluginModules } from '@vela/grpc-server';

/** Everything a trainer-worker is configured with (see workerSettingsFromEnv). */
export interface WorkerSettings {
  /** The master (PipelineService), `host:port`. */
  readonly pipelineAddress: string;
  /** The Report service, `host:port`. */
  readonly reportAddress: string;
  /** The shared token every call carries; unset only on a trusted single-user machine. */
  readonly token?: string;
  /** The stable id the worker registers under; a restart with the same id gets its leases back. */
  readonly workerId: string;
  readonly hostname: string;
  /** Training processes on a host without GPUs; one trial per slot. */
  readonly cpuSlots: number;
  readonly memoryBytes: number;
  readonly labels: Readonly<Record<string, string>>;
  /** The backend each training process asks `@vela/compute` for. */
  readonly backend: BackendChoice;
  /** How long AcquireTrials may wait for work, in ms (the master caps it). */
  readonly acquireWaitMs: number;
  /** On SIGTERM, how long held trials get to reach a step boundary and deliver their records, in ms. */
  readonly drainMs: number;
  /** The shortest time between two progress reports of a trial, in ms (0: every epoch at once). */
  readonly progressIntervalMs: number;
  /**
   * While trials train for less than this on average (ms), a CPU worker leases trials ahead
   * (leaseAheadPerSlot per slot), so a slot starts its next trial without waiting for the master; 0 never.
   */
  readonly leaseAheadBelowMs: number;
  /** How many trials a CPU worker leases ahead per slot while trials are short. */
  readonly leaseAheadPerSlot: number;
  /** Modules every training process loads first, so they can register trainers, networks, datasets, ... */
  readonly plugins: readonly string[];
}

/** A worker id derived from the host name: stable across restarts, valid as a resource id. */
export function defaultWorkerId(hostname = os.hostname()): string {
  const cleaned = hostname.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9_]+/, '').slice(0, 120);
  return cleaned || 'worker';
}

/**
 * Reads a worker's settings from the environment:
 *
 * | variable | default |
 * |---|---|
 * | `VELA_PIPELINE_ADDRESS` | `127.0.0.1:50051` |
 * | `VELA_REPORT_ADDRESS` | `127.0.0.1:50053` |
 * | `VELA_TOKEN` | none |
 * | `VELA_WORKER_ID` | the host name (serveWorker gives more workers running on the host at once `<host>-2`, ...) |
 * | `VELA_WORKER_CPU_SLOTS` | one per core (used when no GPU is visible) |
 * | `VELA_WORKER_MEMORY_BYTES` | the host's total memory |
 * | `VELA_WORKER_LABELS` | none; `key=value,key=value` |
 * | `VELA_WORKER_BACKEND` | `auto` (tensorflow where installed, else wasm) |
 * | `VELA_WORKER_ACQUIRE_WAIT_MS` | 5000 |
 * | `VELA_WORKER_DRAIN_MS` | 30000 |
 * | `VELA_WORKER_PROGRESS_MS` | 1000 (the shortest time between two progress reports of a trial) |
 * | `VELA_WORKER_LEASE_AHEAD_BELOW_MS` | 500 (lease trials ahead while trials train shorter than this on average; 0: never) |
 * | `VELA_WORKER_LEASE_AHEAD` | 1 (trials leased ahead per CPU slot then: one waits in the slot's training process; more wait in the worker; 0: none) |
 * | `VELA_PLUGINS` | none; comma-separated modules (package names, or paths from the working directory) each training process requires (the master and generator load them too) |
 *
 * A bad value throws InvalidArgumentError naming the variable.
 */
export function workerSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const hostname = os.hostname();
  const workerId = env['VELA_WORKER_ID'] || defaultWorkerId(hostname);
  try {
    assertResourceId(workerId, 'VELA_WORKER_ID');
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message.replace(/^VELA_WORKER_ID: /, '')}`, 'VELA_WORKER_ID');
  }
  const backend = (env['VELA_WORKER_BACKEND'] || 'auto') as BackendChoice;
  if (!BACKEND_CHOICES.includes(backend)) throw new InvalidArgumentError(`must be one of ${BACKEND_CHOICES.join(', ')}, got '${backend}'`, 'VELA_WORKER_BACKEND');
  return {
    pipelineAddress: address(env, 'VELA_PIPELINE_ADDRESS', DEFAULT_PORTS.pipeline),
    reportAddress: address(env, 'VELA_REPORT_ADDRESS', DEFAULT_PORTS.report),
    token: env['VELA_TOKEN'] || undefined,
    workerId,
    hostname,
    cpuSlots: integer(env, 'VELA_WORKER_CPU_SLOTS', os.availableParallelism(), 0),
    memoryBytes: integer(env, 'VELA_WORKER_MEMORY_BYTES', os.totalmem(), 0),
    labels: labels(env['VELA_WORKER_LABELS'] ?? ''),
    backend,
    acquireWaitMs: integer(env, 'VELA_WORKER_ACQUIRE_WAIT_MS', 5000, 0),
    drainMs: integer(env, 'VELA_WORKER_DRAIN_MS', 30000, 0),
    progressIntervalMs: integer(env, 'VELA_WORKER_PROGRESS_MS', 1000, 0),
    leaseAheadBelowMs: integer(env, 'VELA_WORKER_LEASE_AHEAD_BELOW_MS', 500, 0),
    leaseAheadPerSlot: integer(env, 'VELA_WORKER_LEASE_AHEAD', 1, 0),
    // Paths are resolved here: training processes run from the repository root.
    plugins: pluginModules(env),
  };
}

function address(env: NodeJS.ProcessEnv, variable: string, port: number): string {
  const value = env[variable] || `127.0.0.1:${port}`;
  if (!/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(value)) throw new InvalidArgumentError(`must be host:port, got '${value}'`, variable);
  return value;
}

function integer(env: NodeJS.ProcessEnv, variable: string, fallback: number, min: number): number {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) throw new InvalidArgumentError(`must be an integer >= ${min}, got '${raw}'`, variable);
  return value;
}

function labels(raw: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new InvalidArgumentError(`must be key=value pairs separated by commas, got '${pair}'`, 'VELA_WORKER_LABELS');
    result[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return result;
}
