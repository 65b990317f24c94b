#!/usr/bin/env python3
"""`migra ripley` against an independent NumPy implementation of spatstat's Kest estimators
(bench/peers/ripley_numpy.py, blocked O(n^2) pair distances): K_iso, K_trans and K_border in
the points' bounding box and in a given rectangle, for a CSR pattern and a clustered one with
many points near the edges. Exit 77 (skipped) without NumPy.

usage: check_ripley_numpy.py MIGRA SOURCE_DIR WORKDIR
"""
import csv
import os
import subprocess
import sys

try:
    import numpy as np
except ImportError as e:
    print(f"skipped: {e}")
    sys.exit(77)

migra, src, work = sys.argv[1:4]
sys.path.insert(0, os.path.join(src, "bench", "peers"))
import ripley_numpy as peer  # noqa: E402

os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(12)
csr = rng.random((2500, 2)) * [2.0, 1.0]
centres = rng.random((15, 2)) * [2.0, 1.0]
clustered = np.clip(centres[rng.integers(0, 15, 2000)] + rng.normal(0, 0.04, (2000, 2)), 0, [2.0, 1.0])
radii = np.linspace(0, 0.24, 25)
failures = []
for name, pts, window in (("csr-bbox", csr, None), ("clustered-rect", clustered, (0.0, 0.0, 2.0, 1.0))):
    path = os.path.join(work, name + ".csv")
    np.savetxt(path, pts, delimiter=",", header="x,y", comments="", fmt="%.17g")
    out = os.path.join(work, name)
    cmd = [migra, "ripley", "--points", path, "--radii", ",".join(repr(float(r)) for r in radii), "-q", "--out", out]
    if window:
        cmd += ["--window", ",".join(repr(v) for v in window)]
    subprocess.run(cmd, check=True)
    rows = list(csv.DictReader(open(os.path.join(out, "ripley.csv"))))
    rect = window or (pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max())
    want = peer.ripley(pts[:, 0], pts[:, 1], rect, radii, method="blocked")
    worst = 0.0
    for key, col in (("iso", "K_iso"), ("trans", "K_trans"), ("border", "K_border")):
        got = np.array([float(r[col]) for r in rows])
        ok = radii > 0
        rel = np.max(np.abs(got[ok] - want[key][ok]) / np.abs(want[key][ok]))
        worst = max(worst, rel)
        if not rel < 1e-12:
            failures.append(f"{name} {col}: largest relative difference {rel:.3g}")
    print(f"{name}: {len(pts)} points, K_iso/K_trans/K_border agree with NumPy to {worst:.2g}")
if failures:
    print("\n".join(failures))
    sys.exit(1)
