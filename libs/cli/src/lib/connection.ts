import { status, type ServiceError } from '@grpc/grpc-js';
import { PipelineServiceService, ReportServiceService, type PipelineServiceServer, type ReportServiceServer } from '@vela/contracts';
import { DEFAULT_PORTS, createAsyncClient, type AsyncClient } from '@vela/grpc-server';
import { CliError, EXIT } from './exit-codes';

/** The `--pipeline-address`, `--report-address` and `--token` flags of the inspection commands. */
export interface ConnectionFlags {
  readonly pipelineAddress?: string;
  readonly reportAddress?: string;
  readonly token?: string;
}

export interface Connection {
  readonly pipelineAddress: string;
  readonly reportAddress: string;
  readonly token?: string;
}

/** Flags first, then the variables the services and workers read (VELA_PIPELINE_ADDRESS, ...), then the default ports on loopback. */
export function resolveConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): Connection {
  return {
    pipelineAddress: flags.pipelineAddress || env['VELA_PIPELINE_ADDRESS'] || `127.0.0.1:${DEFAULT_PORTS.pipeline}`,
    reportAddress: flags.reportAddress || env['VELA_REPORT_ADDRESS'] || `127.0.0.1:${DEFAULT_PORTS.report}`,
    token: flags.token || env['VELA_TOKEN'] || undefined,
  };
}

/** How long one call may take before the CLI gives up on a service. */
const CALL_TIMEOUT_MS = 15000;

type Target = 'pipeline' | 'report';

const TARGETS: Record<Target, { label: string; flag: string }> = {
  pipeline: { label: 'the master', flag: '--pipeline-address' },
  report: { label: 'Report', flag: '--report-address' },
};

/**
 * Clients for the master and Report, created on first use. Every call goes through
 * `pipeline(...)` / `report(...)`, which give it a deadline and turn a gRPC failure into a
 * one-line CliError that says what to do.
 */
export class ServiceConnection {
  private pipelineClient?: AsyncClient<PipelineServiceServer>;
  private reportClient?: AsyncClient<ReportServiceServer>;

  /** Options for every call: a deadline, so a silent service fails the command instead of hanging it. */
  readonly callOptions = { timeoutMs: CALL_TIMEOUT_MS };

  constructor(readonly settings: Connection) {}

  pipeline<T>(call: (client: AsyncClient<PipelineServiceServer>) => Promise<T>): Promise<T> {
    this.pipelineClient ??= createAsyncClient<PipelineServiceServer>(PipelineServiceService, 'vela.v1.PipelineService', this.settings.pipelineAddress, this.settings.token);
    return call(this.pipelineClient).catch((error: unknown) => {
      throw describeCallError(error, 'pipeline', this.settings.pipelineAddress);
    });
  }

  report<T>(call: (client: AsyncClient<ReportServiceServer>) => Promise<T>): Promise<T> {
    this.reportClient ??= createAsyncClient<ReportServiceServer>(ReportServiceService, 'vela.v1.ReportService', this.settings.reportAddress, this.settings.token);
    return call(this.reportClient).catch((error: unknown) => {
      throw describeCallError(error, 'report', this.settings.reportAddress);
    });
  }

  close(): void {
    this.pipelineClient?.close();
    this.reportClient?.close();
  }
}

/** A failed call as the one line a person can act on; anything that is not a gRPC status passes through. */
export function describeCallError(error: unknown, target: Target, address: string): unknown {
  if (!isServiceError(error)) return error;
  const { label, flag } = TARGETS[target];
  const code = status[error.code] ?? String(error.code);
  const details = (error.details || error.message).replace(/\s*\n\s*/g, '; ');
  switch (error.code) {
    case status.UNAVAILABLE:
      return new CliError(`cannot reach ${label} at ${address} (${code}); start it with \`vela serve ${target}\` or set ${flag}`);
    case status.DEADLINE_EXCEEDED:
      return new CliError(`${label} at ${address} did not answer within ${CALL_TIMEOUT_MS / 1000} s (${code}); check that it is running and reachable, or set ${flag}`);
    case status.UNAUTHENTICATED:
    case status.PERMISSION_DENIED:
      return new CliError(`${label} at ${address} refused the call (${code}: ${details}); set --token or VELA_TOKEN to the token the services run with`);
    case status.INVALID_ARGUMENT:
      return new CliError(`${details} (${code})`, EXIT.usage);
    default:
      return new ServiceCallError(`${label} at ${address}: ${details} (${code})`, error.code);
  }
}

/** A call the service answered with an error status the caller may want to tell apart (NOT_FOUND). */
export class ServiceCallError extends CliError {
  constructor(
    message: string,
    readonly code: status,
  ) {
    super(message);
  }
}

function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number' && 'details' in error;
}
