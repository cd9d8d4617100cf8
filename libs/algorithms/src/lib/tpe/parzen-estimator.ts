import { Prng, UnitDim } from '@vela/search-space';

/** Optuna's "magic" bandwidth constant for multivariate kernels. */
const SIGMA0_MAGNITUDE = 0.2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** erfc with ~1.2e-7 relative accuracy (Numerical Recipes' Chebyshev fit). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

function logSumExp(values: readonly number[]): number {
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (const v of values) sum += Math.exp(v - max);
  return max + Math.log(sum);
}

export interface ParzenOptions {
  /** Joint product kernels over all dimensions (true), or one independent mixture per dimension. */
  readonly multivariate: boolean;
  /** Weight of the prior kernel (uniform over the box; Optuna's prior_weight). */
  readonly priorWeight: number;
  /** Optuna's magic clip on bandwidths: at least range / min(100, 1 + n). */
  readonly magicClip: boolean;
  /** Bandwidths from neighbour gaps per dimension (adaptive), or Scott's rule for multivariate kernels. */
  readonly bandwidth: 'neighbour' | 'scott';
}

/**
 * A Parzen estimator (mixture of one kernel per observation plus a prior kernel) over unit
 * coordinates: truncated normals on [0, 1] for continuous dimensions, smoothed one-hot
 * distributions for categorical ones. As Optuna 3's `_ParzenEstimator`: univariate bandwidths
 * from the gaps between neighbouring observations, multivariate ones by Scott's rule
 * (0.2·n^(-1/(d+4))), both clipped to [1/min(100, n+1), 1].
 */
export class ParzenEstimator {
  /** Kernel weights (normalised), the prior kernel last. */
  private readonly weights: number[];
  /** Per kernel and continuous dim: mean and bandwidth; per categorical dim: probabilities. */
  private readonly mus: number[][];
  private readonly sigmas: number[][];
  private readonly logZ: number[][];
  private readonly categorical: number[][][];

  constructor(
    private readonly dims: readonly UnitDim[],
    observations: readonly (readonly number[])[],
    observationWeights: readonly number[],
    private readonly options: ParzenOptions,
  ) {
    const n = observations.length;
    const total = observationWeights.reduce((s, w) => s + w, 0) + options.priorWeight;
    this.weights = [...observationWeights.map((w) => w / total), options.priorWeight / total];
    this.mus = [];
    this.sigmas = [];
    this.logZ = [];
    this.categorical = [];
    const kernels = n + 1;
    const scott = SIGMA0_MAGNITUDE * Math.max(n, 1) ** (-1 / (dims.length + 4));
    const minSigma = options.magicClip ? 1 / Math.min(100, 1 + kernels) : 1e-12;
    const columns = dims.map((dim, d) => {
      if (dim.kind === 'categorical') {
        const baseline = options.priorWeight / kernels;
        return {
          probs: [...observations.map((x) => {
            const row = new Array<number>(dim.size).fill(baseline);
            row[x[d]] += 1;
            const sum = row.reduce((s, v) => s + v, 0);
            return row.map((v) => v / sum);
          }), new Array<number>(dim.size).fill(1 / dim.size)],
        };
      }
      const mus = [...observations.map((x) => x[d]), 0.5];
      let sigmas: number[];
      if (options.multivariate && options.bandwidth === 'scott') sigmas = mus.map(() => scott);
      else sigmas = neighbourBandwidths(mus);
      sigmas[sigmas.length - 1] = 1;
      sigmas = sigmas.map((s) => Math.min(1, Math.max(minSigma, s)));
      return { mus, sigmas };
    });
    for (let k = 0; k < kernels; k++) {
      this.mus.push(columns.map((c) => ('mus' in c ? (c.mus as number[])[k] : NaN)));
      this.sigmas.push(columns.map((c) => ('sigmas' in c ? (c.sigmas as number[])[k] : NaN)));
      this.logZ.push(columns.map((c) => ('mus' in c ? Math.log(normalCdf((1 - (c.mus as number[])[k]) / (c.sigmas as number[])[k]) - normalCdf((0 - (c.mus as number[])[k]) / (c.sigmas as number[])[k])) : 0)));
      this.categorical.push(columns.map((c) => ('probs' in c ? (c.probs as number[][])[k] : [])));
    }
  }

  /** One draw: a kernel by weight, then each dimension from it (continuous in [0, 1], categorical an index). */
  sample(rng: Prng, joint = this.options.multivariate): number[] {
    if (joint) {
      const k = rng.weighted(this.weights);
      return this.dims.map((_dim, d) => this.sampleDim(rng, k, d));
    }
    return this.dims.map((_dim, d) => this.sampleDim(rng, rng.weighted(this.weights), d));
  }

  private sampleDim(rng: Prng, k: number, d: number): number {
    const dim = this.dims[d];
    if (dim.kind === 'categorical') return rng.weighted(this.categorical[k][d]);
    const mu = this.mus[k][d];
    const sigma = this.sigmas[k][d];
    for (let i = 0; i < 100; i++) {
      const x = mu + sigma * rng.normal();
      if (x >= 0 && x <= 1) return x;
    }
    return Math.min(1, Math.max(0, mu));
  }

  /** Log density of the mixture at x (per dimension when univariate, summed). */
  logPdf(x: readonly number[]): number {
    if (this.options.multivariate) {
      const terms = this.weights.map((w, k) => Math.log(w) + this.dims.reduce((s, _, d) => s + this.logKernel(k, d, x[d]), 0));
      return logSumExp(terms);
    }
    let total = 0;
    for (let d = 0; d < this.dims.length; d++) total += logSumExp(this.weights.map((w, k) => Math.log(w) + this.logKernel(k, d, x[d])));
    return total;
  }

  /** Log density of dimension d alone (for univariate selection). */
  logPdfDim(d: number, value: number): number {
    return logSumExp(this.weights.map((w, k) => Math.log(w) + this.logKernel(k, d, value)));
  }

  private logKernel(k: number, d: number, value: number): number {
    if (this.dims[d].kind === 'categorical') return Math.log(this.categorical[k][d][value]);
    const sigma = this.sigmas[k][d];
    const z = (value - this.mus[k][d]) / sigma;
    return -0.5 * z * z - LOG_SQRT_2PI - Math.log(sigma) - this.logZ[k][d];
  }
}

/** Optuna's univariate rule: the larger gap to a neighbour among sorted means (ends take their one gap). */
function neighbourBandwidths(mus: readonly number[]): number[] {
  const order = mus.map((mu, i) => ({ mu, i })).sort((a, b) => a.mu - b.mu || a.i - b.i);
  const sorted = [0, ...order.map((o) => o.mu), 1];
  const sigmas = new Array<number>(mus.length);
  order.forEach((o, j) => {
    const left = sorted[j + 1] - sorted[j];
    const right = sorted[j + 2] - sorted[j + 1];
    let sigma = Math.max(left, right);
    if (order.length >= 2 && j === 0) sigma = sorted[2] - sorted[1];
    if (order.length >= 2 && j === order.length - 1) sigma = sorted[sorted.length - 2] - sorted[sorted.length - 3];
    sigmas[o.i] = sigma;
  });
  return sigmas;
}
