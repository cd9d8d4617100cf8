import { summarizeDesc, useCpuBackend } from '../../testing';

beforeAll(useCpuBackend);

describe('SimpleCnn', () => {
  it("has Vega's layout on 32x32 inputs", () => {
    const stats = summarizeDesc({ modules: ['backbone'], backbone: { type: 'SimpleCnn', blocks: 2, channels: 16, num_class: 10 } }, { inputShape: [32, 32, 3] });
    expect(stats.outputShape).toEqual([null, 10]);
    const conv = (k: number, cin: number, cout: number) => k * k * cin * cout + cout;
    // conv1, 2 blocks with BN, conv2, the 8x8 global conv, fc
    expect(stats.paramCount).toBe(conv(3, 3, 32) + conv(3, 32, 16) + 32 + conv(3, 16, 16) + 32 + conv(3, 16, 64) + conv(8, 64, 64) + 64 * 10 + 10);
  });

  it('sizes its global conv to the map (7x7 on 28x28 inputs)', () => {
    const stats = summarizeDesc({ type: 'SimpleCnn', blocks: 0, channels: 8, num_class: 10 }, { inputShape: [28, 28, 1] });
    expect(stats.paramCount).toBe(9 * 32 + 32 + 9 * 32 * 64 + 64 + 49 * 64 * 64 + 64 + 650);
  });

  it('requires blocks and channels', () => {
    expect(() => summarizeDesc({ type: 'SimpleCnn', channels: 8 }, { inputShape: [28, 28, 1] })).toThrow('blocks: is required');
  });
});
