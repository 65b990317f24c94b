#!/usr/bin/python3
"""Peer for bench_ot: POT's log-domain Sinkhorn (ot.sinkhorn(method='sinkhorn_log')) on the
same problem law as bench/bench_ot.cpp (n = m uniform points in the unit square, squared
Euclidean cost, eps = 1% of the mean cost 1/3, a fixed number of iterations, POT's own check
every 10), with NumPy arrays or, with --torch, torch tensors (POT's torch backend: the
"PyTorch logsumexp Sinkhorn"). The cost matrix is built before the clock starts. One JSON line
per size. Where POT is not installed (our GPU hosts), --torch runs the same log-domain
iterations written out in torch (impl "torch-logsumexp"):
    v = log b − LSE_i(−M_ij/ε + u_i),   u = log a − LSE_j(−M_ij/ε + v_j)
usage: ot_pot.py [--torch] [--device cpu|cuda] [--sizes ...] [--iters 40] [--threads 2]"""
import argparse
import json
import time

import numpy as np

try:
    import ot
except ImportError:
    ot = None

ap = argparse.ArgumentParser()
ap.add_argument("--torch", action="store_true")
ap.add_argument("--device", default="cpu")
ap.add_argument("--sizes", default="1024,2048,4096")
ap.add_argument("--iters", type=int, default=40)
ap.add_argument("--threads", type=int, default=0)
ap.add_argument("--hists", type=int, default=0, help="B target histograms on one cost (POT loops over them)")
args = ap.parse_args()
if ot is None and not args.torch:
    raise SystemExit("ot_pot.py: POT is not installed (Debian: python3-pot); --torch runs without it")


def sinkhorn_log_torch(a, b, M, reg, iters):
    """POT's sinkhorn_log iterations without its convergence checks; b may hold B columns."""
    import torch
    K = -M / reg
    la, lb = torch.log(a), torch.log(b)
    if lb.dim() == 1:
        u = torch.zeros_like(la)
        for _ in range(iters):
            v = lb - torch.logsumexp(K + u[:, None], 0)
            u = la - torch.logsumexp(K + v[None, :], 1)
        return u, v
    u = torch.zeros(la.shape[0], lb.shape[1], dtype=M.dtype, device=M.device)
    for _ in range(iters):
        v = lb - torch.logsumexp(K[:, :, None] + u[:, None, :], 0)
        u = la[:, None] - torch.logsumexp(K[:, :, None] + v[None, :, :], 1)
    return u, v


for n in [int(s) for s in args.sizes.split(",")]:
    rng = np.random.default_rng(42)
    x, y = rng.random((n, 2)), rng.random((n, 2))
    a, b = 0.5 + rng.random(n), 0.5 + rng.random(n)
    a, b = a / a.sum(), b / b.sum()
    if args.hists:
        b = 0.5 + rng.random((n, args.hists))
        b = b / b.sum(axis=0)
    M = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)  # ot.dist's default, squared Euclidean
    impl = "pot-numpy"
    if args.torch:
        import torch
        if args.threads:
            torch.set_num_threads(args.threads)
        dev = torch.device(args.device)
        a, b, M = (torch.tensor(v, dtype=torch.float64, device=dev) for v in (a, b, M))
        impl = "pot-torch" if ot is not None else "torch-logsumexp"
    sync = (lambda: torch.cuda.synchronize()) if args.torch and args.device.startswith("cuda") else (lambda: None)
    reg = 0.01 / 3.0
    if ot is not None:
        solve = lambda iters: ot.sinkhorn(a, b, M, reg, method="sinkhorn_log", numItermax=iters, stopThr=0.0)
    else:
        solve = lambda iters: sinkhorn_log_torch(a, b, M, reg, iters)
    solve(2)  # warm-up
    sync()
    t0 = time.perf_counter()
    solve(args.iters)
    sync()
    s = time.perf_counter() - t0
    print(json.dumps({"impl": impl, "device": args.device, "cost": "matrix", "method": "log", "n": n,
                      "batch": max(args.hists, 1), "iterations": args.iters, "seconds": s,
                      "ms_per_iter": 1e3 * s / args.iters, "entries_per_s": 2.0 * n * n * max(args.hists, 1) * args.iters / s}),
          flush=True)
    del M
