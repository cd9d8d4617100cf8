import { timingSafeEqual } from 'node:crypto';
import { UnauthenticatedError } from '@vela/errors';
import type { CallGuard } from './async-handlers';

export const AUTHORIZATION_HEADER = 'authorization';

/**
 * Refuses every call that lacks `authorization: Bearer <token>` (workers, the CLI and the
 * dashboard all carry the same shared token). Health checks and reflection are not guarded:
 * they are separate services and reveal nothing about runs.
 */
export function bearerTokenGuard(token: string): CallGuard {
  const expected = Buffer.from(`Bearer ${token}`);
  return (context, methodPath) => {
    const presented = context.metadata.get(AUTHORIZATION_HEADER)[0];
    if (presented === undefined) {
      throw new UnauthenticatedError(`${methodPath}: missing 'authorization: Bearer <token>' metadata; pass the cluster's token (VELA_TOKEN)`);
    }
    const given = Buffer.from(String(presented));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new UnauthenticatedError(`${methodPath}: wrong token; use the token the master was started with (VELA_TOKEN)`);
    }
  };
}
