#!/usr/bin/python3
"""The anchor's one-epoch run (its model, step(), data and evaluation, imported unchanged from
../shared/anchors/torch_train_bench.py, 1 thread) started from Vela's initial weights and fed
in Vela's batch order (vela-start.ts's JSON). Beside Vela's own epoch from the same start, it
tells the implementations apart from the draws of weights and order. Prints one JSON object.

  node -r @swc-node/register benchmarks/trainer/vela-start.ts --seed 0 --out /tmp/start0.json
  /usr/bin/python3 benchmarks/trainer/torch-from-vela-start.py /tmp/start0.json
"""
import json
import os
import re
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../shared/anchors'))
import torch_train_bench as anchor  # noqa: E402


def creation_order(layers, cls):
    """Vela's layers of one class in the order they were built (tfjs numbers each class's layers)."""
    return sorted((l for l in layers if l['class'] == cls), key=lambda l: int(re.search(r'(\d+)$', l['name']).group(1)))


def load_start(model, layers):
    """Vela's weights into the anchor's modules: both build conv, BN, ..., fc in the same order."""
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    vela_convs, vela_bns = creation_order(layers, 'Conv2D'), creation_order(layers, 'TorchBatchNorm')
    assert len(convs) == len(vela_convs) and len(bns) == len(vela_bns)
    values = lambda w: torch.from_numpy(np.array(w['values'], np.float32).reshape(w['shape']))
    with torch.no_grad():
        for conv, layer in zip(convs, vela_convs):
            kernel = values(layer['weights'][0]).permute(3, 2, 0, 1)  # [kh, kw, in, out] -> [out, in, kh, kw]
            assert kernel.shape == conv.weight.shape
            conv.weight.copy_(kernel)
        for bn, layer in zip(bns, vela_bns):
            for target, w in zip((bn.weight, bn.bias, bn.running_mean, bn.running_var), layer['weights']):
                target.copy_(values(w))
        dense = creation_order(layers, 'Dense')[0]['weights']
        model.fc.weight.copy_(values(dense[0]).T)
        model.fc.bias.copy_(values(dense[1]))


def main():
    start = json.load(open(sys.argv[1]))
    torch.set_num_threads(1)
    model, opt = anchor.make(start['seed'])
    load_start(model, start['layers'])
    xtr, ytr, xte, yte = anchor.load_fmnist()
    order = torch.tensor(start['order'], dtype=torch.int64)
    model.train()
    losses = []
    t0 = time.perf_counter()
    for s in range(0, xtr.shape[0], 128):
        j = order[s:s + 128]
        losses.append(anchor.step(model, opt, xtr[j], ytr[j]).item())
    train_s = time.perf_counter() - t0
    model.eval()
    correct = 0
    with torch.no_grad():
        for s in range(0, xte.shape[0], 1000):
            correct += (model(xte[s:s + 1000]).argmax(1) == yte[s:s + 1000]).sum().item()
    print(json.dumps({'script': 'torch-from-vela-start.py', 'torch': torch.__version__, 'seed': start['seed'],
                      'test_accuracy': correct / xte.shape[0], 'mean_train_loss': float(np.mean(losses)),
                      'step_losses': {str(i + 1): losses[i] for i in list(range(49, len(losses), 50)) + [len(losses) - 1]},
                      'epoch_train_s': train_s}, indent=1))


if __name__ == '__main__':
    main()
