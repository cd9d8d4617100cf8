import { summarizeDesc, useCpuBackend } from '../../testing';

beforeAll(useCpuBackend);

describe('VGG', () => {
  it('builds a cfg list', () => {
    const stats = summarizeDesc({ type: 'VGG', cfg: [8, 'M', 16, 'M'], num_class: 10 }, { inputShape: [28, 28, 1] });
    expect(stats.outputShape).toEqual([null, 10]);
    expect(stats.paramCount).toBe(9 * 8 + 16 + 9 * 8 * 16 + 32 + 16 * 10 + 10);
  });

  it('scales a depth configuration by base_channel and fits it to small inputs', () => {
    const stats = summarizeDesc({ type: 'VGG', depth: 11, base_channel: 8, batch_norm: false, num_class: 10 }, { inputShape: [28, 28, 1] });
    const widths = [1, 8, 16, 32, 32, 64, 64, 64, 64];
    const convs = widths.slice(1).reduce((sum, w, i) => sum + 9 * widths[i] * w + w, 0);
    expect(stats.paramCount).toBe(convs + 64 * 10 + 10);
  });

  it("rejects cfg entries that are neither widths nor 'M'", () => {
    expect(() => summarizeDesc({ type: 'VGG', cfg: [8, 'P'] }, { inputShape: [28, 28, 1] })).toThrow("cfg[1]: must be a positive integer or 'M', got 'P'");
    expect(() => summarizeDesc({ type: 'VGG', cfg: [8], depth: 16 }, { inputShape: [28, 28, 1] })).toThrow('depth: cannot be given together with cfg');
  });
});
