#!/usr/bin/python3
"""Peer figure for benchmarks/search/other-algorithms.ts: Optuna 3.1's NSGAIISampler on ZDT1
and ZDT2 (same definitions, dimension, budget and hypervolume reference as the TS side).

Prints one JSON object: {"zdt1": [hv per seed], "zdt2": [...], ...}.
Usage: /usr/bin/python3 benchmarks/search/optuna_nsga2.py [--seeds 10] [--trials 200] [--dims 10] [--population 20]
"""
import argparse
import json
import math

import optuna

optuna.logging.set_verbosity(optuna.logging.ERROR)
REFERENCE = (1.1, 11.0)


def zdt(x, which):
    g = 1 + 9 * sum(x[1:]) / (len(x) - 1)
    f1 = x[0]
    f2 = g * (1 - math.sqrt(f1 / g)) if which == "zdt1" else g * (1 - (f1 / g) ** 2)
    return f1, f2


def hypervolume(points):
    front = sorted(p for p in points if p[0] < REFERENCE[0] and p[1] < REFERENCE[1])
    volume, best_f2 = 0.0, REFERENCE[1]
    for i, (f1, f2) in enumerate(front):
        if f2 >= best_f2:
            continue
        next_f1 = next((q[0] for q in front[i + 1:] if q[1] < f2), REFERENCE[0])
        volume += (next_f1 - f1) * (REFERENCE[1] - f2)
        best_f2 = f2
    return volume


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--dims", type=int, default=10)
    ap.add_argument("--population", type=int, default=20)
    args = ap.parse_args()
    out = {"optuna": optuna.__version__, "reference": REFERENCE}
    for which in ("zdt1", "zdt2"):
        volumes = []
        for seed in range(args.seeds):
            sampler = optuna.samplers.NSGAIISampler(seed=seed, population_size=args.population)
            study = optuna.create_study(directions=["minimize", "minimize"], sampler=sampler)
            study.optimize(lambda t: zdt([t.suggest_float(f"x{i}", 0, 1) for i in range(args.dims)], which), n_trials=args.trials)
            volumes.append(hypervolume([tuple(t.values) for t in study.trials]))
        out[which] = volumes
    print(json.dumps(out))


if __name__ == "__main__":
    main()
