import { summarizeDesc, useCpuBackend } from '../../testing';

beforeAll(useCpuBackend);

describe('LinearClassificationHead', () => {
  it('pools image features and classifies', () => {
    const stats = summarizeDesc({ type: 'LinearClassificationHead', num_classes: 7 }, { inputShape: [4, 4, 12] });
    expect(stats.outputShape).toEqual([null, 7]);
    expect(stats.paramCount).toBe(12 * 7 + 7);
  });

  it('checks base_channel against its input', () => {
    expect(() =>
      summarizeDesc({ modules: ['head'], head: { type: 'LinearClassificationHead', base_channel: 64, num_class: 10 } }, { inputShape: [12] }),
    ).toThrow('head.base_channel: is 64 but the previous module outputs 12 channels');
  });
});
