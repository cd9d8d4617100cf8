import { descHash, toNetworkDesc } from './network-desc';

describe('toNetworkDesc', () => {
  it('returns a frozen copy of plain JSON with a stable hash', () => {
    const source = { modules: ['backbone'], backbone: { type: 'ResNet', depth: 18, widths: [16, 32] } };
    const desc = toNetworkDesc(source);
    expect(desc).toEqual(source);
    expect(Object.isFrozen(desc['backbone'])).toBe(true);
    expect(descHash(desc)).toBe(descHash({ backbone: { widths: [16, 32], depth: 18, type: 'ResNet' }, modules: ['backbone'] }));
    expect(descHash(desc)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names the path of anything that is not JSON', () => {
    expect(() => toNetworkDesc({ backbone: { depth: NaN } })).toThrow('desc.backbone.depth: must be a finite number, got NaN');
    expect(() => toNetworkDesc({ head: { act: () => 1 } }, 'trial.desc')).toThrow('trial.desc.head.act: must be JSON data');
    expect(() => toNetworkDesc([1])).toThrow('desc: must be a mapping describing the network, got [1]');
  });
});
