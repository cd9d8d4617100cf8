import { subtractCapacity, whyItDoesNotFit, type Capacity } from './resources';

const capacity = (gpus: number, cpuSlots: number, labels: Record<string, string> = {}, memoryBytes = 0): Capacity => ({ gpus, cpuSlots, labels, memoryBytes });

describe('resources', () => {
  it('fits a CPU trial into a free CPU slot, or a GPU when there is no slot', () => {
    expect(whyItDoesNotFit(capacity(0, 1), capacity(0, 2))).toBeUndefined();
    expect(whyItDoesNotFit(capacity(0, 1), capacity(1, 0))).toBeUndefined();
    expect(whyItDoesNotFit(capacity(0, 1), capacity(0, 0))).toBe('needs 1 CPU slot(s) or GPU(s), 0 slot(s) and 0 GPU(s) free');
  });

  it('fits a trial of several devices (devices_per_trainer) into as many CPU slots, or as many GPUs', () => {
    expect(whyItDoesNotFit(capacity(0, 2), capacity(0, 2))).toBeUndefined();
    expect(whyItDoesNotFit(capacity(0, 2), capacity(2, 0))).toBeUndefined();
    expect(whyItDoesNotFit(capacity(0, 2), capacity(1, 1))).toBe('needs 2 CPU slot(s) or GPU(s), 1 slot(s) and 1 GPU(s) free');
    expect(subtractCapacity(capacity(4, 0), capacity(0, 2))).toMatchObject({ gpus: 2, cpuSlots: 0 });
  });

  it('needs GPUs for a GPU trial', () => {
    expect(whyItDoesNotFit(capacity(2, 0), capacity(1, 8))).toBe('needs 2 GPU(s), 1 free');
    expect(whyItDoesNotFit(capacity(1, 0), capacity(1, 0))).toBeUndefined();
  });

  it('matches labels and memory', () => {
    expect(whyItDoesNotFit(capacity(0, 1, { zone: 'a' }), capacity(0, 1, { zone: 'b' }))).toBe('needs label zone=a');
    expect(whyItDoesNotFit(capacity(0, 1, {}, 2 * 2 ** 30), capacity(0, 1, {}, 2 ** 30))).toBe('needs 2.0 GiB of memory, 1.0 GiB free');
  });

  it('subtracts what a trial takes', () => {
    expect(subtractCapacity(capacity(1, 2), capacity(0, 1))).toMatchObject({ gpus: 1, cpuSlots: 1 });
    expect(subtractCapacity(capacity(1, 0), capacity(0, 1))).toMatchObject({ gpus: 0, cpuSlots: 0 });
    expect(subtractCapacity(capacity(2, 4), capacity(1, 0))).toMatchObject({ gpus: 1, cpuSlots: 4 });
  });
});
