import type * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError, closestMatch } from '@vela/errors';
import { type ArgReader, describe } from '../arg-reader';
import { readNumClass } from '../common-args';
import { type LayerFactory, spatialOf } from '../layers';
import type { NetworkModule } from '../network.types';
import { DARTS_OPS, factorizedReduce, reluConvBn } from './darts-ops';

interface Edge {
  readonly op: string;
  /** 0 and 1 are the cell's two inputs; k ≥ 2 is intermediate node k - 2. */
  readonly from: number;
}

interface CellGenotype {
  /** The edges into each intermediate node, in node order. */
  readonly nodes: readonly (readonly Edge[])[];
  /** The states concatenated into the cell's output. */
  readonly concat: readonly number[];
}

/**
 * A DARTS-style cell network (the evaluation network of Liu et al., DARTS, ICLR 2019) built
 * from a genotype: a 3x3 conv + BN stem to `init_channels * stem_multi`, `layers` cells with
 * reduction cells (width doubled, stride 2) at 1/3 and 2/3 of the depth, global average
 * pooling and a linear classifier to `num_classes`.
 *
 * `genotype` is `{normal, normal_concat, reduce, reduce_concat}`. Each cell's edge list is
 * either DARTS' `[op, from]` pairs (two consecutive edges per node) or Vega's
 * `[op, to, from]` triples (`to` ≥ 2 names the node). `*_concat` defaults to every node.
 * Operations: skip_connect, max_pool_3x3, avg_pool_3x3, sep_conv_3x3/5x5/7x7,
 * dil_conv_3x3/5x5. Drop-path and the auxiliary head are not built.
 */
export class DartsNetwork implements NetworkModule {
  private readonly initChannels: number;
  private readonly layerCount: number;
  private readonly stemMulti: number;
  private readonly numClass: number;
  private readonly normal: CellGenotype;
  private readonly reduce: CellGenotype;

  constructor(private readonly args: ArgReader) {
    this.initChannels = args.int('init_channels', 16, { min: 1 });
    this.layerCount = args.int('layers', 8, { min: 1 });
    this.stemMulti = args.int('stem_multi', 3, { min: 1 });
    this.numClass = readNumClass(args);
    const genotype = args.child('genotype');
    this.normal = readCell(genotype, 'normal');
    this.reduce = readCell(genotype, 'reduce');
    genotype.done();
  }

  apply(input: tf.SymbolicTensor, layers: LayerFactory): tf.SymbolicTensor {
    spatialOf(input, this.args.field);
    const stem = layers.batchNorm(layers.conv(input, { filters: this.initChannels * this.stemMulti, kernelSize: 3 }));
    let [s0, s1] = [stem, stem];
    let channels = this.initChannels;
    let reductionPrev = false;
    const reductions = new Set([Math.floor(this.layerCount / 3), Math.floor((2 * this.layerCount) / 3)]);
    for (let i = 0; i < this.layerCount; i++) {
      const reduction = reductions.has(i);
      if (reduction) channels *= 2;
      const field = `${this.args.field}.cells[${i}]`;
      const p0 = reductionPrev ? factorizedReduce(s0, channels, layers, field) : reluConvBn(s0, channels, layers);
      const p1 = reluConvBn(s1, channels, layers);
      [s0, s1] = [s1, this.cell(reduction ? this.reduce : this.normal, [p0, p1], channels, reduction, layers, field)];
      reductionPrev = reduction;
    }
    return layers.dense(layers.globalAvgPool(s1), this.numClass);
  }

  private cell(genotype: CellGenotype, inputs: tf.SymbolicTensor[], channels: number, reduction: boolean, layers: LayerFactory, field: string) {
    const states = [...inputs];
    for (const edges of genotype.nodes) {
      const terms = edges.map((edge) => DARTS_OPS[edge.op](states[edge.from], channels, reduction && edge.from < 2 ? 2 : 1, layers, field));
      states.push(layers.add(terms));
    }
    return layers.concat(genotype.concat.map((i) => states[i]));
  }
}

function readCell(genotype: ArgReader, name: 'normal' | 'reduce'): CellGenotype {
  const path = genotype.path(name);
  const raw = genotype.value(name);
  if (!Array.isArray(raw) || !raw.length) throw new InvalidArgumentError(`must be a non-empty list of edges, got ${describe(raw)}`, path);
  const triples = raw.every((edge) => Array.isArray(edge) && edge.length === 3);
  const byNode = new Map<number, Edge[]>();
  raw.forEach((edge, i) => {
    const at = `${path}[${i}]`;
    if (!Array.isArray(edge) || edge.length !== (triples ? 3 : 2)) {
      throw new InvalidArgumentError(`must be [op, from] (DARTS) or, for every edge, [op, to, from] (Vega), got ${describe(edge)}`, at);
    }
    const op = edge[0];
    if (typeof op !== 'string' || !(op in DARTS_OPS)) {
      const closest = typeof op === 'string' ? closestMatch(op, Object.keys(DARTS_OPS)) : undefined;
      throw new InvalidArgumentError(`unknown operation ${describe(op)}${closest ? `; did you mean '${closest}'?` : ''} (known: ${Object.keys(DARTS_OPS).join(', ')})`, at);
    }
    const to = triples ? edge[1] : Math.floor(i / 2) + 2;
    const from = triples ? edge[2] : edge[1];
    if (!Number.isInteger(to) || to < 2) throw new InvalidArgumentError(`node must be an integer >= 2, got ${describe(to)}`, at);
    if (!Number.isInteger(from) || from < 0 || from >= to) throw new InvalidArgumentError(`input of node ${to} must be an earlier state in [0, ${to - 1}], got ${describe(from)}`, at);
    byNode.set(to, [...(byNode.get(to) ?? []), { op, from }]);
  });
  const steps = Math.max(...byNode.keys()) - 1;
  for (let node = 2; node < steps + 2; node++) {
    if (!byNode.has(node)) throw new InvalidArgumentError(`node ${node} has no input edge`, path);
  }
  const nodes = Array.from({ length: steps }, (_, k) => byNode.get(k + 2) as Edge[]);
  const all = Array.from({ length: steps }, (_, k) => k + 2);
  const concat = genotype.intList(`${name}_concat`, all, { min: 0, max: steps + 1, minLength: 1 });
  return { nodes, concat };
}
