import { Metadata, status } from '@grpc/grpc-js';
import { UnauthorizedException } from '@nestjs/common';
import { InvalidArgumentError, NotFoundError } from '@vela/errors';
import { toApiError } from './api-exception.filter';

const grpcError = (code: status, details: string) => Object.assign(new Error(details), { code, details, metadata: new Metadata() });

describe('toApiError', () => {
  it('keeps an HTTP exception and maps domain errors by kind', () => {
    expect(toApiError(new UnauthorizedException('missing token'))).toEqual({ statusCode: 401, message: 'missing token' });
    expect(toApiError(new InvalidArgumentError('must be an integer', 'limit'))).toEqual({ statusCode: 400, message: 'limit: must be an integer' });
    expect(toApiError(new NotFoundError("run 'x' not found"))).toEqual({ statusCode: 404, message: "run 'x' not found" });
  });

  it("passes the services' refusals on, and says when they failed", () => {
    expect(toApiError(grpcError(status.NOT_FOUND, "run 'x' not found"))).toEqual({ statusCode: 404, message: "run 'x' not found" });
    expect(toApiError(grpcError(status.UNAVAILABLE, 'connect ECONNREFUSED'))).toEqual({ statusCode: 503, message: 'the master or Report failed to answer the dashboard: connect ECONNREFUSED' });
    expect(toApiError(grpcError(status.UNAUTHENTICATED, 'wrong token')).statusCode).toBe(502);
  });

  it('is a 500 with the message for anything else', () => {
    expect(toApiError(new TypeError('boom'))).toEqual({ statusCode: 500, message: 'internal error: boom' });
  });
});
