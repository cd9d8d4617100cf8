import { InvalidArgumentError } from '@vela/errors';
import { JsonObject, Point, SearchSpace, cloneJson, isPlainObject, show } from '@vela/search-space';
import { Codec, CodecContext } from '../core/types';

const ENCODING_KEY = 'network.backbone.encoding';

/**
 * Vega's PruneCodec: a 0/1 gene per channel of a PruneResNet-style backbone — one segment per
 * entry of `base_chn` (the convolution layers), then one per entry of `base_chn_node` (the
 * stage outputs); `policy.length` must equal their total. Decoding keeps the module's dict and
 * adds the kept channels per layer (`chn`, `chn_node`), the masks and the `encoding`; a segment
 * with no channel left keeps its first one. Its points are `{network.backbone.encoding: code}`.
 */
export class PruneCodec implements Codec {
  readonly name = 'PruneCodec';
  readonly length: number;
  readonly space: SearchSpace;
  private readonly template: JsonObject;
  private readonly segments: { readonly start: number; readonly size: number; readonly node: boolean }[];

  constructor(context: CodecContext) {
    const template = context.space.networkTemplate;
    const backbone = template?.['backbone'];
    const at = 'search_space.backbone';
    if (!isPlainObject(backbone)) throw new InvalidArgumentError(`PruneCodec needs a backbone module with base_chn and base_chn_node, got ${show(backbone)}`, at);
    const counts = (key: string) => {
      const value = backbone[key];
      if (!Array.isArray(value) || value.length === 0 || !value.every((v) => Number.isInteger(v) && (v as number) > 0)) {
        throw new InvalidArgumentError(`must be a list of positive channel counts, got ${show(value)}`, `${at}.${key}`);
      }
      return value as number[];
    };
    const chn = counts('base_chn');
    const chnNode = counts('base_chn_node');
    this.segments = [];
    let start = 0;
    for (const [list, node] of [[chn, false], [chnNode, true]] as const) {
      for (const size of list) {
        this.segments.push({ start, size, node });
        start += size;
      }
    }
    this.length = start;
    const length = context.policy['length'];
    if (length !== undefined && length !== this.length) {
      throw new InvalidArgumentError(`must equal the channels of base_chn and base_chn_node (${this.length}), got ${show(length)}`, `${context.path}.policy.length`);
    }
    this.template = template as JsonObject;
    this.space = SearchSpace.fromConfig({ hyperparameters: [{ key: ENCODING_KEY, type: 'BINARY_CODE', range: [this.length] }] }, 'search_space (PruneCodec)');
  }

  cardinality(): number {
    return 2;
  }

  repair(code: number[]): number[] {
    const fixed = code.slice();
    for (const { start, size } of this.segments) if (!fixed.slice(start, start + size).some((bit) => bit === 1)) fixed[start] = 1;
    return fixed;
  }

  encode(point: Point): number[] {
    return (point[ENCODING_KEY] as number[]).slice();
  }

  decode(code: readonly number[]) {
    const encoding = this.repair(code.slice());
    const masks = this.segments.map(({ start, size }) => encoding.slice(start, start + size));
    const kept = (node: boolean) => this.segments.map((s, i) => (s.node === node ? masks[i].reduce((a, b) => a + b, 0) : -1)).filter((v) => v >= 0);
    const desc = cloneJson(this.template) as Record<string, JsonObject>;
    desc['backbone'] = {
      ...desc['backbone'],
      chn: kept(false),
      chn_node: kept(true),
      chn_mask: masks.filter((_, i) => !this.segments[i].node),
      chn_node_mask: masks.filter((_, i) => this.segments[i].node),
      encoding,
    };
    return { point: { [ENCODING_KEY]: encoding }, desc: desc as JsonObject, hyperparameters: {} };
  }
}

export function createPruneCodec(context: CodecContext): Codec {
  return new PruneCodec(context);
}
