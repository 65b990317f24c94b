#!/usr/bin/python3
"""Ripley's K at 10^4-10^5 points: `migra ripley` (CLI end to end: CSV in, ripley.csv and the
SVG out) against NumPy peers of the same estimators (bench/peers/ripley_numpy.py: spatstat's
O(n^2) pair counting in blocks, and a k-d tree that visits only pairs within r_max), side by
side in one invocation on one machine. CSR in the unit square, 101 radii up to 0.1 (spatstat's
default r_max is a quarter of the side). Checks the three peers agree, then writes
bench/results/ripley-<tag>.{json,md}.
usage: run_ripley.py [--build build] [--sizes 10000,30000,100000] [--blocked-max 30000] [--tag cpu-vm]"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "peers"))
import ripley_numpy as peer  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--build", default=os.path.join(here, "..", "build"))
ap.add_argument("--sizes", default="10000,30000,100000")
ap.add_argument("--blocked-max", type=int, default=30000, help="largest n for the O(n^2) peer")
ap.add_argument("--tag", default="cpu-vm")
args = ap.parse_args()
migra = os.path.join(args.build, "host", "migra")
commit = subprocess.run(["git", "-C", here, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
radii = np.linspace(0, 0.1, 101)
rows = []
with tempfile.TemporaryDirectory() as tmp:
    for n in (int(s) for s in args.sizes.split(",")):
        pts = np.random.default_rng(n).random((n, 2))
        path = os.path.join(tmp, f"p{n}.csv")
        np.savetxt(path, pts, delimiter=",", header="x,y", comments="", fmt="%.17g")
        out = os.path.join(tmp, f"k{n}")
        t0 = time.perf_counter()
        subprocess.run([migra, "ripley", "--points", path, "--radii", ",".join(repr(float(r)) for r in radii), "-q",
                        "--out", out], check=True)
        t_migra = time.perf_counter() - t0
        task_s = json.load(open(os.path.join(out, "manifest.json")))["tasks"]["ripley"]["seconds"]
        k_migra = np.genfromtxt(os.path.join(out, "ripley.csv"), delimiter=",", names=True)
        rect = (pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max())
        line = {"n": n, "migra_s": t_migra, "migra_task_s": task_s}
        for method in ("kdtree", "blocked"):
            if method == "blocked" and n > args.blocked_max:
                continue
            t0 = time.perf_counter()
            k = peer.ripley(pts[:, 0], pts[:, 1], rect, radii, method=method)
            line[f"numpy_{method}_s"] = time.perf_counter() - t0
            line[f"numpy_{method}_max_rel_diff"] = float(max(
                np.max(np.abs(k_migra[c][1:] - k[key][1:]) / np.abs(k[key][1:]))
                for key, c in (("iso", "K_iso"), ("trans", "K_trans"), ("border", "K_border"))))
        rows.append(line)
        print(json.dumps(line), flush=True)

meta = {"commit": commit, "cpu": cpu, "threads": os.cpu_count(),
        "date": subprocess.run(["date", "-u", "+%Y-%m-%d"], capture_output=True, text=True).stdout.strip()}
os.makedirs(os.path.join(here, "results"), exist_ok=True)
with open(os.path.join(here, "results", f"ripley-{args.tag}.json"), "w") as f:
    json.dump({"meta": meta, "rows": rows}, f, indent=1)
md = ["# Ripley's K: migra vs NumPy (spatstat's estimators)", "",
      f"{meta['cpu']}, {meta['threads']} threads, commit {commit}, {meta['date']}. CSR in the unit square, 101 radii "
      "up to 0.1, K_iso + K_trans + K_border. migra: the whole CLI run (CSV in, outputs written); NumPy: the "
      "estimators on points already in memory.", "",
      "| n | migra s | NumPy k-d tree s | NumPy O(n²) s | vs fastest peer | max rel. diff |", "|---|---|---|---|---|---|"]
for l in rows:
    peers = [l[k] for k in ("numpy_kdtree_s", "numpy_blocked_s") if k in l]
    blocked = f"{l['numpy_blocked_s']:.2f}" if "numpy_blocked_s" in l else "-"
    diff = max(l[k] for k in l if k.endswith("max_rel_diff"))
    md.append(f"| {l['n']} | {l['migra_s']:.2f} | {l['numpy_kdtree_s']:.2f} | {blocked} | {min(peers) / l['migra_s']:.1f}x | {diff:.1e} |")
open(os.path.join(here, "results", f"ripley-{args.tag}.md"), "w").write("\n".join(md) + "\n")
print("\n".join(md))
