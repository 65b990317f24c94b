#!/usr/bin/python3
"""Paper 002's GraphSAGE written the straightforward way in PyTorch eager (spec §2): a pool
SAGEConv with edge weights (scatter_reduce "amax" over in-edges, autograd through it),
BatchNorm1d, ReLU, dropout 0.5, decoder z_i w_ij z_j, RMSE loss, Adam 1e-3, full batch; the R
repeats trained one after another, each its own nn.Module. The peer of bench/run_gnn.py.
With --pyg the neighbour max runs through PyTorch Geometric's MessagePassing (aggr "max",
message w_ji p_j) instead: the model as a PyG user writes it. --device cuda runs either on a GPU.
Graph as migra builds it: row-normalised inverse-distance W over all pairs, the observed records
as message edges, a seeded 60/20/20 split, z-scored features.
usage: sage_torch.py NODES.csv FLOWS.csv --steps S [--repeats R] [--hidden 256] [--threads T]
                     [--device cpu|cuda] [--pyg]
prints one JSON line: seconds_per_step (all repeats), test CPC of the repeats' mean."""
import argparse
import csv
import json
import time

import numpy as np
import torch
from torch import nn

ap = argparse.ArgumentParser()
ap.add_argument("nodes")
ap.add_argument("flows")
ap.add_argument("--steps", type=int, default=100)
ap.add_argument("--repeats", type=int, default=1)
ap.add_argument("--hidden", type=int, default=256)
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--cpc-every", type=int, default=0, help="validation CPC every k steps (eval mode, not timed)")
ap.add_argument("--device", default="cpu")
ap.add_argument("--pyg", action="store_true", help="aggregate with PyTorch Geometric's MessagePassing")
args = ap.parse_args()
torch.set_num_threads(args.threads)
dev = torch.device(args.device)
sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)

rows = list(csv.DictReader(open(args.nodes)))
ids = {r["id"]: k for k, r in enumerate(rows)}
feat = [c for c in rows[0].keys() if c not in ("id", "x", "y")]
X = np.array([[float(r[c]) for c in feat] for r in rows])
xy = np.array([[float(r["x"]), float(r["y"])] for r in rows])
n = len(rows)
recs = {}
for r in csv.DictReader(open(args.flows)):
    i, j = ids[r["origin"]], ids[r["destination"]]
    if i != j:
        recs[(i, j)] = recs.get((i, j), 0.0) + float(r["flow"])
src = np.array([k[0] for k in recs]); dst = np.array([k[1] for k in recs]); t = np.array(list(recs.values()))
# Row sums S_i = sum_k 1/d_ik over all pairs, in blocks (W itself is never stored).
S = np.zeros(n)
for b in range(0, n, 512):
    d = np.sqrt(((xy[b:b + 512, None, :] - xy[None, :, :]) ** 2).sum(-1))
    with np.errstate(divide="ignore"):
        inv = np.where(d > 0, 1.0 / d, 0.0)
    S[b:b + 512] = inv.sum(1)
w = 1.0 / np.sqrt(((xy[src] - xy[dst]) ** 2).sum(-1)) / S[src]  # w_ij of each record
Xs = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)
m = len(t)
perm = np.random.default_rng(args.seed).permutation(m)
n_tr, n_va = int(0.6 * m), int(0.2 * m)
train, val, test = perm[:n_tr], perm[n_tr:n_tr + n_va], perm[n_tr + n_va:]

x = torch.tensor(Xs, dtype=torch.float32, device=dev)
e_src, e_dst = torch.tensor(src, device=dev), torch.tensor(dst, device=dev)
e_w = torch.tensor(w, dtype=torch.float32, device=dev)
t_all = torch.tensor(t, dtype=torch.float32, device=dev)


def max_in_scatter(p):
    """hN_i = max_{j->i} w_ji p_j (0 without in-edges; p >= 0), autograd through scatter_reduce."""
    msg = p[e_src] * e_w[:, None]
    return torch.zeros_like(p).scatter_reduce(0, e_dst[:, None].expand_as(msg), msg, "amax", include_self=True)


if args.pyg:
    from torch_geometric.nn import MessagePassing

    class WeightedMax(MessagePassing):
        def __init__(self):
            super().__init__(aggr="max")
            self.edge_index = torch.stack([e_src, e_dst])  # source_to_target: x_j is the source

        def forward(self, p):
            return self.propagate(self.edge_index, p=p)

        def message(self, p_j):
            return p_j * e_w[:, None]

    max_in = WeightedMax()
else:
    max_in = max_in_scatter


class SAGEPool(nn.Module):
    def __init__(self, fin, fout):
        super().__init__()
        self.pool = nn.Linear(fin, fin)
        self.self_ = nn.Linear(fin, fout, bias=False)
        self.neigh = nn.Linear(fin, fout, bias=False)
        self.bias = nn.Parameter(torch.zeros(fout))
        gain = nn.init.calculate_gain("relu")
        for lin in (self.pool, self.self_, self.neigh):
            nn.init.xavier_uniform_(lin.weight, gain=gain)

    def forward(self, h):
        return self.self_(h) + self.neigh(max_in(torch.relu(self.pool(h)))) + self.bias


class Sage(nn.Module):
    def __init__(self, d, H):
        super().__init__()
        self.l1, self.l2, self.l3 = SAGEPool(d, H), SAGEPool(H, H), SAGEPool(H, 1)
        self.b1, self.b2 = nn.BatchNorm1d(H), nn.BatchNorm1d(H)
        self.drop = nn.Dropout(0.5)

    def forward(self, h):
        h = self.drop(torch.relu(self.b1(self.l1(h))))
        h = self.drop(torch.relu(self.b2(self.l2(h))))
        return self.l3(h).squeeze(1)


tr_s, tr_d, tr_w, tr_t = e_src[train], e_dst[train], e_w[train], t_all[train]


def cpc_of(pred, idx):
    return float(2 * np.minimum(pred[idx], t[idx]).sum() / (pred[idx].sum() + t[idx].sum()))


preds, elapsed, trace = [], 0.0, []
for r in range(args.repeats):
    torch.manual_seed(args.seed + r)
    model = Sage(x.shape[1], args.hidden).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    for step in range(1, args.steps + 1):
        sync()
        t0 = time.perf_counter()
        opt.zero_grad()
        z = model(x)
        loss = torch.sqrt(torch.mean((z[tr_s] * tr_w * z[tr_d] - tr_t) ** 2) + 1e-12)
        loss.backward()
        opt.step()
        sync()
        elapsed += time.perf_counter() - t0
        if args.cpc_every and step % args.cpc_every == 0 and r == 0:
            model.eval()
            with torch.no_grad():
                z = model(x)
                trace.append((step, cpc_of(torch.clamp(z[e_src] * e_w * z[e_dst], min=0).double().cpu().numpy(), val)))
            model.train()
    model.eval()
    with torch.no_grad():
        z = model(x)
        preds.append(torch.clamp(z[e_src] * e_w * z[e_dst], min=0).double().cpu().numpy())
mean = np.mean(preds, 0)
cpc = 2 * np.minimum(mean[test], t[test]).sum() / (mean[test].sum() + t[test].sum())
name = "pytorch geometric" if args.pyg else "pytorch eager"
print(json.dumps({"peer": f"{name} (one module per repeat)", "device": args.device, "nodes": n, "records": m, "repeats": args.repeats,
                  "steps": args.steps, "seconds_per_step": elapsed / args.steps, "test_cpc": float(cpc),
                  "val_cpc_trace": trace}))
