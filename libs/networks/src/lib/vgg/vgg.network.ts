import type * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@vela/errors';
import { type ArgReader, describe } from '../arg-reader';
import { readNumClass } from '../common-args';
import { type LayerFactory, spatialOf } from '../layers';
import type { NetworkModule } from '../network.types';

type VggItem = number | 'M';

/** torchvision's configurations A, B, D and E, by depth (widths for `base_channel` 64). */
const VGG_CFGS: Readonly<Record<number, readonly VggItem[]>> = {
  11: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  13: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  16: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  19: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
};

/**
 * A VGG-style CNN: 3x3 convs (+ BN with `batch_norm`, default true) + ReLU, 2x2 max pools at
 * each `'M'`, then global average pooling and a linear classifier to `num_class`.
 * - `depth` (11, 13, 16, 19; default 11) picks torchvision's configuration, whose widths scale
 *   with `base_channel` (64 = torchvision's);
 * - or `cfg` gives the list itself, e.g. `[32, 'M', 64, 'M']` (then `depth` and
 *   `base_channel` are not read).
 * A pool that would shrink the map below 1x1 is skipped, so deep configs fit small inputs.
 */
export class VggNetwork implements NetworkModule {
  private readonly cfg: readonly VggItem[];
  private readonly numClass: number;
  private readonly batchNorm: boolean;

  constructor(private readonly args: ArgReader) {
    this.numClass = readNumClass(args);
    this.batchNorm = args.bool('batch_norm', true);
    if (args.has('cfg')) {
      this.cfg = readCfg(args.value('cfg'), args.path('cfg'));
      for (const name of ['depth', 'base_channel']) {
        if (args.has(name)) throw new InvalidArgumentError('cannot be given together with cfg', args.path(name));
      }
      args.accept('depth', 'base_channel');
    } else {
      const depth = args.intOneOf('depth', [11, 13, 16, 19], 11);
      const base = args.int('base_channel', 64, { min: 1 });
      this.cfg = VGG_CFGS[depth].map((item) => (item === 'M' ? item : Math.max(1, Math.round((item * base) / 64))));
    }
  }

  apply(input: tf.SymbolicTensor, layers: LayerFactory): tf.SymbolicTensor {
    let x = input;
    for (const item of this.cfg) {
      if (item === 'M') {
        if (Math.min(...spatialOf(x, this.args.field)) >= 2) x = layers.maxPool(x, 2, 2);
      } else {
        x = this.batchNorm
          ? layers.convBn(x, { filters: item, kernelSize: 3 })
          : layers.relu(layers.conv(x, { filters: item, kernelSize: 3, useBias: true }));
      }
    }
    spatialOf(x, this.args.field);
    return layers.dense(layers.globalAvgPool(x), this.numClass);
  }
}

function readCfg(raw: unknown, path: string): VggItem[] {
  if (!Array.isArray(raw) || !raw.length) throw new InvalidArgumentError(`must be a non-empty list of widths and 'M', got ${describe(raw)}`, path);
  return raw.map((item, i) => {
    if (item === 'M' || (Number.isInteger(item) && (item as number) > 0)) return item as VggItem;
    throw new InvalidArgumentError(`must be a positive integer or 'M', got ${describe(item)}`, `${path}[${i}]`);
  });
}
