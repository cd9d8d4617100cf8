import { Command, InvalidArgumentError as CommanderArgumentError } from 'commander';
import {
  CliError,
  EXIT,
  EXIT_CODES_HELP,
  ServiceConnection,
  activeRunsStatus,
  cancelRun,
  listRuns,
  listWorkers,
  parseRunStates,
  renderOutput,
  resolveConnection,
  runReport,
  runStatus,
  serveAll,
  serveEnvironment,
  serveOne,
  submitRun,
  validateConfig,
  type CommandOutput,
  type ConnectionFlags,
  type ServeFlags,
  type ServiceStarter,
} from '@vela/cli';

// Services load on demand: `vela runs` should not pay for Nest, Prisma and TensorFlow.js.
const STARTERS: Record<'pipeline' | 'generator' | 'report' | 'worker' | 'dashboard', () => Promise<ServiceStarter>> = {
  pipeline: async () => (await import('@vela/pipeline')).servePipeline,
  generator: async () => (await import('@vela/generator')).serveGenerator,
  report: async () => (await import('@vela/report')).serveReport,
  worker: async () => (await import('@vela/worker')).serveWorker,
  dashboard: async () => (await import('@vela/dashboard')).serveDashboard,
};
type ServedService = keyof typeof STARTERS | 'all';
const SERVED = [...Object.keys(STARTERS), 'all'];

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new CommanderArgumentError(`must be a positive integer, got '${value}'`);
  return number;
}

const collect = (value: string, all: string[] = []) => [...all, value];

const program = new Command()
  .name('vela')
  .description('Vela: neural architecture search and hyperparameter optimisation, Vega-style configs, one laptop or a GPU fleet.')
  .showHelpAfterError()
  .addHelpText('after', `\n${EXIT_CODES_HELP}`)
  .exitOverride((error) => process.exit(error.exitCode === 0 ? EXIT.success : EXIT.usage));

