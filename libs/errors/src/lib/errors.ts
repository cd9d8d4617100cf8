/**
 * The domain's error vocabulary. Libs throw these; `@vela/grpc-server` maps each to its
 * canonical gRPC status code in one place (as Vizier's `handle_exception`). Messages name
 * the field and what was allowed (AIP-193), e.g. `objectives[1].value: must be a finite
 * number, got NaN`.
 */
export type ErrorKind =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'ABORTED'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export abstract class VelaError extends Error {
  abstract readonly kind: ErrorKind;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The request is malformed: a field is missing, out of range or of the wrong type. */
export class InvalidArgumentError extends VelaError {
  readonly kind = 'INVALID_ARGUMENT' as const;
  /** The path of the offending field, e.g. `record.objectives[0].value`, when there is one. */
  readonly field?: string;
  constructor(message: string, field?: string) {
    super(field && !message.startsWith(field) ? `${field}: ${message}` : message);
    this.field = field;
  }
}

export class NotFoundError extends VelaError {
  readonly kind = 'NOT_FOUND' as const;
}

export class AlreadyExistsError extends VelaError {
  readonly kind = 'ALREADY_EXISTS' as const;
}

/** The request is well formed but the system is not in a state to accept it (e.g. a stale attempt). */
export class FailedPreconditionError extends VelaError {
  readonly kind = 'FAILED_PRECONDITION' as const;
}

/** A concurrency conflict (e.g. a lost lease); the caller may retry the whole operation. */
export class AbortedError extends VelaError {
  readonly kind = 'ABORTED' as const;
}

export class UnauthenticatedError extends VelaError {
  readonly kind = 'UNAUTHENTICATED' as const;
}

export class PermissionDeniedError extends VelaError {
  readonly kind = 'PERMISSION_DENIED' as const;
}

export class ResourceExhaustedError extends VelaError {
  readonly kind = 'RESOURCE_EXHAUSTED' as const;
}

export class UnavailableError extends VelaError {
  readonly kind = 'UNAVAILABLE' as const;
}

export class InternalError extends VelaError {
  readonly kind = 'INTERNAL' as const;
}

/** Several independent problems found at once (e.g. every error of a config file). */
export class ValidationErrors extends InvalidArgumentError {
  constructor(readonly problems: readonly string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} problems:\n  ${problems.join('\n  ')}`);
  }
}
