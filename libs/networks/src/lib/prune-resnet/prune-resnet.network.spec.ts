import { summarizeDesc, useCpuBackend } from '../../testing';

beforeAll(useCpuBackend);

const cifar = { inputShape: [32, 32, 3] };

describe('PruneResNet', () => {
  it("builds Prune-EA's search-space desc (ResNet-20) with its known size", () => {
    const desc = {
      modules: ['backbone'],
      backbone: { name: 'PruneResNet', base_chn: [16, 16, 16, 32, 32, 32, 64, 64, 64], base_chn_node: [16, 16, 32, 64], num_classes: 10 },
    };
    const stats = summarizeDesc(desc, cifar);
    expect(stats.outputShape).toEqual([null, 10]);
    expect(stats.paramCount).toBe(272_474); // ResNet-20 with 1x1 projection shortcuts
  });

  it('is driven by the per-layer channel lists', () => {
    const stats = summarizeDesc({ type: 'PruneResNet', chn: [2, 3], chn_node: [4, 5, 6], num_blocks: [1, 1], num_class: 3 }, cifar);
    const expected =
      9 * 3 * 4 + 8 + // stem
      (9 * 4 * 2 + 4 + 9 * 2 * 5 + 10 + 4 * 5 + 10) + // stage 1: width change → projection
      (9 * 5 * 3 + 6 + 9 * 3 * 6 + 12 + 5 * 6 + 12) + // stage 2: stride 2
      6 * 3 + 3;
    expect(stats.paramCount).toBe(expected);
  });

  it("builds a pruned desc as PruneEA's codec writes it: the pruned widths beside the space's unpruned ones, with the masks", () => {
    const pruned = { chn: [2, 3], chn_node: [4, 5, 6], num_blocks: [1, 1], num_class: 3 };
    const decoded = { type: 'PruneResNet', base_chn: [16, 16], base_chn_node: [16, 16, 32], ...pruned, chn_mask: [[1, 1, 0], [1, 1, 1]], chn_node_mask: [[1, 1]], encoding: [1, 1, 0] };
    expect(summarizeDesc(decoded, cifar).paramCount).toBe(summarizeDesc({ type: 'PruneResNet', ...pruned }, cifar).paramCount);
  });

  it('names the list that does not fit', () => {
    expect(() => summarizeDesc({ type: 'PruneResNet', chn: [2, 3, 4], chn_node: [4, 5, 6], num_blocks: [1, 1] }, cifar)).toThrow(
      'chn: must have 2 entries, got 3',
    );
    expect(() => summarizeDesc({ type: 'PruneResNet', chn: [2, 3], num_blocks: [1, 1] }, cifar)).toThrow('chn_node: is required');
  });
});
