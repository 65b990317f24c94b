#!/usr/bin/python3
"""How well can paper 002's decoder t_ij = z_i w_ij z_j (w row-normalised 1/d) fit a data set at
all? No GNN: z comes either free per node, or log-linear in the nodes' log features (a gravity
model with every feature as a mass), fitted by Adam on the train records (a seeded 60/20/20 split
of the records); CPC on the held-out 20 %. Variants: separate origin and destination z
(`gnn train --decoder directed`), the decoder's power free (w^theta, `--weight-power learned`),
an exponential decay as well (w^theta e^(-kappa d/d_m), `--distance-decay learned`), and the MAE
loss (`--loss mae`). A GNN feeds this decoder, so this bounds what it can reach without
overfitting.
usage: gnn_decoder_bound.py [NODES.csv FLOWS.csv] (default data/synthetic366)"""
import csv
import os
import sys

import numpy as np
import torch

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
nodes_csv, flows_csv = sys.argv[1:3] if len(sys.argv) > 2 else (os.path.join(root, 'data/synthetic366/nodes.csv'), os.path.join(root, 'data/synthetic366/flows.csv'))
torch.manual_seed(0); np.random.seed(0)
nodes = list(csv.DictReader(open(nodes_csv)))
idx = {r['id']: k for k, r in enumerate(nodes)}
if 'x' in nodes[0]:
    x = np.array([float(r['x']) for r in nodes]); y = np.array([float(r['y']) for r in nodes])
else:  # lon/lat: a local equirectangular projection in km (distances within a state)
    lon = np.radians([float(r['lon']) for r in nodes]); lat = np.radians([float(r['lat']) for r in nodes])
    x = 6371.0088 * lon * np.cos(lat.mean()); y = 6371.0088 * lat
n = len(nodes)
feature_cols = [c for c in nodes[0] if c not in ('id', 'x', 'y', 'lon', 'lat', 'name')]
F = np.log1p(np.array([[float(r[c]) for c in feature_cols] for r in nodes]))
F = torch.tensor((F - F.mean(0)) / np.where(F.std(0) > 0, F.std(0), 1))
d = np.hypot(x[:, None] - x[None], y[:, None] - y[None]); np.fill_diagonal(d, np.inf)
W = (1 / d) / (1 / d).sum(1, keepdims=True)
fl = [(idx[r['origin']], idx[r['destination']], float(r['flow'])) for r in csv.DictReader(open(flows_csv))
      if r['origin'] != r['destination']]
o = np.array([a for a, _, _ in fl]); t = np.array([b for _, b, _ in fl]); f = np.array([c for _, _, c in fl])
perm = np.random.permutation(len(f)); ntr = len(f) * 6 // 10; nva = len(f) * 2 // 10
tr, te = perm[:ntr], perm[ntr + nva:]
def cpc(a, b): return 2 * np.minimum(a, b).sum() / (a.sum() + b.sum())
log_w = torch.log(torch.tensor(W[o, t])); ft = torch.tensor(f)
dist = torch.tensor(d[o, t]); dist = dist / dist[tr].mean()  # d / d_m


def fit(z, sep, power, decay, mae, steps=4000):
    """z: 'free' (one log z per node) or 'features' (log z linear in the log features)."""
    def zeros(*s): return torch.zeros(*s, dtype=torch.float64, requires_grad=True)
    dth, kappa, c = zeros(()), zeros(()), zeros(())
    a, b = (zeros(n), zeros(n)) if z == 'free' else (zeros(F.shape[1]), zeros(F.shape[1]))
    with torch.no_grad(): c += np.log(f.mean() / np.exp(log_w.numpy()).mean())
    opt = torch.optim.Adam([a, b, c] + ([dth] if power else []) + ([kappa] if decay else []), lr=0.05 if z == 'free' else 0.02)
    for _ in range(steps):
        opt.zero_grad()
        la, lb = (a, b) if z == 'free' else (F @ a, F @ b)
        pred = torch.exp(c + la[o] + (lb if sep else la)[t] + (1 + dth) * log_w - kappa * dist)
        err = pred[tr] - ft[tr]
        (err.abs().mean() if mae else (err ** 2).mean()).backward()
        opt.step()
    p = pred.detach().numpy()
    return cpc(f[tr], p[tr]), cpc(f[te], p[te]), 1 + dth.item(), kappa.item()


rows = [("free", False, False, False, False, "one z per node (the paper's decoder)"),
        ("free", True, False, False, False, "separate origin and destination z"),
        ("free", False, True, False, False, "one z per node, w^theta"),
        ("free", True, True, False, False, "separate z, w^theta"),
        ("free", True, True, True, False, "separate z, w^theta e^(-kappa d/d_m)")]
if feature_cols:
    rows += [("features", True, True, False, False, "log-linear z, w^theta"),
             ("features", True, True, True, False, "log-linear z, w^theta e^(-kappa d/d_m)"),
             ("features", True, True, True, True, "log-linear z, w^theta e^(-kappa d/d_m), MAE loss")]
for z, sep, power, decay, mae, name in rows:
    ctr, cte, th, ka = fit(z, sep, power, decay, mae)
    print(f"{name}: train CPC {ctr:.4f}, test CPC {cte:.4f}, theta {th:.3f}, kappa {ka:.3f}")
