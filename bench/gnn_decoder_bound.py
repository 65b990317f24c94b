#!/usr/bin/python3
"""How well can paper 002's decoder t_ij = z_i w_ij z_j (w row-normalised 1/d) fit a data set at
all? z free per node (no GNN), fitted by Adam on the train records' squared error (a seeded
60/20/20 split of the records), CPC on the held-out 20 %; also with separate origin and
destination z, and each with the decoder's power free (w^theta, `gnn train --weight-power learned`).
A GNN feeds this decoder, so this bounds what it can reach without overfitting.
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
d = np.hypot(x[:, None] - x[None], y[:, None] - y[None]); np.fill_diagonal(d, np.inf)
W = (1 / d) / (1 / d).sum(1, keepdims=True)
fl = [(idx[r['origin']], idx[r['destination']], float(r['flow'])) for r in csv.DictReader(open(flows_csv))
      if r['origin'] != r['destination']]
o = np.array([a for a, _, _ in fl]); t = np.array([b for _, b, _ in fl]); f = np.array([c for _, _, c in fl])
perm = np.random.permutation(len(f)); ntr = len(f) * 6 // 10; nva = len(f) * 2 // 10
tr, te = perm[:ntr], perm[ntr + nva:]
def cpc(a, b): return 2 * np.minimum(a, b).sum() / (a.sum() + b.sum())
w = torch.tensor(W[o, t]); ft = torch.tensor(f)
for name, sep, pw in (("one z per node (the paper's decoder)", False, False), ("separate origin and destination z", True, False),
                      ("one z per node, w^theta", False, True), ("separate z, w^theta", True, True)):
    dth = torch.zeros((), dtype=torch.float64, requires_grad=True)  # theta - 1
    lz = torch.zeros(n, dtype=torch.float64, requires_grad=True); lz2 = torch.zeros(n, dtype=torch.float64, requires_grad=True)
    with torch.no_grad(): lz += 0.5 * np.log(f.mean() / W[o, t].mean()); lz2 += 0.5 * np.log(f.mean() / W[o, t].mean())
    opt = torch.optim.Adam([lz, lz2, dth] if pw else [lz, lz2], lr=0.05)
    for it in range(4000):
        opt.zero_grad()
        pred = torch.exp(lz[o] + (lz2 if sep else lz)[t] + (1 + dth) * torch.log(w))
        loss = ((pred[tr] - ft[tr]) ** 2).mean(); loss.backward(); opt.step()
    p = pred.detach().numpy()
    print(f"{name}: train CPC {cpc(f[tr], p[tr]):.4f}, test CPC {cpc(f[te], p[te]):.4f}, theta {1 + dth.item():.3f}")
