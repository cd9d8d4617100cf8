import { summarizeDesc, useCpuBackend } from '../../testing';

beforeAll(useCpuBackend);

describe('MLP', () => {
  it('flattens images and stacks hidden layers', () => {
    const stats = summarizeDesc({ type: 'MLP', hidden_units: [64, 32], num_class: 10 }, { inputShape: [28, 28, 1] });
    expect(stats.outputShape).toEqual([null, 10]);
    expect(stats.paramCount).toBe(784 * 64 + 64 + 64 * 32 + 32 + 32 * 10 + 10);
    expect(stats.macs).toBe(784 * 64 + 64 * 32 + 32 * 10);
  });

  it('with batch_norm drops the hidden biases for BN parameters', () => {
    const stats = summarizeDesc({ type: 'MLP', hidden_units: [16], num_class: 2, batch_norm: true, dropout: 0.5 }, { inputShape: [4] });
    expect(stats.paramCount).toBe(4 * 16 + 32 + 16 * 2 + 2);
  });

  it('rejects a typo with a suggestion', () => {
    expect(() => summarizeDesc({ type: 'MLP', hiden_units: [16] }, { inputShape: [4] })).toThrow("hiden_units: unknown argument; did you mean 'hidden_units'?");
  });
});
