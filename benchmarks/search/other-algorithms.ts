// Bars for the algorithms other than TPE, each a ratio measured in one run:
//  - ASHA, Hyperband and BOHB against random search at equal total epochs on a multi-fidelity
//    Hartmann6 (the cheap fidelities are biased and noisier);
//  - NSGA-II's hypervolume on ZDT1 and ZDT2 against random and, when Debian's python3-optuna is
//    installed, against Optuna 3.1's NSGAIISampler (optuna_nsga2.py) at equal evaluations;
//  - evolution, regularized evolution and BackboneNas against random on a discrete
//    network-like space (an NK landscape over 12 choices of 4 options);
//  - PruneEA's hypervolume (accuracy versus FLOPs of a pruned backbone) against random codes;
//  - PBT against random search at equal total epochs (training curves that reward
//    reallocating epochs to good hyperparameters).
//
//   node -r @swc-node/register benchmarks/search/other-algorithms.ts [--seeds 10]
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createSearchAlgorithm } from '@vela/algorithms';
import { driveSearch, pointNoise } from '@vela/algorithms/testing';
import { Point, SearchSpace } from '@vela/search-space';
import { FUNCTIONS, fstar } from './functions';

const seedsArg = process.argv.indexOf('--seeds');
const SEEDS = seedsArg > 0 ? Number(process.argv[seedsArg + 1]) : 10;
const seeds = Array.from({ length: SEEDS }, (_, i) => i);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function pointsOf(observations: ReturnType<typeof driveSearch>['observations']): Map<string, Point> {
  return new Map(observations.filter((o) => o.suggestion).map((o) => [o.trialId, (o.suggestion as { point: Point }).point]));
}

const rows: string[] = ['| bar | algorithm | median | reference (median) | ratio |', '|---|---|---|---|---|'];
const row = (bar: string, name: string, value: number, referenceName: string, reference: number, lowerIsBetter: boolean) =>
  rows.push(`| ${bar} | ${name} | ${value.toPrecision(4)} | ${referenceName} (${reference.toPrecision(4)}) | ${(value / reference).toFixed(2)}${lowerIsBetter ? ' (lower is better)' : ' (higher is better)'} |`);

// ---------------------------------------------------------------- multi-fidelity
{
  const hartmann = FUNCTIONS.find((f) => f.name === 'hartmann6_6d') as (typeof FUNCTIONS)[number];
  const fs0 = fstar(hartmann);
  const space = SearchSpace.fromConfig({ hyperparameters: hartmann.bounds.map(([low, high], i) => ({ key: `x${i}`, type: 'FLOAT', range: [low, high] })) });
  const x = (p: Point) => hartmann.bounds.map((_, i) => p[`x${i}`] as number);
  const MAX = 27;
  const objective = (p: Point, epoch: number) => hartmann.fn(x(p)) + (1.0 * pointNoise(p, 'bias')) / epoch + (0.6 * (pointNoise({ ...p, epoch }, 'noise') - 0.5)) / Math.sqrt(epoch);
  const budget = MAX * 40;
  const regret = (type: string, seed: number) => {
    const policy = type === 'random' ? { num_sample: 10_000, epochs: MAX } : { total_epochs: MAX, ...(type === 'asha' ? { config_count: 10_000 } : { repeat_times: 50 }) };
    const { observations } = driveSearch(createSearchAlgorithm({ type, policy }, space, { seed }), { parallel: 4, epochBudget: budget, objective, objectives: [{ key: 'loss', goal: 'MINIMIZE' }] });
    const points = pointsOf(observations);
    let best = Infinity;
    for (const o of observations) if (o.final && o.epoch === MAX) best = Math.min(best, hartmann.fn(x(points.get(o.trialId) as Point)) - fs0);
    return best;
  };
  const random = median(seeds.map((seed) => regret('random', seed)));
  for (const type of ['asha', 'hyperband', 'bohb']) row(`multi-fidelity Hartmann6, ${budget} epochs, true regret`, type, median(seeds.map((seed) => regret(type, seed))), 'random', random, true);
  process.stderr.write('multi-fidelity done\n');
}

