import { sharedSlotsPerWorker } from './local-cluster';

describe('sharedSlotsPerWorker', () => {
  it('gives one worker every core', () => {
    expect(sharedSlotsPerWorker(1, 8)).toBe(8);
  });

  it('shares the cores among several workers, rounding down', () => {
    expect(sharedSlotsPerWorker(4, 8)).toBe(2);
    expect(sharedSlotsPerWorker(3, 8)).toBe(2);
  });

  it('leaves no worker without a slot when there are more workers than cores', () => {
    expect(sharedSlotsPerWorker(4, 2)).toBe(1);
  });
});
