#!/usr/bin/env python3
"""migra's ensemble dynamics against the independent NumPy implementation in
bench/peers/dynamics_numpy.py: same positions (migra's positions.npy), same start, 300 steps;
every population must agree to 1e-9 relative (spec §7 T12). Exit 77 without NumPy.

usage: check_dynamics_numpy.py MIGRA_BINARY SOURCE_DIR WORK_DIR
"""
import os
import shutil
import subprocess
import sys

try:
    import numpy as np
except ImportError:
    print("skipped: NumPy is not installed")
    sys.exit(77)

migra, src, work = sys.argv[1:4]
sys.path.insert(0, os.path.join(src, "bench", "peers"))
import dynamics_numpy  # noqa: E402

shutil.rmtree(work, ignore_errors=True)
B, N, steps, q0 = 3, 250, 300, 1e5
worst = {}
for model, extra in [("gravity", ["--beta", "0.023"]), ("two-trip", ["--beta", "0.025", "--gamma", "0.2"]),
                     ("radiation", [])]:
    out = os.path.join(work, model)
    subprocess.run([migra, "ensemble", "--model", model, "--maps", str(B), "--sites", str(N), "--steps", str(steps),
                    "--q0", str(q0), "--seed", "5", "-q", "--out", out, *extra], check=True)
    xy = np.load(os.path.join(out, "positions.npy")).reshape(B, N, 2)
    mine = np.load(os.path.join(out, "populations_final.npy"))
    kw = {"beta": float(extra[1])} if extra else {}
    if model == "two-trip":
        kw["gamma"] = float(extra[3])
    peer = dynamics_numpy.make(model, xy[:, :, 0], xy[:, :, 1], **kw)
    Q = np.full((B, N), q0)
    for _ in range(steps):
        Q = peer.step(Q, 0.01)
    worst[model] = float(np.max(np.abs(mine - Q) / np.abs(Q)))
    print(f"{model}: max relative difference over {B} maps x {N} sites after {steps} steps: {worst[model]:.2e}")
bad = {m: w for m, w in worst.items() if not w < 1e-9}
if bad:
    sys.exit(f"disagreement beyond 1e-9: {bad}")
print("migra and NumPy agree")
