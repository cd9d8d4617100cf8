import type * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@vela/errors';
import type { ArgReader } from '../arg-reader';
import { readNumClass } from '../common-args';
import { type LayerFactory, spatialOf } from '../layers';
import type { NetworkModule } from '../network.types';
import { type ResNetBlockSpec, resnetBlock } from '../resnet/resnet-blocks';

/**
 * Vega's PruneResNet (Prune-EA's search space): a CIFAR-style ResNet whose every width comes
 * from channel lists.
 * - `chn_node` (else the search space's unpruned `base_chn_node`): stages + 1 widths, the stem's and then
 *   each stage's output width, e.g. `[16, 16, 32, 64]`.
 * - `chn` (else `base_chn`): one inner width per block (PruneBasicBlock's middle conv),
 *   e.g. `[16, 16, 16, 32, 32, 32, 64, 64, 64]`.
 * - `num_blocks` (`[3, 3, 3]`): blocks per stage; stages after the first start with stride 2.
 * - `num_classes` (10; `num_class` also read). `encoding` (the codec's bit string) and its
 *   masks `chn_mask`, `chn_node_mask` are carried.
 * As Vega's, the stem is conv + BN without ReLU, and ReLU precedes the pooling.
 */
export class PruneResNetNetwork implements NetworkModule {
  private readonly chnNode: number[];
  private readonly blocks: ResNetBlockSpec[];
  private readonly numClass: number;

  constructor(private readonly args: ArgReader) {
    const numBlocks = args.intList('num_blocks', [3, 3, 3], { min: 1, minLength: 1 });
    const total = numBlocks.reduce((a, b) => a + b, 0);
    // A pruned desc (PruneEA's codec) holds its widths beside the space's unpruned ones: they win.
    const nodeKey = args.has('base_chn_node') && !args.has('chn_node') ? 'base_chn_node' : 'chn_node';
    const innerKey = args.has('base_chn') && !args.has('chn') ? 'base_chn' : 'chn';
    args.accept('chn_node', 'base_chn_node', 'chn', 'base_chn');
    this.chnNode = args.intList(nodeKey, undefined, { length: numBlocks.length + 1, min: 1 });
    const chn = args.intList(innerKey, undefined, { length: total, min: 1 });
    const block = args.string('block', 'PruneBasicBlock');
    if (block !== 'PruneBasicBlock') throw new InvalidArgumentError(`must be 'PruneBasicBlock', got '${block}'`, args.path('block'));
    // What PruneEA's codec decoded the desc from, carried with it.
    args.accept('encoding', 'chn_mask', 'chn_node_mask');
    this.numClass = readNumClass(args);
    this.blocks = numBlocks.flatMap((n, stage) =>
      Array.from({ length: n }, (_, i) => ({
        type: 'BasicBlock' as const,
        outchannel: this.chnNode[stage + 1],
        innerchannel: chn[numBlocks.slice(0, stage).reduce((a, b) => a + b, 0) + i],
        stride: stage > 0 && i === 0 ? 2 : 1,
      })),
    );
  }

  apply(input: tf.SymbolicTensor, layers: LayerFactory): tf.SymbolicTensor {
    spatialOf(input, this.args.field);
    let x = layers.convBn(input, { filters: this.chnNode[0], kernelSize: 3 }, false);
    for (const block of this.blocks) x = resnetBlock(x, block, layers);
    return layers.dense(layers.globalAvgPool(layers.relu(x)), this.numClass);
  }
}