// ---------------------------------------------------------------- NSGA-II on ZDT1/ZDT2
{
  const DIMS = 10;
  const TRIALS = 200;
  const POPULATION = 20;
  const REFERENCE = [1.1, 11];
  const space = SearchSpace.fromConfig({ hyperparameters: Array.from({ length: DIMS }, (_, i) => ({ key: `x${i}`, type: 'FLOAT', range: [0, 1] })) });
  const zdt = (which: string) => (p: Point) => {
    const v = Array.from({ length: DIMS }, (_, i) => p[`x${i}`] as number);
    const g = 1 + (9 * v.slice(1).reduce((s, a) => s + a, 0)) / (DIMS - 1);
    return [v[0], which === 'zdt1' ? g * (1 - Math.sqrt(v[0] / g)) : g * (1 - (v[0] / g) ** 2)];
  };
  const hypervolume = (points: number[][]) => {
    const front = points.filter(([a, b]) => a < REFERENCE[0] && b < REFERENCE[1]).sort((p, q) => p[0] - q[0] || p[1] - q[1]);
    let volume = 0;
    let bestF2 = REFERENCE[1];
    front.forEach(([f1, f2], i) => {
      if (f2 >= bestF2) return;
      volume += ((front.slice(i + 1).find((q) => q[1] < f2)?.[0] ?? REFERENCE[0]) - f1) * (REFERENCE[1] - f2);
      bestF2 = f2;
    });
    return volume;
  };
  let optuna: Record<string, number[]> | undefined;
  if (fs.existsSync('/usr/bin/python3')) {
    try {
      const script = path.join(__dirname, 'optuna_nsga2.py');
      optuna = JSON.parse(execFileSync('/usr/bin/python3', [script, '--seeds', String(SEEDS), '--trials', String(TRIALS), '--dims', String(DIMS), '--population', String(POPULATION)], { encoding: 'utf8' }));
    } catch (error) {
      process.stderr.write(`Optuna's NSGA-II not run (${(error as Error).message.split('\n')[0]})\n`);
    }
  }
  for (const which of ['zdt1', 'zdt2']) {
    const run = (type: string, settings: object, seed: number) => {
      const { observations } = driveSearch(createSearchAlgorithm({ type, objective_keys: ['f1', 'f2'], ...settings }, space, { seed }), {
        parallel: 4,
        trials: TRIALS,
        objective: zdt(which),
        objectives: [{ key: 'f1', goal: 'MINIMIZE' }, { key: 'f2', goal: 'MINIMIZE' }],
      });
      return hypervolume(observations.filter((o) => o.final).map((o) => (o.objectives ?? []).map((v) => v.value)));
    };
    const nsga = median(seeds.map((seed) => run('nsga2', { policy: { num_individual: POPULATION, num_generation: TRIALS / POPULATION - 1 } }, seed)));
    row(`${which.toUpperCase()} ${DIMS}-d hypervolume, ${TRIALS} evaluations`, 'nsga2', nsga, 'random', median(seeds.map((seed) => run('random', { policy: { num_sample: TRIALS } }, seed))), false);
    if (optuna?.[which]) row(`${which.toUpperCase()} ${DIMS}-d hypervolume, ${TRIALS} evaluations`, 'nsga2', nsga, 'Optuna NSGAIISampler', median(optuna[which]), false);
  }
  process.stderr.write('nsga2 done\n');
}

// ---------------------------------------------------------------- evolution on a discrete space
{
  const keys = Array.from({ length: 12 }, (_, i) => `c${i}`);
  const space = SearchSpace.fromConfig({ modules: ['backbone'], backbone: Object.fromEntries(keys.map((key) => [key, [0, 1, 2, 3]])) });
  const accuracy = (p: Point) => {
    const genes = keys.map((key) => p[`network.backbone.${key}`] as number);
    return genes.reduce((s, g, i) => s + pointNoise({ i, g, next: genes[(i + 1) % genes.length], after: genes[(i + 2) % genes.length] }, 'nk'), 0) / genes.length;
  };
  const TRIALS = 150;
  const best = (type: string, settings: object, seed: number) => {
    const { observations } = driveSearch(createSearchAlgorithm({ type, ...settings }, space, { seed }), { parallel: 4, trials: TRIALS, objective: (p) => accuracy(p) });
    return Math.max(...observations.filter((o) => o.final).map((o) => o.objectives?.[0].value ?? -Infinity));
  };
  const random = median(seeds.map((seed) => best('random', { policy: { num_sample: TRIALS } }, seed)));
  const settings: Record<string, object> = {
    evolution: { policy: { num_individual: 15, num_generation: 9 } },
    regularized_evolution: { policy: { num_sample: TRIALS, num_individual: 20, sample_size: 5 } },
    backbone_nas: { policy: { num_mutate: 1 }, range: { max_sample: TRIALS, min_sample: 15 } },
  };
  for (const [type, s] of Object.entries(settings)) row(`NK landscape, 12 choices × 4, ${TRIALS} trials, best accuracy`, type, median(seeds.map((seed) => best(type, s, seed))), 'random', random, false);
  process.stderr.write('evolution done\n');
}

