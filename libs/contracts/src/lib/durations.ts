import { InvalidArgumentError } from '@vela/errors';
import type { Duration } from '../generated/google/protobuf/duration';

/**
 * `google.protobuf.Duration` from and to milliseconds. ts-proto maps Timestamp to Date
 * (`useDate=true`) but leaves Duration as `{ seconds, nanos }`.
 */
export function durationFromMillis(milliseconds: number, field = 'duration'): Duration {
  if (!Number.isFinite(milliseconds) || milliseconds < 0) {
    throw new InvalidArgumentError(`must be a finite, non-negative number of milliseconds, got ${milliseconds}`, field);
  }
  const seconds = Math.floor(milliseconds / 1000);
  return { seconds, nanos: Math.round((milliseconds - seconds * 1000) * 1e6) };
}

/** Milliseconds of a Duration; `undefined` (an unset field) stays undefined. */
export function durationToMillis(duration: Duration | undefined): number | undefined {
  return duration === undefined ? undefined : duration.seconds * 1000 + duration.nanos / 1e6;
}
