import { InvalidArgumentError } from '@vela/errors';

/** Vela's services and the ports they listen on unless told otherwise. */
export const DEFAULT_PORTS = { pipeline: 50051, generator: 50052, report: 50053, dashboard: 8080, worker: 0 } as const;
export type ServiceName = keyof typeof DEFAULT_PORTS;

export interface ServiceSettings {
  readonly host: string;
  readonly port: number;
  /** The shared token every call must carry; unset only on a trusted single-user machine. */
  readonly token?: string;
}

/**
 * Settings every service reads the same way: `VELA_HOST` (default 127.0.0.1),
 * `VELA_<SERVICE>_PORT` (default DEFAULT_PORTS; 0 picks a free port), `VELA_TOKEN`.
 */
export function serviceSettingsFromEnv(service: ServiceName, env: NodeJS.ProcessEnv = process.env): ServiceSettings {
  const portVariable = `VELA_${service.toUpperCase()}_PORT`;
  const rawPort = env[portVariable];
  const port = rawPort === undefined || rawPort === '' ? DEFAULT_PORTS[service] : Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`must be a port number between 0 and 65535, got '${rawPort}'`, portVariable);
  }
  return { host: env['VELA_HOST'] || '127.0.0.1', port, token: env['VELA_TOKEN'] || undefined };
}

/**
 * Runs a started service until SIGINT or SIGTERM, then stops it gracefully; a second signal
 * exits at once. Logs the address line `<service> listening on <address>` that local mode
 * and scripts wait for.
 */
export async function runUntilSignalled(service: string, running: { address: string; stop(): Promise<void> }): Promise<void> {
  process.stdout.write(`${service} listening on ${running.address}\n`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(130);
      stopping = true;
      process.stdout.write(`${service}: ${signal}, stopping\n`);
      running.stop().then(resolve, (error: unknown) => {
        process.stderr.write(`${service}: stop failed: ${String(error)}\n`);
        process.exit(1);
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/**
 * What every process that serves does first (serviceMain, `vela serve`): a stray rejection (a
 * query that lost its connection in a background loop) is logged, not fatal: the loops
 * retry, and a service that exits would take its callers down with it.
 */
export function logStrayRejections(label: string): void {
  process.on('unhandledRejection', (reason) => process.stderr.write(`${label}: unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`));
}

/**
 * The whole `main` of a service process: start it, serve until a signal, exit 0; on any
 * error print one line `<service>: <message>` and exit 1. Every `apps/<svc>/src/main.ts` is
 * this one call.
 */
export function serviceMain(service: ServiceName, start: (settings: ServiceSettings) => Promise<{ address: string; stop(): Promise<void> }>): void {
  logStrayRejections(service);
  Promise.resolve()
    .then(() => start(serviceSettingsFromEnv(service)))
    .then((running) => runUntilSignalled(service, running))
    .then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${service}: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
}
