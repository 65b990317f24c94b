#!/usr/bin/env python3
"""`migra ot` against POT (Python Optimal Transport, Debian python3-pot), an independent
implementation: the balanced plan against ot.sinkhorn(method='sinkhorn_log'), the KL-relaxed
plan against ot.unbalanced.sinkhorn_unbalanced, and the small-eps cost against the exact LP
ot.emd2. Exit 77 (skipped) without NumPy or POT.

usage: check_ot_pot.py MIGRA WORKDIR
"""
import json
import os
import subprocess
import sys

try:
    import numpy as np
    import ot
except ImportError as e:
    print(f"skipped: {e} (install python3-pot)")
    sys.exit(77)

migra, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(4)
n, m = 120, 90
x, y = rng.random((n, 2)), rng.random((m, 2)) + [0.3, 0.0]
a, b = rng.uniform(0.1, 1.0, n), rng.uniform(0.1, 1.0, m)
a, b = a / a.sum(), b / b.sum()
M = ot.dist(x, y)  # squared Euclidean


def write_csv(path, header, rows):
    with open(path, "w") as f:
        f.write(header + "\n")
        for r in rows:
            f.write(",".join(repr(float(v)) for v in np.atleast_1d(r)) + "\n")


write_csv(f"{work}/a.csv", "weight", a)
write_csv(f"{work}/b.csv", "weight", b)
write_csv(f"{work}/x.csv", "x,y", x)
write_csv(f"{work}/y.csv", "x,y", y)


def run(name, *extra):
    out = f"{work}/{name}"
    cmd = [migra, "ot", "--a", f"{work}/a.csv", "--b", f"{work}/b.csv", "--x", f"{work}/x.csv",
           "--y", f"{work}/y.csv", "--progress", "none", "--force", "--out", out, *extra]
    subprocess.run(cmd, check=True)
    with open(f"{out}/metrics.json") as f:
        return json.load(f), np.load(f"{out}/plan.npy")


failures = []


def check(what, ok, detail):
    print(("ok   " if ok else "FAIL ") + what + ": " + detail)
    if not ok:
        failures.append(what)


eps = 0.01
for method in ("log", "scaling"):
    metrics, P = run(f"balanced-{method}", "--eps", str(eps), "--tol", "1e-12", "--method", method)
    Q = ot.sinkhorn(a, b, M, eps, method="sinkhorn_log", numItermax=100000, stopThr=1e-13)
    err = np.abs(P - Q).max() / Q.max()
    check(f"balanced {method} plan vs POT sinkhorn_log", err < 1e-8, f"max |P - P_pot| / max P_pot = {err:.2e}")
    check(f"balanced {method} cost vs POT", abs(metrics["cost"] - (M * Q).sum()) < 1e-10,
          f"{metrics['cost']:.12f} vs {(M * Q).sum():.12f}")

tau = 0.5
metrics, P = run("unbalanced", "--eps", str(eps), "--unbalanced", str(tau), "--tol", "1e-13")
Q = ot.unbalanced.sinkhorn_unbalanced(a, b, M, eps, tau, numItermax=100000, stopThr=1e-14)
err = np.abs(P - Q).max() / Q.max()
check("unbalanced plan vs POT sinkhorn_unbalanced", err < 1e-7, f"max |P - P_pot| / max P_pot = {err:.2e}")

# the exact LP: the entropic cost exceeds it by at most eps log(n m)
exact = ot.emd2(a, b, M, numItermax=10**7)
metrics, _ = run("small-eps", "--eps", "1e-4", "--tol", "1e-9", "--eps-scaling", "0.5", "--max-iter", "200000")
excess = metrics["cost"] - exact
check("eps = 1e-4 cost vs exact LP (ot.emd2)", -1e-8 < excess <= 1e-4 * np.log(n * m),
      f"{metrics['cost']:.10f} vs {exact:.10f} (excess {excess:.2e}), converged {metrics['converged']}")
check("eps = 1e-4 stays finite", metrics["converged"] and np.isfinite(np.load(f"{work}/small-eps/f.npy")).all(),
      f"{metrics['iterations']} iterations")
sys.exit(1 if failures else 0)
