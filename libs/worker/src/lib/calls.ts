import { status } from '@grpc/grpc-js';
import { UnauthenticatedError } from '@vela/errors';

/** The gRPC status code of a failed call, or undefined for anything else. */
export function grpcCode(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : undefined;
}

/** The server's message of a failed call (its `details`), else the error's message. */
export function callMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as { details?: unknown }).details === 'string' && (error as { details: string }).details) {
    return (error as { details: string }).details;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Failures a retry can cure: the peer is down or restarting, overloaded, or the call timed
 * out. Anything else (a refused argument, a fenced attempt, a wrong token) is an answer.
 */
export function isTransient(error: unknown): boolean {
  const code = grpcCode(error);
  return code === status.UNAVAILABLE || code === status.DEADLINE_EXCEEDED || code === status.RESOURCE_EXHAUSTED || code === status.ABORTED;
}

/** The lease this call acts under is gone: the master or Report fenced the attempt. */
export function isFenced(error: unknown): boolean {
  const code = grpcCode(error);
  return code === status.FAILED_PRECONDITION;
}

/** The one error that ends the worker: it cannot authenticate, so nothing it does can succeed. */
export function unauthenticated(error: unknown, service: string): UnauthenticatedError | undefined {
  if (grpcCode(error) !== status.UNAUTHENTICATED) return undefined;
  return new UnauthenticatedError(`${service} refused the worker's token (${callMessage(error)}); set VELA_TOKEN to the token the services were started with`);
}

export interface BackoffOptions {
  readonly initialMs?: number;
  readonly maxMs?: number;
}

/** Exponential backoff with jitter: 200 ms, doubling to 5 s by default. */
export class Backoff {
  private attempt = 0;
  constructor(private readonly options: BackoffOptions = {}) {}

  next(): number {
    const initial = this.options.initialMs ?? 200;
    const max = this.options.maxMs ?? 5000;
    const base = Math.min(max, initial * 2 ** this.attempt++);
    return Math.round(base * (0.75 + Math.random() * 0.5));
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Whether `promise` settled within `ms` (its timer is cleared either way, so it keeps no process alive). */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
