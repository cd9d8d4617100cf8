import { Prng } from './prng';

describe('Prng', () => {
  it('is deterministic for a seed and labels, and differs across labels', () => {
    const a = Prng.seeded(42, 'trial', 3);
    const b = Prng.seeded(42, 'trial', 3);
    const c = Prng.seeded(42, 'trial', 4);
    const draws = (p: Prng) => Array.from({ length: 5 }, () => p.next());
    const first = draws(a);
    expect(draws(b)).toEqual(first);
    expect(draws(c)).not.toEqual(first);
  });

  it('restores exactly from its JSON state', () => {
    const a = Prng.seeded('search-1');
    a.next();
    const state = JSON.parse(JSON.stringify(a.state));
    const b = Prng.fromState(state);
    expect(Array.from({ length: 10 }, () => b.nextUint32())).toEqual(Array.from({ length: 10 }, () => a.nextUint32()));
    expect(() => Prng.fromState({ sfc32: [1, 2, 3] } as never)).toThrow('four uint32');
  });

  it('draws in range with plausible moments', () => {
    const p = Prng.seeded(1);
    const xs = Array.from({ length: 20000 }, () => p.next());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.reduce((s, x) => s + x, 0) / xs.length).toBeCloseTo(0.5, 1);
    const normals = Array.from({ length: 20000 }, () => p.normal());
    const mean = normals.reduce((s, x) => s + x, 0) / normals.length;
    const variance = normals.reduce((s, x) => s + (x - mean) ** 2, 0) / normals.length;
    expect(mean).toBeCloseTo(0, 1);
    expect(variance).toBeCloseTo(1, 1);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[p.weighted([1, 0, 2])]++;
    expect(counts[1]).toBe(0);
    expect(counts[2] / counts[0]).toBeGreaterThan(1.6);
    expect(new Set(p.shuffle([1, 2, 3, 4, 5]))).toEqual(new Set([1, 2, 3, 4, 5]));
  });
});
