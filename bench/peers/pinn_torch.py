#!/usr/bin/python3
"""Paper 000's PINN written the straightforward way in PyTorch eager: one nn.Module per node for
R_u(t) and one for lambda_u(t) (spec section 3.1), the loss of spec 3.2 with the derivatives by
double autograd per node, AdamW + cosine annealing + global-norm clipping (spec 3.3). The peer
of bench/run_pinn.py: it times epochs on the same problem sizes migra trains.
usage: pinn_torch.py NODES.csv BALANCES.csv --epochs E [--threads T] [--width 64] [--collocation 100]
prints one JSON line: nodes, epochs, seconds_per_epoch, final loss."""
import argparse
import csv
import json
import math
import sys
import time

import numpy as np
import torch
from torch import nn

ap = argparse.ArgumentParser()
ap.add_argument("nodes")
ap.add_argument("balances")
ap.add_argument("--epochs", type=int, default=100)
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--width", type=int, default=64)
ap.add_argument("--collocation", type=int, default=100)
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--log-every", type=int, default=0, help="print the loss every k epochs (stderr)")
ap.add_argument("--device", default="cpu")
args = ap.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)
dev = torch.device(args.device)
sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)

# ---- data and preprocessing (spec 1.2-1.3, 2.3) ----
nodes = list(csv.DictReader(open(args.nodes)))
ids = [r["id"] for r in nodes]
rows = list(csv.DictReader(open(args.balances)))
years = sorted({float(r["year"]) for r in rows})
R = np.zeros((len(ids) + 1, len(years)))
for r in rows:
    R[ids.index(r["node"]), years.index(float(r["year"]))] = float(r["balance"])
R[-1] = -R[:-1].sum(0)
n, T = R.shape
Rs = R - R[:, :1]
scale = np.abs(Rs).max(1)
scale[scale == 0] = 1
Rs = Rs / scale[:, None]
t_data = (np.array(years) - years[0]) / (years[-1] - years[0])
F = np.nan_to_num(np.corrcoef(R))
np.fill_diagonal(F, 1)
lat = np.radians([float(r["lat"]) for r in nodes])
lon = np.radians([float(r["lon"]) for r in nodes])
h = np.sin((lat[None] - lat[:, None]) / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None]) * np.sin((lon[None] - lon[:, None]) / 2) ** 2
km = 2 * 6371 * np.arcsin(np.sqrt(np.clip(h, 0, 1)))
D = np.ones((n, n))
D[:-1, :-1] = km / km.max()
np.fill_diagonal(D, 0)
ages = np.array([float(r["mean_age"]) for r in nodes])
g = np.clip(18 * 80 / 62 / ages - 18 / 62, 0, 1)
a = np.append(g, g.mean())
grid = np.unique(np.concatenate([np.linspace(0, 1, args.collocation), t_data]).round(12))
data_idx = np.searchsorted(grid, t_data.round(12))


class Net(nn.Module):
    """Two residual blocks with a LayerNorm skip (spec 3.1, ReLU, literal penultimate layer)."""

    def __init__(self, H):
        super().__init__()
        self.l1, self.l2, self.l3 = nn.Linear(1, H), nn.Linear(H, H), nn.Linear(H, H)
        self.skip, self.ln = nn.Linear(1, H), nn.LayerNorm(H)
        self.l4, self.l5, self.l6 = nn.Linear(H, H), nn.Linear(H, H), nn.Linear(H, 1)

    def forward(self, t):
        h = self.l3(self.l2(torch.relu(self.l1(t))))
        h = self.ln(h + self.skip(t))
        return self.l6(self.l5(torch.relu(self.l4(h))))


nets_R = nn.ModuleList([Net(args.width) for _ in range(n)]).to(dev)
nets_L = nn.ModuleList([Net(args.width) for _ in range(n)]).to(dev)
C_r = nn.Parameter(torch.zeros(n, n, device=dev))
C_d = nn.Parameter(torch.zeros(n, n, device=dev))
W = nn.Parameter(torch.zeros(n, n, device=dev))
c_a = nn.Parameter(torch.zeros((), device=dev))
c_e = nn.Parameter(torch.ones((), device=dev))
params = list(nets_R.parameters()) + list(nets_L.parameters()) + [C_r, C_d, W, c_a, c_e]
opt = torch.optim.AdamW(params, lr=2e-3, weight_decay=0.01)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs, eta_min=2e-4)
Ft, Dt = torch.tensor(F, dtype=torch.float32, device=dev), torch.tensor(D, dtype=torch.float32, device=dev)
at = torch.tensor(a, dtype=torch.float32, device=dev)
Robs = torch.tensor(Rs, dtype=torch.float32, device=dev)
tg = torch.tensor(grid, dtype=torch.float32, device=dev).view(-1, 1)
didx = torch.tensor(data_idx, device=dev)


def step():
    opt.zero_grad()
    Rh, dRh, d2Rh, lam = [], [], [], []
    for u in range(n):
        t = tg.clone().requires_grad_(True)
        r = nets_R[u](t)
        d1 = torch.autograd.grad(r.sum(), t, create_graph=True)[0]
        d2 = torch.autograd.grad(d1.sum(), t, create_graph=True)[0]
        Rh.append(r[:, 0]), dRh.append(d1[:, 0]), d2Rh.append(d2[:, 0])
        lam.append(nets_L[u](tg)[:, 0])
    Rh, dRh, d2Rh, lam = torch.stack(Rh), torch.stack(dRh), torch.stack(d2Rh), torch.stack(lam)
    K = C_r * Ft + C_d * Dt
    G = 0.5 * (W + W.T)
    res = d2Rh + K @ Rh + G @ dRh + c_a * at[:, None] - c_e * lam
    l0 = (Rh[:, 0].abs() + dRh[:, 0].abs()).sum()
    ld = ((Robs - Rh[:, didx]) ** 2).mean(1).sum()
    lp = (res ** 2).mean(1).sum()
    loss = l0 + ld + lp
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    opt.step()
    sched.step()
    return loss.item()


step()  # warm-up (not timed)
sync()
t0 = time.perf_counter()
for k in range(args.epochs - 1):
    loss = step()
    if args.log_every and (k + 2) % args.log_every == 0:
        print(f"{k + 2},{loss}", file=sys.stderr, flush=True)
sync()
sec = (time.perf_counter() - t0) / max(1, args.epochs - 1)
print(json.dumps({"peer": "pytorch-eager " + torch.__version__, "device": args.device, "nodes": n, "grid": len(grid), "width": args.width,
                  "threads": args.threads, "epochs": args.epochs, "seconds_per_epoch": sec, "final_loss": loss}))
