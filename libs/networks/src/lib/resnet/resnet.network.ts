import type * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@vela/errors';
import type { ArgReader } from '../arg-reader';
import { type LayerFactory, channelsOf, spatialOf } from '../layers';
import type { NetworkModule } from '../network.types';
import { readNumClass } from '../common-args';
import { BLOCK_EXPANSION, type ResNetBlockSpec, type ResNetBlockType, resnetBlock } from './resnet-blocks';

/** Vega's `ResNetGeneral._block_setting` and `_default_blocks`: block type and blocks per stage by depth. */
const DEPTHS: Readonly<Record<number, { block: ResNetBlockType; blocks: readonly number[] }>> = {
  18: { block: 'BasicBlock', blocks: [2, 2, 2, 2] },
  20: { block: 'BasicBlock', blocks: [3, 3, 3, 2] },
  34: { block: 'BasicBlock', blocks: [3, 4, 6, 3] },
  50: { block: 'BottleneckBlock', blocks: [3, 4, 6, 3] },
  101: { block: 'BottleneckBlock', blocks: [3, 4, 23, 3] },
  152: { block: 'BottleneckBlock', blocks: [3, 8, 36, 3] },
};
const DEPTH_KEYS = Object.keys(DEPTHS).map(Number);

interface ResNetBodySpec {
  readonly smallInput: boolean;
  readonly baseChannel: number;
  readonly blocks: readonly ResNetBlockSpec[];
  readonly field: string;
}

/**
 * Reads the body arguments shared by ResNet and ResNetGeneral (Vega's names):
 * - `small_input` (true): a 3x3 stride-1 stem; false: ImageNet's 7x7 stride-2 stem + max pool.
 * - `base_channel` (64): the stem's width and the first stage's (the "width" of the family).
 * - depth (`depth` for ResNet, `base_depth` for ResNetGeneral) picks the block type and the
 *   blocks per stage; `stages`/`stage` keeps the first n stages.
 * - `doublechannel` / `downsample`: one 0/1 per block; 1 doubles the width / strides by 2 at
 *   that block (default: the first block of every stage after the first).
 * - `chn_node`: per-stage widths, replacing `doublechannel` (ResNetGeneral's prune setting);
 *   `chn`: per-block inner widths (PruneBasicBlock), basic blocks only.
 */
function readBody(args: ArgReader, depthName: string, stagesName: string, defaultDepth: number): ResNetBodySpec {
  const smallInput = args.bool('small_input', true);
  const baseChannel = args.int('base_channel', 64, { min: 1 });
  const depth = args.intOneOf(depthName, DEPTH_KEYS, defaultDepth);
  const setting = DEPTHS[depth];
  const stages = args.int(stagesName, 4, { min: 1, max: setting.blocks.length });
  const perStage = setting.blocks.slice(0, stages);
  const total = perStage.reduce((a, b) => a + b, 0);
  const defaultStruct = perStage.flatMap((n, stage) => Array.from({ length: n }, (_, i) => (stage > 0 && i === 0 ? 1 : 0)));
  const zeroOne = { length: total, min: 0, max: 1 };
  const doublechannel = args.intList('doublechannel', defaultStruct, zeroOne);
  const downsample = args.intList('downsample', defaultStruct, zeroOne);
  const chnNode = args.optionalIntList('chn_node', { length: stages, min: 1 });
  const chn = args.optionalIntList('chn', { length: total, min: 1 });
  if (chn && setting.block !== 'BasicBlock') {
    throw new InvalidArgumentError(`inner channels need basic blocks, but depth ${depth} uses ${setting.block}`, args.path('chn'));
  }
  const widths = chnNode ? perStage.flatMap((n, stage) => Array<number>(n).fill(chnNode[stage])) : doubled(baseChannel, doublechannel);
  const blocks = widths.map((outchannel, i) => ({
    type: setting.block,
    outchannel,
    stride: downsample[i] === 1 ? 2 : 1,
    innerchannel: chn?.[i],
  }));
  return { smallInput, baseChannel, blocks, field: args.field };
}

