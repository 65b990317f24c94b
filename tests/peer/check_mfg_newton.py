#!/usr/bin/env python3
"""tools/mfg_newton.py against migra's own Picard solver where both converge: Test 2's theta graph
(linear cost, potential C, coarse dx 0.02) at Table 1's viscosities, then at half of them.
Newton-Krylov from the Table 1 solution and Picard from the same guess (tol 1e-8) must reach the
same discrete solution: max over populations and times of sum_q |M_newton - M_picard| / Mass
below 1e-4, with Newton's own residual below its tolerance 1e-6.
Exit 77 (skipped) without NumPy/SciPy.

usage: check_mfg_newton.py MIGRA SOURCE_DIR WORKDIR
"""
import csv
import json
import os
import subprocess
import sys

try:
    import numpy as np
    import scipy  # noqa: F401
except ImportError as e:
    print(f"skipped: {e}")
    sys.exit(77)

migra, src, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
net = os.path.join(src, "data", "networks", "theta.net")
config = os.path.join(src, "data", "mfg", "test2-linear.toml")
sys.path.insert(0, os.path.join(src, "tools"))
from mfg_self_convergence import config_with, scaled_viscosities  # noqa: E402

base = config_with(open(config).read(), {"potential": '"C"', "dx": "0.02", "tol": "1e-8", "max-iter": "400"})


def solve(name, scale, guess=None):
    text, _, _ = scaled_viscosities(base, scale)
    path = os.path.join(work, name + ".toml")
    open(path, "w").write(text)
    out = os.path.join(work, name)
    cmd = [migra, "mfg", "--network", net, "--config", path, "--out", out, "--force", "--quiet"]
    if guess:
        cmd += ["--guess-w", os.path.join(guess, "densities_w.npy"), "--guess-f", os.path.join(guess, "densities_f.npy")]
    subprocess.run(cmd, check=True)
    m = json.load(open(os.path.join(out, "metrics.json")))
    assert m["converged"], f"{name}: Picard did not converge ({m['residual']})"
    return out


table1 = solve("table1", 1.0)
picard = solve("picard-half", 2.0, guess=table1)
runs = os.path.join(work, "newton")
subprocess.run(["/usr/bin/python3", os.path.join(src, "tools", "mfg_newton.py"), "--migra", migra, "--network", net,
                "--config", config, "--set", 'potential="C"', "--set", "dx=0.02", "--start", table1,
                "--scales", "2", "--tol", "1e-6", "--out", runs, "--json", os.path.join(work, "newton.json")], check=True)
rec = json.load(open(os.path.join(work, "newton.json")))["records"][0]
newton = os.path.join(runs, "nu2", "solution")
measure = np.array([float(r["measure"]) for r in csv.DictReader(open(os.path.join(picard, "nodes.csv")))])
worst = 0.0
for k in ("w", "f"):
    a, b = (np.load(os.path.join(d, f"densities_{k}.npy")) for d in (newton, picard))
    worst = max(worst, float((np.abs(a - b) * measure).sum(1).max() / (b[0] * measure).sum()))
print(f"Newton: residual {rec['residuals'][-1]:.2e} after {len(rec['residuals']) - 1} steps "
      f"({rec['evaluations']} Picard sweeps); distance to Picard's solution {worst:.2e}")
ok = rec["converged"] and worst < 1e-4
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
