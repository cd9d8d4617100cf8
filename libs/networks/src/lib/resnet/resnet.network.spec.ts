import { InvalidArgumentError } from '@vela/errors';
import { summarizeDesc, useCpuBackend } from '../../testing';

beforeAll(useCpuBackend);

const fmnist = { inputShape: [28, 28, 1] };
const anchor = { type: 'ResNet', depth: 18, stages: 3, base_channel: 16, num_class: 10 };

describe('ResNet', () => {
  it("builds the anchors' small ResNet with PyTorch's parameter count and its MACs", () => {
    const stats = summarizeDesc({ modules: ['backbone'], backbone: anchor }, fmnist);
    expect(stats.outputShape).toEqual([null, 10]);
    // shared/anchors/RESULTS.md: 174,970 parameters and 40.4 MFLOPs, counting 2 FLOPs per multiply-accumulate.
    expect(stats.paramCount).toBe(174_970);
    expect(stats.macs).toBe(20_183_936);
  });

  it('takes per-stage widths from chn_node and inner widths from chn', () => {
    const narrow = summarizeDesc({ ...anchor, chn_node: [8, 16, 32], chn: [4, 4, 8, 8, 16, 16] }, fmnist);
    const stem = 9 * 16 + 32;
    const basic = (cin: number, inner: number, out: number) => 9 * cin * inner + 2 * inner + 9 * inner * out + 2 * out;
    const shortcut = (cin: number, out: number) => cin * out + 2 * out;
    const expected =
      stem + basic(16, 4, 8) + shortcut(16, 8) + basic(8, 4, 8) + basic(8, 8, 16) + shortcut(8, 16) + basic(16, 8, 16) +
      basic(16, 16, 32) + shortcut(16, 32) + basic(32, 16, 32) + 32 * 10 + 10;
    expect(narrow.paramCount).toBe(expected);
  });

  it('builds ResNet-50 style bottlenecks and the ImageNet stem', () => {
    const stats = summarizeDesc({ type: 'ResNet', depth: 50, stages: 1, base_channel: 8, small_input: false, num_class: 5 }, { inputShape: [32, 32, 3] });
    const stem = 49 * 3 * 8 + 16;
    const bottleneck = (cin: number) => cin * 8 + 16 + 9 * 8 * 8 + 16 + 8 * 32 + 64;
    expect(stats.paramCount).toBe(stem + bottleneck(8) + (8 * 32 + 64) + 2 * bottleneck(32) + 32 * 5 + 5);
  });

  it('ResNetGeneral with a LinearClassificationHead equals ResNet', () => {
    const stats = summarizeDesc(
      {
        modules: ['backbone', 'head'],
        backbone: { type: 'ResNetGeneral', base_depth: 18, stage: 3, base_channel: 16 },
        head: { type: 'LinearClassificationHead', base_channel: 64, num_classes: 10 },
      },
      fmnist,
    );
    expect(stats).toEqual(summarizeDesc(anchor, fmnist));
  });

  it('rejects bad arguments naming the module and field', () => {
    expect(() => summarizeDesc({ modules: ['backbone'], backbone: { ...anchor, depth: 19 } }, fmnist)).toThrow(
      new InvalidArgumentError('must be one of 18, 20, 34, 50, 101, 152, got 19', 'backbone.depth'),
    );
    expect(() => summarizeDesc({ modules: ['backbone'], backbone: { ...anchor, doublechannel: [0, 1] } }, fmnist)).toThrow(
      'backbone.doublechannel: must have 6 entries, got 2',
    );
    expect(() => summarizeDesc({ modules: ['backbone'], backbone: { ...anchor, out_plane: 32 } }, fmnist)).toThrow(
      "backbone.out_plane: must equal the body's output channels 64, got 32",
    );
    expect(() => summarizeDesc({ modules: ['backbone'], backbone: anchor }, { inputShape: [784] })).toThrow('backbone: needs image input [N, H, W, C], got [N, 784]');
  });
});

describe('BasicBlock', () => {
  it('is a module of its own and checks its input width', () => {
    const stats = summarizeDesc({ type: 'BasicBlock', outchannel: 4, stride: 2 }, { inputShape: [8, 8, 2] });
    expect(stats.outputShape).toEqual([null, 4, 4, 4]);
    expect(stats.paramCount).toBe(9 * 2 * 4 + 8 + 9 * 4 * 4 + 8 + 2 * 4 + 8);
    expect(() => summarizeDesc({ type: 'BasicBlock', inchannel: 3, outchannel: 4 }, { inputShape: [8, 8, 2] })).toThrow(
      'inchannel: is 3 but the input has 2 channels',
    );
  });
});