function doubled(base: number, doublechannel: readonly number[]): number[] {
  let width = base;
  return doublechannel.map((double) => (width = double === 1 ? width * 2 : width));
}

function applyBody(input: tf.SymbolicTensor, spec: ResNetBodySpec, layers: LayerFactory): tf.SymbolicTensor {
  spatialOf(input, spec.field);
  let x = spec.smallInput
    ? layers.convBn(input, { filters: spec.baseChannel, kernelSize: 3 })
    : layers.maxPool(layers.convBn(input, { filters: spec.baseChannel, kernelSize: 7, strides: 2 }), 3, 2, 'same');
  for (const block of spec.blocks) x = resnetBlock(x, block, layers);
  return x;
}

/** Vega's ResNetGeneral: the ResNet body without pooling or classifier (a backbone for a head). */
export class ResNetGeneralNetwork implements NetworkModule {
  private readonly spec: ResNetBodySpec;

  constructor(args: ArgReader) {
    this.spec = readBody(args, 'base_depth', 'stage', 50);
  }

  apply(input: tf.SymbolicTensor, layers: LayerFactory): tf.SymbolicTensor {
    return applyBody(input, this.spec, layers);
  }
}

/**
 * Vega's ResNet: ResNetGeneral + global average pooling + a linear classifier to `num_class`.
 * The small ResNet of the anchors (16/32/64 channels, 2 blocks per stage) is
 * `{type: ResNet, depth: 18, stages: 3, base_channel: 16, num_class: 10}`.
 */
export class ResNetNetwork implements NetworkModule {
  private readonly spec: ResNetBodySpec;
  private readonly numClass: number;
  private readonly outPlane?: number;

  constructor(args: ArgReader) {
    this.spec = readBody(args, 'depth', 'stages', 18);
    this.numClass = readNumClass(args);
    this.outPlane = args.optionalNumber('out_plane', { min: 1 });
    const last = this.spec.blocks[this.spec.blocks.length - 1];
    const outChannels = last.outchannel * BLOCK_EXPANSION[last.type];
    if (this.outPlane !== undefined && this.outPlane !== outChannels) {
      throw new InvalidArgumentError(`must equal the body's output channels ${outChannels}, got ${this.outPlane}`, args.path('out_plane'));
    }
  }

  apply(input: tf.SymbolicTensor, layers: LayerFactory): tf.SymbolicTensor {
    const features = applyBody(input, this.spec, layers);
    return layers.dense(layers.globalAvgPool(features), this.numClass);
  }
}

/** Vega's BasicBlock / BottleneckBlock as a module (`outchannel`, `stride`, `innerchannel`). */
export function resnetBlockModule(type: ResNetBlockType) {
  return class ResNetBlockNetwork implements NetworkModule {
    private readonly spec: ResNetBlockSpec;
    private readonly inchannel?: number;

    constructor(private readonly args: ArgReader) {
      this.inchannel = args.optionalNumber('inchannel', { min: 1 });
      const outchannel = args.int('outchannel', undefined, { min: 1 });
      const stride = args.intOneOf('stride', [1, 2], 1);
      const innerchannel = args.optionalNumber('innerchannel', { min: 1 });
      this.spec = { type, outchannel, stride, innerchannel };
    }

    apply(input: tf.SymbolicTensor, layers: LayerFactory): tf.SymbolicTensor {
      spatialOf(input, this.args.field);
      if (this.inchannel !== undefined && this.inchannel !== channelsOf(input)) {
        throw new InvalidArgumentError(`is ${this.inchannel} but the input has ${channelsOf(input)} channels`, this.args.path('inchannel'));
      }
      return resnetBlock(input, this.spec, layers);
    }
  };
}
