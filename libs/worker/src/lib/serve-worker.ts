import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { VelaError } from '@vela/errors';
import type { ServiceSettings } from '@vela/grpc-server';
import { HealthImplementation } from 'grpc-health-check';
import { batchedLog } from './batched-log';
import { claimHostWorkerId } from './host-worker-id';
import { TrainerWorker } from './trainer-worker';
import { workerSettingsFromEnv } from './worker-settings';

export interface WorkerServeOptions extends ServiceSettings {
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
  /**
   * When the worker cannot go on (its token is refused): default, print the reason and exit
   * the process with status 1, as a service that fails at start does.
   */
  readonly onFatal?: (error: VelaError) => void;
}

export interface RunningWorker {
  /** Where its gRPC health endpoint listens (`grpc.health.v1`, for container probes). */
  readonly address: string;
  readonly worker: TrainerWorker;
  /** Drains, deregisters and closes (what SIGTERM does). */
  stop(): Promise<void>;
}

/**
 * Boots a trainer-worker: settings from the environment (workerSettingsFromEnv), the
 * worker's registration with the master, and a gRPC health endpoint on `host:port` (port 0
 * picks a free one) that reads SERVING while the worker runs. A worker serves no API of its
 * own; it only calls the master and Report. Used by `apps/trainer-worker` and `vela serve
 * worker` alike. Without VELA_WORKER_ID, workers running on one host at once get ids of
 * their own (claimHostWorkerId): the host name, then `<host>-2`, ...
 */
export async function serveWorker(options: WorkerServeOptions): Promise<RunningWorker> {
  const env = options.env ?? process.env;
  const fromEnv = workerSettingsFromEnv({ ...env, ...(options.token ? { VELA_TOKEN: options.token } : {}) });
  const claimed = env['VELA_WORKER_ID'] ? undefined : claimHostWorkerId(fromEnv.workerId);
  const settings = claimed ? { ...fromEnv, workerId: claimed.id } : fromEnv;
  const log = options.log ?? batchedLog();
  if (claimed && claimed.id !== fromEnv.workerId) {
    log(`worker id '${claimed.id}': another worker on this host holds '${fromEnv.workerId}' (set VELA_WORKER_ID to choose one)`);
  }
  const onFatal =
    options.onFatal ??
    ((error: VelaError) => {
      process.stderr.write(`worker: ${error.message}\n`);
      process.exit(1);
    });
  const worker = new TrainerWorker({ settings, log, onFatal, version: process.env['npm_package_version'] });
  try {
    await worker.start();
  } catch (error) {
    claimed?.release();
    throw error;
  }
  const health = new HealthImplementation({ '': 'SERVING' });
  const server = new Server();
  health.addToServer(server);
  try {
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${options.host}:${options.port}`, ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    const address = `${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${port}`;
    let stopping: Promise<void> | undefined;
    return {
      address,
      worker,
      stop: () =>
        (stopping ??= (async () => {
          health.setStatus('', 'NOT_SERVING');
          await worker.stop();
          server.forceShutdown();
          claimed?.release();
        })()),
    };
  } catch (error) {
    await worker.stop();
    claimed?.release();
    throw error;
  }
}
