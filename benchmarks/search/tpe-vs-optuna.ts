// Vela's TPE and random search against Optuna 3.1's anchor figures on the anchor's functions.
//
//   node -r @swc-node/register benchmarks/search/tpe-vs-optuna.ts [--seeds 20] [--trials 100]
//        [--functions branin_2d,levy_10d] [--algorithms tpe,random] [--set n_ei_candidates=48 ...] [--parallel 4]
//
// Median simple regret (best value found minus f*) after 25, 50 and 100 evaluations over the
// seeds, milliseconds per trial (suggest + observe), and the ratio to Optuna's median from
// ../shared/anchors/results/optuna_hpo_quality.json (ratio < 1: Vela is better).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createSearchAlgorithm } from '@vela/algorithms';
import { SearchSpace } from '@vela/search-space';
import { BenchmarkFunction, FUNCTIONS, fstar } from './functions';

interface Args {
  seeds: number;
  trials: number;
  functions: string[];
  algorithms: string[];
  policy: Record<string, unknown>;
  /** Trials in flight at once (suggest(n) batches, constant liar); 1 is the anchor's setting. */
  parallel: number;
  json?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { seeds: 20, trials: 100, functions: FUNCTIONS.map((f) => f.name), algorithms: ['tpe', 'random'], policy: {}, parallel: 1 };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--seeds': args.seeds = Number(value); i++; break;
      case '--trials': args.trials = Number(value); i++; break;
      case '--functions': args.functions = value.split(','); i++; break;
      case '--algorithms': args.algorithms = value.split(','); i++; break;
      case '--json': args.json = value; i++; break;
      case '--parallel': args.parallel = Number(value); i++; break;
      case '--set': {
        const [key, raw] = value.split('=');
        args.policy[key] = raw === 'true' ? true : raw === 'false' ? false : Number.isNaN(Number(raw)) ? raw : Number(raw);
        i++;
        break;
      }
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  return args;
}

/** Linear-interpolated percentile, as numpy's (the anchor's) default. */
function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = ((sorted.length - 1) * q) / 100;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

function median(values: number[]): number {
  return percentile(values, 50);
}

function spaceFor(f: BenchmarkFunction): SearchSpace {
  return SearchSpace.fromConfig({ hyperparameters: f.bounds.map(([low, high], i) => ({ key: `x${i}`, type: 'FLOAT', range: [low, high] })) });
}

/**
 * One search: returns the best-so-far curve and the mean ms per trial. With `parallel` > 1 the
 * trials are asked for and evaluated in batches, the batch pending while it is evaluated.
 */
function runOne(f: BenchmarkFunction, algorithmName: string, seed: number, trials: number, policy: Record<string, unknown>, parallel = 1): { curve: number[]; ms: number } {
  const space = spaceFor(f);
  const algorithm = createSearchAlgorithm({ type: algorithmName, policy: { num_sample: trials, ...(algorithmName === 'tpe' ? policy : {}) } }, space, { seed });
  const curve: number[] = [];
  let best = Infinity;
  let spent = 0;
  const timed = <T>(fn: () => T): T => {
    const start = process.hrtime.bigint();
    const result = fn();
    spent += Number(process.hrtime.bigint() - start);
    return result;
  };
  while (curve.length < trials) {
    const batch = timed(() => algorithm.suggest(Math.min(parallel, trials - curve.length))).map((s, i) => ({ ...s, trialId: `t${curve.length + i}` }));
    timed(() => algorithm.observe(batch.map((s) => ({ trialId: s.trialId, attempt: 1, epoch: 0, state: 'PENDING' as const, suggestion: s }))));
    for (const suggestion of batch) {
      const value = f.fn(f.bounds.map((_, i) => suggestion.point[`x${i}`] as number));
      timed(() => algorithm.observe([{ trialId: suggestion.trialId, attempt: 1, epoch: 1, state: 'SUCCEEDED', final: true, objectives: [{ key: 'value', value, goal: 'MINIMIZE' }] }]));
      best = Math.min(best, value);
      curve.push(best);
    }
  }
  return { curve, ms: spent / 1e6 / trials };
}

function loadAnchor(): Record<string, Record<string, Record<string, { median: number } | number>>> | undefined {
  const file = path.resolve(__dirname, '../../../shared/anchors/results/optuna_hpo_quality.json');
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')).results : undefined;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const anchor = loadAnchor();
  const checkpoints = [25, 50, 100].filter((c) => c <= args.trials);
  // Warm the JIT up so the first function's timings are not compile time.
  for (const algorithmName of args.algorithms) runOne(FUNCTIONS[0], algorithmName, 999, Math.min(args.trials, 60), args.policy);
  const rows: string[] = [];
  const out: Record<string, unknown> = { seeds: args.seeds, trials: args.trials, policy: args.policy, results: {} };
  rows.push(`| function | algorithm | ${checkpoints.map((c) => `@${c} (ratio to Optuna)`).join(' | ')} | ms/trial (Optuna's) |`);
  rows.push(`|---|---|${checkpoints.map(() => '---').join('|')}|---|`);
  for (const name of args.functions) {
    const f = FUNCTIONS.find((candidate) => candidate.name === name);
    if (!f) throw new Error(`unknown function ${name}; known: ${FUNCTIONS.map((c) => c.name).join(', ')}`);
    const fs0 = fstar(f);
    for (const algorithmName of args.algorithms) {
      const runs = Array.from({ length: args.seeds }, (_, seed) => runOne(f, algorithmName, seed, args.trials, args.policy, args.parallel));
      const medians = checkpoints.map((c) => median(runs.map((r) => r.curve[c - 1] - fs0)));
      const ms = runs.reduce((s, r) => s + r.ms, 0) / runs.length;
      const optuna = anchor?.[name]?.[algorithmName === 'tpe' ? 'tpe' : 'random'];
      const cells = checkpoints.map((c, i) => {
        const reference = (optuna?.[`regret@${c}`] as { median: number } | undefined)?.median;
        return `${medians[i].toPrecision(4)}${reference !== undefined ? ` (${(medians[i] / reference).toFixed(2)})` : ''}`;
      });
      const optunaMs = optuna?.['ms_per_trial_mean'] as number | undefined;
      rows.push(`| ${name} | ${algorithmName} | ${cells.join(' | ')} | ${ms.toFixed(2)}${optunaMs !== undefined ? ` (${optunaMs.toFixed(2)})` : ''} |`);
      (out.results as Record<string, unknown>)[`${name}/${algorithmName}`] = {
        ...Object.fromEntries(
          checkpoints.map((c) => {
            const regrets = runs.map((r) => r.curve[c - 1] - fs0);
            return [`regret@${c}`, { median: median(regrets), p25: percentile(regrets, 25), p75: percentile(regrets, 75) }];
          }),
        ),
        msPerTrial: ms,
      };
      process.stderr.write(`${name} ${algorithmName} done\n`);
    }
  }
  console.log(`seeds ${args.seeds}, trials ${args.trials}, parallel ${args.parallel}, TPE policy ${JSON.stringify(args.policy)}`);
  console.log(rows.join('\n'));
  if (args.json) fs.writeFileSync(args.json, JSON.stringify(out, null, 1));
}

main();