program
  .command('run')
  .summary('run a config on this machine; Ctrl-C cancels it')
  .description('Run a config on this machine: embedded Postgres (unless DATABASE_URL), every service and trainer-workers as local processes. Ctrl-C cancels the run.')
  .argument('[config]', 'the Vega-style YAML config', 'examples/default.yml')
  .option('--database-url <url>', 'use this Postgres instead of the embedded one')
  .option('--workers <n>', 'trainer-workers to start', positiveInteger, 1)
  .option('--slots <n>', 'training processes per worker (default: the cores shared among the workers, at least one each)', positiveInteger)
  .option('--set <key=value...>', 'override config values, e.g. --set hpo.trainer.epochs=2', collect)
  .option('--verbose', "show the services' own logs")
  .addHelpText('after', `\n${EXIT_CODES_HELP}`)
  .action(async (config: string, options: { databaseUrl?: string; workers: number; slots?: number; set?: string[]; verbose?: boolean }) => {
    const { runLocally } = await import('@vela/local-mode');
    const interrupted = new AbortController();
    const interrupt = () => {
      if (interrupted.signal.aborted) process.stderr.write('vela: still stopping (cancelling the run, then the services); please wait\n');
      interrupted.abort();
    };
    process.on('SIGINT', interrupt);
    process.on('SIGTERM', interrupt);
    const result = await runLocally({
      configPath: config,
      overrides: options.set,
      env: { ...process.env, ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}) },
      workers: options.workers,
      slotsPerWorker: options.slots,
      terminal: process.stdout,
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
  .summary('serve a service, or all of them, in the foreground')
  .description(
    'Serve a Vela service in the foreground until Ctrl-C. `all` serves report, generator, pipeline and dashboard in this one process on one database (workers run where the GPUs are). ' +
      'Each flag stands for the variable in brackets, which the service reads when the flag is absent.',
  )
  .argument('<service>', `one of: ${SERVED.join(', ')}`, (value: string) => {
    if (!SERVED.includes(value)) throw new CommanderArgumentError(`unknown service '${value}'; choose one of: ${SERVED.join(', ')}`);
    return value as ServedService;
  })
  .option('--host <host>', 'address to listen on, 0.0.0.0 for other hosts [VELA_HOST, default 127.0.0.1]')
  .option('--port <port>', 'port to listen on, 0 for a free one; not with `all` [VELA_<SERVICE>_PORT, default 50051 pipeline, 50052 generator, 50053 report, 8080 dashboard]')
  .option('--token <token>', 'the shared secret every call must carry [VELA_TOKEN]')
  .option('--database-url <url>', 'the Postgres of pipeline, generator and report [DATABASE_URL, default the embedded one]')
  .option('--pipeline-address <host:port>', 'the master, for a worker and the dashboard [VELA_PIPELINE_ADDRESS]')
  .option('--report-address <host:port>', 'Report, for the master, a worker and the dashboard [VELA_REPORT_ADDRESS]')
  .option('--generator-address <host:port>', 'the generator, for the master [VELA_GENERATOR_ADDRESS]')
  .addHelpText('after', `\n${EXIT_CODES_HELP}`)
  .action(async (service: ServedService, flags: ServeFlags) => {
    const { logStrayRejections, runUntilSignalled } = await import('@vela/grpc-server');
    // Stray rejections logged as by apps/<service>/src/main.ts, which local mode runs: the
    // image runs this command, and a container should behave as the local process does.
    logStrayRejections(service === 'all' ? 'vela' : service);
    if (service !== 'all') {
      const env = serveEnvironment(service, flags);
      return runUntilSignalled(service, await serveOne(service, await STARTERS[service](), env));
    }
    if (flags.port !== undefined) throw new CliError('--port names one port; `vela serve all` takes VELA_PIPELINE_PORT, VELA_GENERATOR_PORT, VELA_REPORT_PORT and VELA_DASHBOARD_PORT', EXIT.usage);
    const starters = { report: await STARTERS.report(), generator: await STARTERS.generator(), pipeline: await STARTERS.pipeline(), dashboard: await STARTERS.dashboard() };
    const running = await serveAll(starters, serveEnvironment('all', flags), (line) => process.stdout.write(`${line}\n`));
    await runUntilSignalled('pipeline', running);
  });

program
  .command('validate')
  .summary('list every problem of a config with its line')
  .description('Check a config without running it: every problem, each with its file, line and YAML path. Plug-ins named by VELA_PLUGINS are loaded as the master loads them.')
  .argument('<config>', 'the Vega-style YAML config')
  .option('--set <key=value...>', 'override config values, as `vela run` does', collect)
  .option('--json', 'print the result as JSON')
  .addHelpText('after', `\n${EXIT_CODES_HELP}`)
  .action(async (config: string, options: { set?: string[]; json?: boolean }) => {
    // The kinds a config names (`type:`) are registered by the libs and plug-ins the master loads.
    const [{ loadPlugins, pluginModules }, { checkConfigBuilds }] = await Promise.all([import('@vela/grpc-server'), import('@vela/pipeline')]);
    loadPlugins(pluginModules());
    print(await validateConfig(config, options.set, checkConfigBuilds), options.json);
  });

const RUN_ARGUMENT = 'a run id, runs/<id>, or a unique prefix of the id';

/** The flags of every command that talks to a running master. */
function inspectionCommand(name: string, summary: string, description: string): Command {
  return program
    .command(name)
    .summary(summary)
    .description(description)
    .option('--pipeline-address <host:port>', 'the master [VELA_PIPELINE_ADDRESS, default 127.0.0.1:50051]')
    .option('--report-address <host:port>', 'Report [VELA_REPORT_ADDRESS, default 127.0.0.1:50053]')
    .option('--token <token>', 'the token the services run with [VELA_TOKEN]')
    .option('--json', 'print JSON for scripts instead of tables')
    .addHelpText('after', `\n${EXIT_CODES_HELP}`);
}

/** Runs `work` against the services the flags name, prints its output and closes the connection. */
async function inspect(flags: ConnectionFlags & { json?: boolean }, work: (connection: ServiceConnection) => Promise<CommandOutput>): Promise<void> {
  const connection = new ServiceConnection(resolveConnection(flags));
  try {
    print(await work(connection), flags.json);
  } finally {
    connection.close();
  }
}

function print(output: CommandOutput, json: boolean | undefined): void {
  const text = renderOutput(output, Boolean(json));
  if (output.exitCode && !json) process.stderr.write(text);
  else process.stdout.write(text);
  if (output.exitCode) process.exitCode = output.exitCode;
}

inspectionCommand('status', 'a run: steps, trial counts, why trials wait', 'Show a run: its steps, trial counts by state, why pending trials wait. Without RUN: the active runs, else the latest.')
  .argument('[run]', RUN_ARGUMENT)
  .action((run: string | undefined, flags: ConnectionFlags & { json?: boolean }) => inspect(flags, (connection) => (run ? runStatus(connection, run) : activeRunsStatus(connection))));

inspectionCommand('runs', 'the newest runs', 'List the newest runs.')
  .option('--limit <n>', 'how many', positiveInteger, 20)
  .option('--state <states>', 'only runs in these states, comma-separated: pending, running, succeeded, failed, cancelled')
  .action((flags: ConnectionFlags & { json?: boolean; limit: number; state?: string }) =>
    inspect(flags, (connection) => listRuns(connection, { limit: flags.limit, states: flags.state === undefined ? undefined : parseRunStates(flags.state) })),
  );

inspectionCommand('workers', 'the registered trainer-workers', 'List the registered trainer-workers: capacity, what is free, trials held, last heartbeat; with --all also those that left.')
  .option('--all', 'also the workers that deregistered and stopped (state LEFT)')
  .action((flags: ConnectionFlags & { json?: boolean; all?: boolean }) => inspect(flags, (connection) => listWorkers(connection, { all: flags.all ?? false })));

inspectionCommand('report', "a run's results or pareto fronts", "Show a run's trial results from Report, per step, or with --pareto each step's pareto front.")
  .argument('<run>', RUN_ARGUMENT)
  .option('--step <step>', 'only this step')
  .option('--pareto', 'only the results on the pareto front of the step objectives')
  .action((run: string, flags: ConnectionFlags & { json?: boolean; step?: string; pareto?: boolean }) => inspect(flags, (connection) => runReport(connection, run, flags)));

inspectionCommand('submit', 'start a run on a running master', "Create a run of a config on a running master (a deployment's); its workers train it. Prints the run's id.")
  .argument('<config>', 'the Vega-style YAML config')
  .option('--set <key=value...>', 'override config values, e.g. --set hpo.trainer.epochs=2', collect)
  .action((config: string, flags: ConnectionFlags & { json?: boolean; set?: string[] }) => inspect(flags, (connection) => submitRun(connection, config, flags.set)));

inspectionCommand('cancel', 'cancel a run', 'Cancel a run: pending trials are cancelled, running ones stop at their next step boundary.')
  .argument('<run>', RUN_ARGUMENT)
  .option('--reason <text>', 'kept as the run error', 'cancelled with `vela cancel`')
  .action((run: string, flags: ConnectionFlags & { json?: boolean; reason: string }) => inspect(flags, (connection) => cancelRun(connection, run, flags.reason)));

program.parseAsync(process.argv).then(
  () => process.exit(process.exitCode ?? EXIT.success),
  (error: unknown) => {
    process.stderr.write(`vela: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof CliError ? error.exitCode : error instanceof Error && 'kind' in error && error.kind === 'INVALID_ARGUMENT' ? EXIT.usage : EXIT.failure);
  },
);
