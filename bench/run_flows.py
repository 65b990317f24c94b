#!/usr/bin/python3
"""Runs bench_flows (migra) and the NumPy peer side by side on the same machine, in the same
invocation, and writes bench/results/flows-<host>.json and .md with migra/NumPy speed-ups.
Usage: bench/run_flows.py [--build build] [--device cpu] [--sizes 1024,4096,16384] [--reps 3]
The NumPy peer runs each model at sizes whose working set fits in memory (radiation's argsort
and scans need ~14 dense N x N arrays: N <= 8192 on a 24 GiB machine)."""
import argparse
import datetime
import json
import os
import platform
import socket
import subprocess
import sys
import time

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "peers"))
import flows_numpy as peer  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--build", default=os.path.join(here, "..", "build"))
ap.add_argument("--device", default="cpu")
ap.add_argument("--sizes", default="1024,4096,16384")
ap.add_argument("--reps", type=int, default=3)
ap.add_argument("--peer-max-bytes", type=float, default=0.6 * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
ap.add_argument("--out", default=os.path.join(here, "results"))
args = ap.parse_args()
sizes = [int(s) for s in args.sizes.split(",")]

runs = []
proc = subprocess.run([os.path.join(args.build, "bench", "bench_flows"), "--device", args.device,
                       "--sizes", args.sizes, "--reps", str(args.reps)], check=True, capture_output=True, text=True)
for line in proc.stdout.splitlines():
    r = json.loads(line)
    r["impl"] = "migra"
    runs.append(r)
    print(line, flush=True)

# dense N x N float64 arrays alive at the peak of each NumPy implementation
peak_arrays = {"gravity": 5, "two-trip": 6, "radiation": 14}


def best(f, reps):
    f()
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        t.append(time.perf_counter() - t0)
    return min(t)


for n in sizes:
    side = 1000.0 * np.sqrt(n / 1000.0)
    rng = np.random.default_rng(12345)
    x, y = rng.uniform(0, side, n), rng.uniform(0, side, n)
    m = np.full(n, 1e5)
    for model, fn in (("gravity", lambda d: peer.gravity_pc(d, m, m, 0.023, True)),
                      ("radiation", lambda d: peer.radiation(d, m, m)),
                      ("two-trip", lambda d: peer.two_trip(d, m, m, 0.023, 1.0))):
        if peak_arrays[model] * 8.0 * n * n > args.peer_max_bytes:
            runs.append({"impl": "numpy", "kernel": model, "n": n, "skipped": "working set exceeds memory"})
            continue
        # distances are part of the work (migra recomputes them on the fly)
        s = best(lambda: fn(peer.distances(x, y, "xy")), args.reps if n <= 4096 else 1)
        r = {"impl": "numpy", "kernel": model, "n": n, "seconds": s, "pairs_per_s": n * n / s}
        runs.append(r)
        print(json.dumps(r), flush=True)

commit = subprocess.run(["git", "-C", here, "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True).stdout.strip()
dirty = subprocess.run(["git", "-C", here, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True).stdout.strip()
meta = {"host": socket.gethostname(), "date": datetime.date.today().isoformat(), "commit": commit + ("-dirty" if dirty else ""),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores", "numpy": np.__version__,
        "migra_device": next((r["device"] for r in runs if r["impl"] == "migra"), args.device)}
os.makedirs(args.out, exist_ok=True)
tag = "cpu" if args.device == "cpu" else "gpu"
base = os.path.join(args.out, f"flows-{tag}-{meta['host']}")
with open(base + ".json", "w") as f:
    json.dump({"meta": meta, "runs": runs}, f, indent=1)

rows = ["| kernel | N | migra (s) | NumPy (s) | migra / NumPy speed-up | migra pairs/s | output GB/s | copy of output (s) |",
        "|---|---|---|---|---|---|---|---|"]
for n in sizes:
    copy = next((r for r in runs if r["impl"] == "migra" and r["kernel"] == "copy_output" and r["n"] == n), None)
    for k in ("gravity", "radiation", "two-trip"):
        mi = next((r for r in runs if r["impl"] == "migra" and r["kernel"] == k and r["n"] == n), None)
        nu = next((r for r in runs if r["impl"] == "numpy" and r["kernel"] == k and r["n"] == n), None)
        if not mi:
            continue
        np_s = f"{nu['seconds']:.4g}" if nu and "seconds" in nu else "not run (memory)"
        ratio = f"{nu['seconds'] / mi['seconds']:.1f}x" if nu and "seconds" in nu else "-"
        rows.append(f"| {k} | {n} | {mi['seconds']:.4g} | {np_s} | {ratio} | {mi['pairs_per_s']:.3g} | "
                    f"{mi['output_GB_per_s']:.3g} | {copy['seconds']:.3g} |")
with open(base + ".md", "w") as f:
    f.write(f"Flow-matrix benchmark, {meta['date']}, commit {meta['commit']}, host {meta['host']} "
            f"({meta['machine']}), migra on {meta['migra_device']}, NumPy {meta['numpy']}.\n"
            "Random maps of constant density, beta = 0.023, gamma = 1; the full N x N float64 matrix "
            "into memory; best of repeated runs.\n\n" + "\n".join(rows) + "\n")
print(open(base + ".md").read())
