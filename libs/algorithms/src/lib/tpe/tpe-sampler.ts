import { JsonValue, Parameter, Point, Prng, SearchSpace, UnitDim, canonicalJson } from '@vela/search-space';
import { ParzenEstimator } from './parzen-estimator';

export interface TpeOptions {
  readonly nEiCandidates: number;
  readonly multivariate: boolean;
  readonly priorWeight: number;
  /** Fraction of the completed trials that form the "good" group (capped at `maxBelow`). */
  readonly gamma: number;
  readonly maxBelow: number;
  /** Minimum completed trials with a group's parameters before TPE models that group. */
  readonly minObservations: number;
  readonly bandwidth: 'neighbour' | 'scott';
  /** Fraction of the candidates drawn one dimension at a time from different kernels (multivariate only). */
  readonly recombination: number;
}

/** A finished trial as TPE sees it: its point and a loss (lower is better). */
export interface ScoredPoint {
  readonly point: Point;
  readonly loss: number;
}

interface Group {
  readonly parameters: readonly Parameter[];
  readonly dims: readonly UnitDim[];
}

/**
 * The Tree-structured Parzen Estimator (Bergstra et al., 2011) over a conditional space.
 * Parameters that share the same conditions form a group (Optuna's `group=True`
 * decomposition): groups are sampled parents first, each one jointly (multivariate, Falkner
 * et al. 2018) from the trials where it was active. Pending points join the "bad" group
 * (constant liar), so parallel suggestions spread out.
 */
export class TpeSampler {
  private readonly groups: readonly Group[];

  constructor(
    private readonly space: SearchSpace,
    private readonly options: TpeOptions,
  ) {
    const bySignature = new Map<string, Parameter[]>();
    const topo = [...space.parameters].sort((a, b) => this.topoRank(a) - this.topoRank(b));
    for (const parameter of topo) {
      const signature = canonicalJson(
        space
          .conditionsFor(parameter.key)
          .map((c) => [c.parent, c.type, c.range])
          .sort((a, b) => canonicalJson(a).localeCompare(canonicalJson(b))),
      );
      if (!bySignature.has(signature)) bySignature.set(signature, []);
      bySignature.get(signature)?.push(parameter);
    }
    this.groups = [...bySignature.values()].map((parameters) => ({ parameters, dims: parameters.flatMap((p) => p.dims) }));
  }

  /** Depth of a parameter in the condition DAG, then config order: parents rank first. */
  private topoRank(parameter: Parameter): number {
    const depth = (key: string, seen: Set<string>): number => {
      if (seen.has(key)) return 0;
      seen.add(key);
      const parents = this.space.conditionsFor(key).map((c) => c.parent);
      return parents.length === 0 ? 0 : 1 + Math.max(...parents.map((p) => depth(p, seen)));
    };
    return depth(parameter.key, new Set()) * 100_000 + this.space.parameters.indexOf(parameter);
  }

  /** A point sampled by TPE (may be forbidden; the caller checks). */
  sample(rng: Prng, completed: readonly ScoredPoint[], pending: readonly Point[]): Point {
    const point: Record<string, JsonValue> = {};
    for (const group of this.groups) {
      if (!this.space.isActive(group.parameters[0].key, point)) continue;
      const has = (p: Point) => group.parameters.every((parameter) => parameter.key in p);
      const done = completed.filter((c) => has(c.point));
      const coords = done.length < Math.max(this.options.minObservations, 1) ? this.randomCoords(rng, group) : this.tpeCoords(rng, group, done, pending.filter(has));
      let offset = 0;
      for (const parameter of group.parameters) {
        const width = parameter.dims.length;
        const unit = coords.slice(offset, offset + width).map((value, i) => {
          const dim = group.dims[offset + i];
          return dim.kind === 'categorical' ? (value + 0.5) / dim.size : value;
        });
        point[parameter.key] = parameter.fromUnit(unit);
        offset += width;
      }
    }
    return point;
  }

  private randomCoords(rng: Prng, group: Group): number[] {
    return group.dims.map((dim) => (dim.kind === 'categorical' ? rng.int(dim.size) : rng.next()));
  }

  /** A group's point as TPE coordinates: continuous unit values, categorical indices. */
  private encode(group: Group, point: Point): number[] {
    const out: number[] = [];
    let offset = 0;
    for (const parameter of group.parameters) {
      const unit = parameter.toUnit(point[parameter.key]);
      unit.forEach((value, i) => {
        const dim = group.dims[offset + i];
        out.push(dim.kind === 'categorical' ? Math.min(dim.size - 1, Math.floor(value * dim.size)) : value);
      });
      offset += unit.length;
    }
    return out;
  }

  private tpeCoords(rng: Prng, group: Group, done: readonly ScoredPoint[], pending: readonly Point[]): number[] {
    const ranked = done.map((c, i) => ({ ...c, i })).sort((a, b) => a.loss - b.loss || a.i - b.i);
    const nBelow = Math.min(Math.ceil(this.options.gamma * done.length), this.options.maxBelow);
    const below = ranked.slice(0, nBelow).sort((a, b) => a.i - b.i);
    const above = ranked.slice(nBelow).sort((a, b) => a.i - b.i);
    const belowX = below.map((c) => this.encode(group, c.point));
    const aboveX = [...above.map((c) => this.encode(group, c.point)), ...pending.map((p) => this.encode(group, p))];
    const parzen = { multivariate: this.options.multivariate, priorWeight: this.options.priorWeight, magicClip: true, bandwidth: this.options.bandwidth };
    const l = new ParzenEstimator(group.dims, belowX, recencyWeights(belowX.length), parzen);
    const g = new ParzenEstimator(group.dims, aboveX, recencyWeights(aboveX.length), parzen);
    const mixed = Math.round(this.options.nEiCandidates * this.options.recombination);
    const candidates = Array.from({ length: this.options.nEiCandidates }, (_, i) => l.sample(rng, this.options.multivariate && i >= mixed));
    if (this.options.multivariate) {
      let best = candidates[0];
      let bestScore = -Infinity;
      for (const x of candidates) {
        const score = l.logPdf(x) - g.logPdf(x);
        if (score > bestScore) {
          bestScore = score;
          best = x;
        }
      }
      return best;
    }
    return group.dims.map((_, d) => {
      let best = candidates[0][d];
      let bestScore = -Infinity;
      for (const x of candidates) {
        const score = l.logPdfDim(d, x[d]) - g.logPdfDim(d, x[d]);
        if (score > bestScore) {
          bestScore = score;
          best = x[d];
        }
      }
      return best;
    });
  }
}

/** Optuna's default weights: flat for the 25 most recent, a linear ramp up to them for older ones. */
function recencyWeights(n: number): number[] {
  if (n < 25) return new Array<number>(n).fill(1);
  const ramp = Array.from({ length: n - 25 }, (_, i) => (n - 25 === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (n - 26)));
  return [...ramp, ...new Array<number>(25).fill(1)];
}
