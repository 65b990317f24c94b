#!/usr/bin/python3
"""Peer for `bench_ot --batch B --batch-size n --method scaling`: the scaling-form Sinkhorn of
B problems on one Gibbs kernel, written the way NumPy users write it, so that both products are
matrix products run by the BLAS behind NumPy (OpenBLAS on our machines):

    K = exp(-C / eps);  repeat: U = A / (V Kᵀ),  V = B / (U K)       (U, V, A, B: B × n)

Same problem law as bench_ot (n uniform points in the unit square, squared Euclidean cost,
eps = 0.01/3, random positive weights per problem), a fixed number of iterations, the marginal
error checked every 10 as migra does. The kernel is built before the clock starts. Threads:
set OPENBLAS_NUM_THREADS (the runner does). One JSON line.
usage: sinkhorn_scaling_numpy.py --n N --batch B [--iters 20]"""
import argparse
import json
import time

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("--n", type=int, required=True)
ap.add_argument("--batch", type=int, required=True)
ap.add_argument("--iters", type=int, default=20)
args = ap.parse_args()
n, B = args.n, args.batch
rng = np.random.default_rng(42)
x, y = rng.random((n, 2)), rng.random((n, 2))
C = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)
K = np.exp(-C / (0.01 / 3))
A = 0.5 + rng.random((B, n))
Bm = 0.5 + rng.random((B, n))
A /= A.sum(1, keepdims=True)
Bm /= Bm.sum(1, keepdims=True)
U, V = np.ones((B, n)), np.ones((B, n))
start = time.perf_counter()
err = float("nan")
for it in range(1, args.iters + 1):
    U = A / (V @ K.T)
    V = Bm / (U @ K)
    if it % 10 == 0:
        err = float(np.abs(U * (V @ K.T) - A).sum(1).max())
seconds = time.perf_counter() - start
print(json.dumps({"impl": "numpy-blas", "n": n, "batch": B, "iterations": args.iters, "seconds": seconds,
                  "ms_per_iter": 1e3 * seconds / args.iters, "error": err}))
