import { Command, InvalidArgumentError as CommanderArgumentError } from 'commander';
import { runUntilSignalled, serviceSettingsFromEnv } from '@vela/grpc-server';
import { serveGenerator } from '@vela/generator';
import { startLocalCluster } from '@vela/local-mode';
import { serveReport } from '@vela/report';
import { serveWorker } from '@vela/worker';

/** Exit codes scripts can rely on. */
const EXIT = { success: 0, failure: 1, usage: 2, interrupted: 130 } as const;

const SERVERS = { report: serveReport, generator: serveGenerator, worker: serveWorker } as const;
type ServerName = keyof typeof SERVERS;

const program = new Command()
  .name('vela')
  .description('Vela: neural architecture search and hyperparameter optimisation, Vega-style configs, one laptop or a GPU fleet.')
  .showHelpAfterError()
  .addHelpText('after', `\nExit codes: ${EXIT.success} success, ${EXIT.failure} the run or command failed, ${EXIT.usage} usage or config error, ${EXIT.interrupted} interrupted.`)
  .exitOverride((error) => process.exit(error.exitCode === 0 ? EXIT.success : EXIT.usage));

program
  .command('run')
  .description('Run a config on this machine: embedded Postgres (unless DATABASE_URL), every service as a local process.')
  .argument('[config]', 'the Vega-style YAML config', 'examples/default.yml')
  .option('--database-url <url>', 'use this Postgres instead of the embedded one')
  .action(async (config: string, options: { databaseUrl?: string }) => {
    const env = { ...process.env, ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}) };
    const cluster = await startLocalCluster({ env, log: (message) => process.stdout.write(`  ${message}\n`) });
    const embedded = cluster.database.embedded;
    process.stdout.write(
      [
        'Vela, local mode',
        `  database   ${embedded ? `embedded Postgres, data in ${embedded.dataDir}` : 'DATABASE_URL'}`,
        ...Object.values(cluster.services).map((service) => `  ${service.name.padEnd(10)} ${service.address} (serving)`),
        `Only the database and the Report service exist so far: the pipeline master, generator and`,
        `trainer-workers come next, so ${config} was not run yet.`,
        '',
      ].join('\n'),
    );
    if (process.stdin.isTTY) {
      process.stdout.write('Serving until Ctrl-C.\n');
      await runUntilSignalled('vela', { address: Object.values(cluster.services)[0].address, stop: cluster.stop });
    } else {
      await cluster.stop();
    }
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
