import { summarizeDesc, useCpuBackend } from '../../testing';

beforeAll(useCpuBackend);

const dartsV2 = {
  normal: [['sep_conv_3x3', 0], ['sep_conv_3x3', 1], ['sep_conv_3x3', 0], ['sep_conv_3x3', 1], ['sep_conv_3x3', 1], ['skip_connect', 0], ['skip_connect', 0], ['dil_conv_3x3', 2]],
  normal_concat: [2, 3, 4, 5],
  reduce: [['max_pool_3x3', 0], ['max_pool_3x3', 1], ['skip_connect', 2], ['max_pool_3x3', 1], ['max_pool_3x3', 0], ['skip_connect', 2], ['skip_connect', 2], ['max_pool_3x3', 1]],
  reduce_concat: [2, 3, 4, 5],
};

describe('DartsNetwork', () => {
  it('builds a one-cell network whose size is counted by hand', () => {
    const genotype = { normal: [['skip_connect', 0], ['skip_connect', 1]], reduce: [['skip_connect', 0], ['max_pool_3x3', 1]] };
    const stats = summarizeDesc({ type: 'DartsNetwork', init_channels: 4, layers: 1, num_classes: 10, genotype }, { inputShape: [8, 8, 1] });
    expect(stats.outputShape).toEqual([null, 10]);
    const stem = 9 * 12 + 24;
    const preprocess = 12 * 8 + 16; // ReLU → 1x1 conv → BN, for each of the two inputs
    const factorizedReduce = 2 * (8 * 4) + 16;
    expect(stats.paramCount).toBe(stem + 2 * preprocess + factorizedReduce + 8 * 10 + 10);
  });

  it("builds DARTS-V2's genotype, and Vega's [op, to, from] form of it alike", () => {
    const options = { inputShape: [16, 16, 3] };
    const stats = summarizeDesc({ type: 'DartsNetwork', init_channels: 4, layers: 3, genotype: dartsV2 }, options);
    expect(stats.outputShape).toEqual([null, 10]);
    const vega = (edges: (string | number)[][]) => edges.map(([op, from], i) => [op, Math.floor(i / 2) + 2, from]);
    const asVega = { ...dartsV2, normal: vega(dartsV2.normal), reduce: vega(dartsV2.reduce) };
    expect(summarizeDesc({ type: 'DartsNetwork', init_channels: 4, layers: 3, genotype: asVega }, options)).toEqual(stats);
  });

  it('names the bad edge', () => {
    const build = (normal: unknown[]) => () => summarizeDesc({ type: 'DartsNetwork', genotype: { ...dartsV2, normal } }, { inputShape: [16, 16, 3] });
    expect(build([['sep_conv_3x4', 0]])).toThrow("genotype.normal[0]: unknown operation 'sep_conv_3x4'; did you mean 'sep_conv_3x3'?");
    expect(build([['skip_connect', 0], ['skip_connect', 2]])).toThrow('genotype.normal[1]: input of node 2 must be an earlier state in [0, 1], got 2');
  });
});
