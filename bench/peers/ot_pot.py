#!/usr/bin/python3
"""Peer for bench_ot: POT's log-domain Sinkhorn (ot.sinkhorn(method='sinkhorn_log')) on the
same problem law as bench/bench_ot.cpp (n = m uniform points in the unit square, squared
Euclidean cost, eps = 1% of the mean cost 1/3, a fixed number of iterations, POT's own check
every 10), with NumPy arrays or, with --torch, torch tensors (POT's torch backend: the
"PyTorch logsumexp Sinkhorn"). The cost matrix is built before the clock starts. One JSON line
per size. usage: ot_pot.py [--torch] [--device cpu|cuda] [--sizes ...] [--iters 40] [--threads 2]"""
import argparse
import json
import time

import numpy as np
import ot

ap = argparse.ArgumentParser()
ap.add_argument("--torch", action="store_true")
ap.add_argument("--device", default="cpu")
ap.add_argument("--sizes", default="1024,2048,4096")
ap.add_argument("--iters", type=int, default=40)
ap.add_argument("--threads", type=int, default=0)
ap.add_argument("--hists", type=int, default=0, help="B target histograms on one cost (POT loops over them)")
args = ap.parse_args()

for n in [int(s) for s in args.sizes.split(",")]:
    rng = np.random.default_rng(42)
    x, y = rng.random((n, 2)), rng.random((n, 2))
    a, b = 0.5 + rng.random(n), 0.5 + rng.random(n)
    a, b = a / a.sum(), b / b.sum()
    if args.hists:
        b = 0.5 + rng.random((n, args.hists))
        b = b / b.sum(axis=0)
    M = ot.dist(x, y)
    impl = "pot-numpy"
    if args.torch:
        import torch
        if args.threads:
            torch.set_num_threads(args.threads)
        dev = torch.device(args.device)
        a, b, M = (torch.tensor(v, dtype=torch.float64, device=dev) for v in (a, b, M))
        impl = "pot-torch"
    sync = (lambda: torch.cuda.synchronize()) if args.torch and args.device.startswith("cuda") else (lambda: None)
    reg = 0.01 / 3.0
    ot.sinkhorn(a, b, M, reg, method="sinkhorn_log", numItermax=2, stopThr=0.0)  # warm-up
    sync()
    t0 = time.perf_counter()
    ot.sinkhorn(a, b, M, reg, method="sinkhorn_log", numItermax=args.iters, stopThr=0.0)
    sync()
    s = time.perf_counter() - t0
    print(json.dumps({"impl": impl, "device": args.device, "cost": "matrix", "method": "log", "n": n,
                      "batch": max(args.hists, 1), "iterations": args.iters, "seconds": s,
                      "ms_per_iter": 1e3 * s / args.iters, "entries_per_s": 2.0 * n * n * max(args.hists, 1) * args.iters / s}),
          flush=True)
    del M