// ---------------------------------------------------------------- PruneEA: accuracy versus FLOPs
{
  const baseChn = [16, 16, 32, 32];
  const baseNode = [16, 32];
  const total = [...baseChn, ...baseNode].reduce((a, b) => a + b, 0);
  const pruneSpace = { modules: ['backbone'], backbone: { type: 'PruneResNet', base_chn: baseChn, base_chn_node: baseNode, num_classes: 10 } };
  const importance = Array.from({ length: total }, (_, i) => pointNoise({ i }, 'importance') ** 3);
  const fullFlops = baseChn.reduce((s, c, i) => s + c * (baseChn[i + 1] ?? 10), 0);
  /** Accuracy: the share of channel importance kept (diminishing returns); FLOPs: products of adjacent kept widths. */
  const objective = (p: Point) => {
    const code = p['network.backbone.encoding'] as number[];
    const kept = importance.reduce((s, w, i) => s + w * code[i], 0) / importance.reduce((a, b) => a + b, 0);
    let start = 0;
    const widths = baseChn.map((c) => {
      const width = code.slice(start, start + c).reduce((a, b) => a + b, 0);
      start += c;
      return width;
    });
    const flops = widths.reduce((s, c, i) => s + c * (widths[i + 1] ?? 10), 0) / fullFlops;
    return [Math.sqrt(kept), flops];
  };
  const reference = [0, 1.1];
  const hypervolume = (points: number[][]) => {
    const front = points.filter(([acc, flops]) => acc > reference[0] && flops < reference[1]).sort((p, q) => q[0] - p[0] || p[1] - q[1]);
    let volume = 0;
    let bestFlops = reference[1];
    front.forEach(([acc, flops], i) => {
      if (flops >= bestFlops) return;
      volume += (acc - (front.slice(i + 1).find((q) => q[1] < flops)?.[0] ?? reference[0])) * (reference[1] - flops);
      bestFlops = flops;
    });
    return volume;
  };
  const TRIALS = 200;
  const run = (type: string, settings: object, seed: number) => {
    // Random search draws the codes directly, as BINARY_CODE points of the same key.
    const space = SearchSpace.fromConfig(type === 'random' ? { hyperparameters: [{ key: 'network.backbone.encoding', type: 'BINARY_CODE', range: [total] }] } : pruneSpace);
    const search = createSearchAlgorithm({ type, objective_keys: ['accuracy', 'flops'], ...settings }, space, { seed });
    const { observations } = driveSearch(search, { parallel: 4, trials: TRIALS, objective, objectives: [{ key: 'accuracy', goal: 'MAXIMIZE' }, { key: 'flops', goal: 'MINIMIZE' }] });
    return hypervolume(observations.filter((o) => o.final).map((o) => (o.objectives ?? []).map((v) => v.value)));
  };
  const prune = median(seeds.map((seed) => run('PruneEA', { codec: 'PruneCodec', policy: { length: total, num_generation: 8, num_individual: 20, random_samples: 40 } }, seed)));
  row(`pruning ${total} channels, hypervolume of (accuracy, FLOPs), ${TRIALS} trials`, 'prune_ea', prune, 'random codes', median(seeds.map((seed) => run('random', { policy: { num_sample: TRIALS } }, seed))), false);
  process.stderr.write('prune_ea done\n');
}

// ---------------------------------------------------------------- PBT
{
  const space = SearchSpace.fromConfig({
    hyperparameters: [
      { key: 'trainer.optimizer.params.lr', type: 'FLOAT_EXP', range: [1e-5, 1] },
      { key: 'trainer.optimizer.params.momentum', type: 'FLOAT', range: [0, 0.99] },
      { key: 'trainer.optimizer.type', type: 'CATEGORY', range: ['SGD', 'Adam', 'RMSprop'] },
    ],
  });
  /** The accuracy a configuration approaches, and a training curve rising towards it. */
  const ceiling = (p: Point) =>
    Math.exp(-((Math.log10(p['trainer.optimizer.params.lr'] as number) + 2.5) ** 2) / 2) * (1 - 0.3 * ((p['trainer.optimizer.params.momentum'] as number) - 0.9) ** 2) * (p['trainer.optimizer.type'] === 'Adam' ? 1 : 0.8);
  const objective = (p: Point, epoch: number) => ceiling(p) * (epoch / (epoch + 5));
  const EACH = 2;
  const ROUNDS = 10;
  const MEMBERS = 10;
  const epochs = EACH * ROUNDS * MEMBERS;
  const best = (type: string, settings: object, seed: number) => {
    const { observations } = driveSearch(createSearchAlgorithm({ type, ...settings }, space, { seed }), { parallel: MEMBERS, epochBudget: epochs, objective });
    return Math.max(...observations.filter((o) => o.final).map((o) => o.objectives?.[0].value ?? -Infinity));
  };
  const pbt = median(seeds.map((seed) => best('PBTHpo', { policy: { each_epochs: EACH, config_count: MEMBERS, total_rungs: ROUNDS } }, seed)));
  const random = median(seeds.map((seed) => best('random', { policy: { num_sample: MEMBERS, epochs: EACH * ROUNDS } }, seed)));
  row(`training curves, ${epochs} epochs in all, best accuracy`, 'pbt', pbt, 'random (10 trials × 20 epochs)', random, false);
  process.stderr.write('pbt done\n');
}

console.log(`seeds ${SEEDS}`);
console.log(rows.join('\n'));
