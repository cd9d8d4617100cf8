import type { Duration } from '../../generated/google/protobuf/duration';

export function secondsToDuration(seconds: number): Duration {
  const whole = Math.trunc(seconds);
  return { seconds: whole, nanos: Math.round((seconds - whole) * 1e9) };
}

export function durationToSeconds(duration: Duration): number {
  return duration.seconds + duration.nanos / 1e9;
}
