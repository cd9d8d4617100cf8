import type { ServerResponse } from 'node:http';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { VelaError, type ErrorKind } from '@vela/errors';
import type { ApiError } from '../api';

const HTTP_OF_KIND: Partial<Record<ErrorKind, number>> = { INVALID_ARGUMENT: 400, NOT_FOUND: 404, UNAUTHENTICATED: 401, PERMISSION_DENIED: 403, FAILED_PRECONDITION: 409, UNAVAILABLE: 503 };

/** What the master's or Report's status means for the dashboard's caller. */
const HTTP_OF_GRPC: Partial<Record<number, number>> = {
  [GrpcStatus.INVALID_ARGUMENT]: 400,
  [GrpcStatus.NOT_FOUND]: 404,
  [GrpcStatus.FAILED_PRECONDITION]: 409,
  [GrpcStatus.UNAVAILABLE]: 503,
  [GrpcStatus.DEADLINE_EXCEEDED]: 504,
  // The services refused the dashboard's own token: a misconfigured dashboard, not the caller's fault.
  [GrpcStatus.UNAUTHENTICATED]: 502,
};

/** Every failure of an /api request as `{ statusCode, message }` JSON with a fitting status. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('dashboard');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<ServerResponse>();
    const body = toApiError(exception);
    if (body.statusCode === 500) this.logger.error(body.message, exception instanceof Error ? exception.stack : undefined);
    else if (body.statusCode > 500) this.logger.warn(body.message);
    if (response.headersSent) {
      response.end();
      return;
    }
    response.writeHead(body.statusCode, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
}

export function toApiError(exception: unknown): ApiError {
  if (exception instanceof HttpException) {
    const answer = exception.getResponse();
    const message = typeof answer === 'string' ? answer : String((answer as { message?: unknown }).message ?? exception.message);
    return { statusCode: exception.getStatus(), message };
  }
  if (exception instanceof VelaError) return { statusCode: HTTP_OF_KIND[exception.kind] ?? 500, message: exception.message };
  const grpc = exception as { code?: unknown; details?: unknown };
  if (typeof grpc.code === 'number' && typeof grpc.details === 'string') {
    const statusCode = HTTP_OF_GRPC[grpc.code] ?? 500;
    return { statusCode, message: statusCode >= 500 ? `the master or Report failed to answer the dashboard: ${grpc.details}` : grpc.details };
  }
  return { statusCode: 500, message: `internal error: ${exception instanceof Error ? exception.message : String(exception)}` };
}
