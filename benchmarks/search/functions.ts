// The synthetic functions of /work/shared/anchors/optuna_hpo_quality.py, with the same
// definitions, bounds and optima, so regret figures compare with Optuna's.

export interface BenchmarkFunction {
  readonly name: string;
  readonly fn: (x: readonly number[]) => number;
  readonly bounds: readonly (readonly [number, number])[];
  /** The known minimiser (to compute f*). */
  readonly xstar: readonly number[];
  /** The literature optimum. */
  readonly literature: number;
}

function branin([x1, x2]: readonly number[]): number {
  const a = 1;
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const r = 6;
  const s = 10;
  const t = 1 / (8 * Math.PI);
  return a * (x2 - b * x1 ** 2 + c * x1 - r) ** 2 + s * (1 - t) * Math.cos(x1) + s;
}

const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((v) => 1e-4 * v));
const H_ALPHA = [1.0, 1.2, 3.0, 3.2];

function hartmann6(x: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < 4; i++) {
    let inner = 0;
    for (let j = 0; j < 6; j++) inner += H6_A[i][j] * (x[j] - H6_P[i][j]) ** 2;
    total += H_ALPHA[i] * Math.exp(-inner);
  }
  return -total;
}

function rosenbrock(x: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < x.length - 1; i++) total += 100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2;
  return total;
}

function levy(x: readonly number[]): number {
  const w = x.map((xi) => 1 + (xi - 1) / 4);
  let s = Math.sin(Math.PI * w[0]) ** 2;
  for (const wi of w.slice(0, -1)) s += (wi - 1) ** 2 * (1 + 10 * Math.sin(Math.PI * wi + 1) ** 2);
  const last = w[w.length - 1];
  s += (last - 1) ** 2 * (1 + Math.sin(2 * Math.PI * last) ** 2);
  return s;
}

export const FUNCTIONS: readonly BenchmarkFunction[] = [
  { name: 'branin_2d', fn: branin, bounds: [[-5, 10], [0, 15]], xstar: [Math.PI, 2.275], literature: 0.397887 },
  { name: 'hartmann6_6d', fn: hartmann6, bounds: Array(6).fill([0, 1]), xstar: [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573], literature: -3.32237 },
  { name: 'rosenbrock_4d', fn: rosenbrock, bounds: Array(4).fill([-5, 10]), xstar: [1, 1, 1, 1], literature: 0 },
  { name: 'levy_10d', fn: levy, bounds: Array(10).fill([-10, 10]), xstar: Array(10).fill(1), literature: 0 },
];

/** The lower of the literature optimum and f(x*) (Hartmann's x* is rounded), as the anchor does. */
export function fstar(f: BenchmarkFunction): number {
  return Math.min(f.literature, f.fn(f.xstar));
}
