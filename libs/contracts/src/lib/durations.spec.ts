import { InvalidArgumentError } from '@vela/errors';
import { durationFromMillis, durationToMillis } from './durations';

describe('durations', () => {
  it('converts milliseconds both ways', () => {
    expect(durationFromMillis(60_000)).toEqual({ seconds: 60, nanos: 0 });
    expect(durationFromMillis(1_500)).toEqual({ seconds: 1, nanos: 500_000_000 });
    expect(durationToMillis({ seconds: 2, nanos: 250_000_000 })).toBe(2_250);
    expect(durationToMillis(undefined)).toBeUndefined();
  });
  it('refuses negative and non-finite values, naming the field', () => {
    expect(() => durationFromMillis(-1, 'wait_timeout')).toThrow(new InvalidArgumentError('must be a finite, non-negative number of milliseconds, got -1', 'wait_timeout'));
    expect(() => durationFromMillis(Number.NaN)).toThrow(InvalidArgumentError);
  });
});
