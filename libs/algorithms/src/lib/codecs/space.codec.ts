import { InvalidArgumentError } from '@vela/errors';
import { Point, SearchSpace, UnitDim } from '@vela/search-space';
import { Codec, CodecContext } from '../core/types';

/**
 * The default codec: one gene per unit-cube coordinate of the space. A categorical
 * coordinate is a discrete gene (the choice's index); a continuous one a gene in [0, 1].
 * `only` restricts the genes to some parameters; the others stay at their unit midpoint.
 */
export class SpaceCodec implements Codec {
  readonly name: string = 'SpaceCodec';
  readonly length: number;
  private readonly genes: { readonly offset: number; readonly dim: UnitDim }[];

  constructor(
    readonly space: SearchSpace,
    only?: (key: string) => boolean,
  ) {
    this.genes = [];
    for (const parameter of space.parameters) {
      if (only && !only(parameter.key)) continue;
      const offset = space.offsets.get(parameter.key) as number;
      parameter.dims.forEach((dim, i) => this.genes.push({ offset: offset + i, dim }));
    }
    this.length = this.genes.length;
    if (this.length === 0) throw new InvalidArgumentError('the search space has no parameter this codec can encode', 'search_space');
  }

  cardinality(gene: number): number {
    const dim = this.genes[gene].dim;
    return dim.kind === 'categorical' ? dim.size : 0;
  }

  encode(point: Point): number[] {
    const unit = this.space.toUnit(point);
    return this.genes.map(({ offset, dim }) => (dim.kind === 'categorical' ? Math.min(dim.size - 1, Math.floor(unit[offset] * dim.size)) : unit[offset]));
  }

  decode(code: readonly number[]) {
    const unit = new Array<number>(this.space.unitLength).fill(0.5);
    this.genes.forEach(({ offset, dim }, i) => (unit[offset] = dim.kind === 'categorical' ? (code[i] + 0.5) / dim.size : code[i]));
    const point = this.space.fromUnit(unit);
    return { point, ...this.space.materialize(point) };
  }
}

export function createSpaceCodec(context: CodecContext): Codec {
  return new SpaceCodec(context.space);
}
