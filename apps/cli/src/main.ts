import { Command, InvalidArgumentError as CommanderArgumentError } from 'commander';
import { runUntilSignalled, serviceSettingsFromEnv } from '@vela/grpc-server';
import { serveGenerator } from '@vela/generator';
import { runLocally } from '@vela/local-mode';
import { servePipeline } from '@vela/pipeline';
import { serveReport } from '@vela/report';
import { serveWorker } from '@vela/worker';

/** Exit codes scripts can rely on. */
const EXIT = { success: 0, failure: 1, usage: 2, interrupted: 130 } as const;

const SERVERS = { pipeline: servePipeline, generator: serveGenerator, report: serveReport, worker: serveWorker } as const;
type ServerName = keyof typeof SERVERS;

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new CommanderArgumentError(`must be a positive integer, got '${value}'`);
  return number;
}

const program = new Command()
  .name('vela')
  .description('Vela: neural architecture search and hyperparameter optimisation, Vega-style configs, one laptop or a GPU fleet.')
  .showHelpAfterError()
  .addHelpText('after', `\nExit codes: ${EXIT.success} success, ${EXIT.failure} the run or command failed, ${EXIT.usage} usage or config error, ${EXIT.interrupted} interrupted.`)
  .exitOverride((error) => process.exit(error.exitCode === 0 ? EXIT.success : EXIT.usage));

program
  .command('run')
  .description('Run a config on this machine: embedded Postgres (unless DATABASE_URL), every service and trainer-workers as local processes.')
  .argument('[config]', 'the Vega-style YAML config', 'examples/default.yml')
  .option('--database-url <url>', 'use this Postgres instead of the embedded one')
  .option('--workers <n>', 'trainer-workers to start', positiveInteger, 1)
  .option('--slots <n>', 'training processes per worker (default: one per core)', positiveInteger)
  .option('--set <key=value...>', 'override config values, e.g. --set hpo.trainer.epochs=2', (value: string, all: string[] = []) => [...all, value])
  .option('--verbose', "show the services' own logs")
  .action(async (config: string, options: { databaseUrl?: string; workers: number; slots?: number; set?: string[]; verbose?: boolean }) => {
    const interrupted = new AbortController();
    process.once('SIGINT', () => interrupted.abort());
    process.once('SIGTERM', () => interrupted.abort());
    const result = await runLocally({
      configPath: config,
      overrides: options.set,
      env: { ...process.env, ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}) },
      workers: options.workers,
      slotsPerWorker: options.slots,
      out: (line) => process.stdout.write(`${line}\n`),
      log: (message) => process.stdout.write(`  ${message}\n`),
      onOutput: options.verbose ? (service, line) => process.stdout.write(`  [${service}] ${line}\n`) : undefined,
      signal: interrupted.signal,
    });
    if (interrupted.signal.aborted) process.exit(EXIT.interrupted);
    if (!result.succeeded) process.exit(EXIT.failure);
  });

program
  .command('serve')
  .description('Serve one Vela service in the foreground, configured by environment: VELA_HOST, VELA_<SERVICE>_PORT, VELA_TOKEN, DATABASE_URL.')
  .argument('<service>', `one of: ${Object.keys(SERVERS).join(', ')}`, (value: string) => {
    if (!(value in SERVERS)) throw new CommanderArgumentError(`unknown service '${value}'; choose one of: ${Object.keys(SERVERS).join(', ')}`);
    return value as ServerName;
  })
  .option('--host <host>', 'address to listen on (default VELA_HOST or 127.0.0.1)')
  .option('--port <port>', 'port to listen on, 0 for a free one (default VELA_<SERVICE>_PORT)')
  .action(async (service: ServerName, options: { host?: string; port?: string }) => {
    const settings = serviceSettingsFromEnv(service, {
      ...process.env,
      ...(options.host ? { VELA_HOST: options.host } : {}),
      ...(options.port !== undefined ? { [`VELA_${service.toUpperCase()}_PORT`]: options.port } : {}),
    });
    await runUntilSignalled(service, await SERVERS[service](settings));
  });

program.parseAsync(process.argv).then(
  () => process.exit(EXIT.success),
  (error: unknown) => {
    process.stderr.write(`vela: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof Error && 'kind' in error && error.kind === 'INVALID_ARGUMENT' ? EXIT.usage : EXIT.failure);
  },
);
