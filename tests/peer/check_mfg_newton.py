#!/usr/bin/env python3
"""`migra mfg` with solver = "newton", driven by tools/mfg_continuation.py --newton-from, against
migra's Picard solver where both converge: Test 2's theta graph (linear cost, potential C,
coarse dx 0.02) at Table 1's viscosities by Picard, then at half of them by Newton-Krylov from
that solution; Picard from the same guess (tol 1e-8) must reach the same discrete solution:
max over populations and times of sum_q |M_newton - M_picard| / Mass below 1e-6, with Newton's
own residual below its tolerance 1e-8, and the tool must report the theta graph's shape.
Exit 77 (skipped) without NumPy.

usage: check_mfg_newton.py MIGRA SOURCE_DIR WORKDIR
"""
import csv
import json
import os
import subprocess
import sys

try:
    import numpy as np
except ImportError as e:
    print(f"skipped: {e}")
    sys.exit(77)

migra, src, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
net = os.path.join(src, "data", "networks", "theta.net")
config = os.path.join(src, "data", "mfg", "test2-linear.toml")
sys.path.insert(0, os.path.join(src, "tools"))
from mfg_self_convergence import config_with, scaled_viscosities  # noqa: E402

settings = {"potential": '"C"', "dx": "0.02", "tol": "1e-8", "max-iter": "400"}
runs = os.path.join(work, "continuation")
subprocess.run(["/usr/bin/python3", os.path.join(src, "tools", "mfg_continuation.py"), "--migra", migra, "--network", net,
                "--config", config, "--scales", "1,2", "--newton-from", "2", "--out", runs,
                "--json", os.path.join(work, "continuation.json")]
               + [a for k, v in settings.items() for a in ("--set", f"{k}={v}")], check=True)
table1, newton = (os.path.join(runs, "run", d) for d in ("nu1", "nu2"))
rec = json.load(open(os.path.join(work, "continuation.json")))["records"][1]

text, _, _ = scaled_viscosities(config_with(open(config).read(), settings), 2.0)
path = os.path.join(work, "picard.toml")
open(path, "w").write(text)
picard = os.path.join(work, "picard")
subprocess.run([migra, "mfg", "--network", net, "--config", path, "--out", picard, "--force", "--quiet",
                "--guess-w", os.path.join(table1, "densities_w.npy"), "--guess-f", os.path.join(table1, "densities_f.npy")],
               check=True)
mp = json.load(open(os.path.join(picard, "metrics.json")))
measure = np.array([float(r["measure"]) for r in csv.DictReader(open(os.path.join(picard, "nodes.csv")))])
worst = 0.0
for k in ("w", "f"):
    a, b = (np.load(os.path.join(d, f"densities_{k}.npy")) for d in (newton, picard))
    worst = max(worst, float((np.abs(a - b) * measure).sum(1).max() / (b[0] * measure).sum()))
print(f"Newton: residual {rec['residual']:.2e} after {rec['iterations']} steps ({rec['sweeps']} Picard sweeps); "
      f"Picard: {mp['iterations']} iterations; distance between the solutions {worst:.2e}")
ok = (rec["solver"] == "newton" and rec["converged"] and mp["converged"] and worst < 1e-6
      and "firm_share_central" in rec and rec["mirror_asymmetry_w"] < 1e-6)
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
