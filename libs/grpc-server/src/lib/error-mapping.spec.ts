import { status } from '@grpc/grpc-js';
import { NotFoundError } from '@vela/errors';
import { isDatabaseConflict, isDatabaseConnectionError, isTransientError, toServiceError } from './error-mapping';

describe('error mapping', () => {
  // What the Prisma driver adapter throws: the SQLSTATE and message inside, sometimes as a cause.
  const prismaError = (code: string, message: string) => Object.assign(new Error('Invalid `prisma.$queryRaw()` invocation'), { cause: { code, message } });

  it('maps a lost connection to UNAVAILABLE and a deadlock to ABORTED, both worth retrying', () => {
    const lost = prismaError('57P01', 'terminating connection due to administrator command');
    const deadlock = prismaError('40P01', 'deadlock detected');
    expect([isDatabaseConnectionError(lost), isDatabaseConflict(lost), isTransientError(lost)]).toEqual([true, false, true]);
    expect([isDatabaseConnectionError(deadlock), isDatabaseConflict(deadlock), isTransientError(deadlock)]).toEqual([false, true, true]);
    expect(toServiceError(lost).code).toBe(status.UNAVAILABLE);
    expect(toServiceError(deadlock)).toMatchObject({ code: status.ABORTED, details: expect.stringContaining('retry') });
  });

  it('keeps domain errors as their kind and anything else as INTERNAL, not retried', () => {
    expect(toServiceError(new NotFoundError("trial 'x' not found"))).toMatchObject({ code: status.NOT_FOUND, details: "trial 'x' not found" });
    const bug = new TypeError('cannot read properties of undefined');
    expect(toServiceError(bug)).toMatchObject({ code: status.INTERNAL, details: 'internal error: cannot read properties of undefined' });
    expect(isTransientError(bug)).toBe(false);
  });
});
