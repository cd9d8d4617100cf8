import { status as GrpcStatus, Metadata, type ServiceError } from '@grpc/grpc-js';
import { type ErrorKind, VelaError } from '@vela/errors';

const CODE_OF_KIND: Record<ErrorKind, GrpcStatus> = {
  INVALID_ARGUMENT: GrpcStatus.INVALID_ARGUMENT,
  NOT_FOUND: GrpcStatus.NOT_FOUND,
  ALREADY_EXISTS: GrpcStatus.ALREADY_EXISTS,
  FAILED_PRECONDITION: GrpcStatus.FAILED_PRECONDITION,
  ABORTED: GrpcStatus.ABORTED,
  UNAUTHENTICATED: GrpcStatus.UNAUTHENTICATED,
  PERMISSION_DENIED: GrpcStatus.PERMISSION_DENIED,
  RESOURCE_EXHAUSTED: GrpcStatus.RESOURCE_EXHAUSTED,
  UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  INTERNAL: GrpcStatus.INTERNAL,
};

/**
 * The one place where domain errors become gRPC statuses (Vizier's `handle_exception`).
 * Anything that is not a VelaError is a bug: INTERNAL, with its message, logged by the caller.
 */
export function toServiceError(error: unknown): Partial<ServiceError> & { code: GrpcStatus; details: string } {
  if (isServiceError(error)) return error;
  if (error instanceof VelaError) {
    return { code: CODE_OF_KIND[error.kind], details: error.message, metadata: new Metadata() };
  }
  if (isDatabaseConnectionError(error)) {
    return { code: GrpcStatus.UNAVAILABLE, details: `the database is unreachable, retry: ${(error as Error).message}`, metadata: new Metadata() };
  }
  if (isDatabaseConflict(error)) {
    return { code: GrpcStatus.ABORTED, details: `the database aborted the statement for a concurrent one, retry: ${(error as Error).message}`, metadata: new Metadata() };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: GrpcStatus.INTERNAL, details: `internal error: ${message}`, metadata: new Metadata() };
}

/** How one item of a batch call went, as its answer carries it: 0 and no message, or the status a lone call would have failed with. */
export function itemStatus(answer: unknown): { code: number; message: string } {
  if (!(answer instanceof VelaError)) return { code: GrpcStatus.OK, message: '' };
  const { code, details } = toServiceError(answer);
  return { code, message: details };
}

function isServiceError(error: unknown): error is ServiceError {
  return typeof error === 'object' && error !== null && typeof (error as ServiceError).code === 'number' && 'details' in error;
}

/** Postgres SQLSTATEs and driver messages of a lost or refused connection (class 08, admin shutdown 57P0x). */
const CONNECTION_LOST = /\b(57P0[123]|08\d{3}|P1001|P1017|P2024)\b|connection (terminated|error|refused|is closed)|ECONNREFUSED|ECONNRESET|not queryable|can't reach database/i;

/**
 * True for errors that mean the database connection was lost or refused (a restart, a
 * failover, a dropped connection): callers retry them rather than fail, and gRPC callers get
 * UNAVAILABLE, which they retry.
 */
export function isDatabaseConnectionError(error: unknown): boolean {
  return causesMatch(error, CONNECTION_LOST);
}

/** Postgres SQLSTATEs of a statement aborted for a concurrent one (deadlock, serialization failure): run again, it succeeds. */
const CONFLICT = /\b(40P01|40001)\b|deadlock detected|could not serialize access/i;

/** True for a deadlock or serialization failure: the statement was rolled back and may simply be run again. */
export function isDatabaseConflict(error: unknown): boolean {
  return causesMatch(error, CONFLICT);
}

/** Whether the code or message of the error, or of one of its causes (drivers wrap them), matches. */
function causesMatch(error: unknown, pattern: RegExp): boolean {
  for (let current = error as { message?: unknown; code?: unknown; meta?: { code?: unknown }; cause?: unknown } | undefined, depth = 0; current && depth < 4; depth++) {
    const text = `${String(current.code ?? '')} ${String(current.meta?.code ?? '')} ${String(current.message ?? '')}`;
    if (pattern.test(text)) return true;
    current = current.cause as typeof current;
  }
  return false;
}

/** gRPC codes worth retrying: the neighbour is restarting, busy or briefly unreachable. */
const TRANSIENT_CODES = new Set([GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.RESOURCE_EXHAUSTED, GrpcStatus.ABORTED]);

/** An error a caller should retry later rather than treat as a failure: a transient gRPC status, a lost database connection or a conflict. */
export function isTransientError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return (typeof code === 'number' && TRANSIENT_CODES.has(code)) || isDatabaseConnectionError(error) || isDatabaseConflict(error);
}
