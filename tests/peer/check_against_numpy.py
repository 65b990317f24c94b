"""migra flows against the independent NumPy implementation (bench/peers/flows_numpy.py) on
the NY 2011 data: the fitted beta, the flow matrices and the CPC must agree.
Usage: check_against_numpy.py MIGRA_BINARY SOURCE_DIR. Exits 77 (skipped) without NumPy/SciPy."""
import csv
import json
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import scipy  # noqa: F401
except ImportError as e:
    print(f"SKIPPED: NumPy/SciPy not available to /usr/bin/python3 ({e})")
    sys.exit(77)

migra, src = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(src, "bench", "peers"))
import flows_numpy as peer  # noqa: E402

sites_csv = os.path.join(src, "data/ny2011/counties.csv")
flows_csv = os.path.join(src, "data/ny2011/commuting_flows.csv")
with open(sites_csv) as f:
    rows = list(csv.DictReader(f))
ids = [r["id"] for r in rows]
index = {k: i for i, k in enumerate(ids)}
m = np.array([float(r["population"]) for r in rows])
x = np.array([float(r["lon"]) for r in rows])
y = np.array([float(r["lat"]) for r in rows])
obs = np.zeros((len(ids), len(ids)))
with open(flows_csv) as f:
    for r in csv.DictReader(f):
        obs[index[r["origin"]], index[r["destination"]]] += float(r["flow"])
d = peer.distances(x, y, "haversine")
failures = []


def run(model, *extra):
    out = tempfile.mkdtemp(prefix=f"migra-peer-{model}-")
    subprocess.run([migra, "flows", "--model", model, "--sites", sites_csv, "--observed", flows_csv,
                    "-q", "--out", out, *extra], check=True)
    with open(os.path.join(out, "metrics.json")) as f:
        return np.load(os.path.join(out, "flows.npy")), json.load(f)


def check(name, ok, detail):
    print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")
    if not ok:
        failures.append(name)


# gravity, fitted
T, met = run("gravity")
beta, O, mask = peer.fit_gravity_pc(d, obs, m)
check("fitted beta", abs(met["parameters"]["beta"] / beta - 1) < 1e-5,
      f"migra {met['parameters']['beta']:.8g} numpy/scipy {beta:.8g}")
ref = peer.gravity_pc(d, O, m, met["parameters"]["beta"])
err = np.max(np.abs(T - ref) / np.maximum(np.abs(ref), 1e-300))
check("gravity matrix", err < 1e-10, f"max rel err {err:.3g}")
c = peer.cpc(obs[mask], ref[mask])
check("gravity CPC", abs(met["metrics"]["cpc"] - c) < 1e-10, f"migra {met['metrics']['cpc']:.10f} numpy {c:.10f}")

# radiation
T, met = run("radiation")
ref = peer.radiation(d, O, m)
err = np.max(np.abs(T - ref) / np.maximum(np.abs(ref), 1e-300))
check("radiation matrix", err < 1e-10, f"max rel err {err:.3g}")
c = peer.cpc(obs[mask], ref[mask])
check("radiation CPC", abs(met["metrics"]["cpc"] - c) < 1e-10, f"migra {met['metrics']['cpc']:.10f} numpy {c:.10f}")

# Two-Trip with fixed parameters
T, met = run("two-trip", "--beta", "0.03", "--gamma", "0.05")
ref = peer.two_trip(d, O, m, 0.03, 0.05)
err = np.max(np.abs(T - ref) / np.maximum(np.abs(ref), 1e-300))
check("two-trip matrix", err < 1e-10, f"max rel err {err:.3g}")

print(f"{3 + 2 + 1 + 1 - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
