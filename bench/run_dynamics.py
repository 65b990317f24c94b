#!/usr/bin/python3
"""Paper 004's ensemble dynamics end to end: `migra ensemble` (CLI: maps, precomputation,
Euler steps, every output written) against the batched NumPy reference
(bench/peers/dynamics_numpy.py: precomputation and steps only, no scoring, no output), side by
side in one invocation on one machine, at the paper's size (100 maps x 1000 sites). Reports
map-steps per second and the ratio; writes bench/results/dynamics-<device>-<host>.{json,md}.
Usage: bench/run_dynamics.py [--build build] [--device cpu] [--maps 100] [--sites 1000]
       [--steps gravity=200,two-trip=200,radiation=20]"""
import argparse
import datetime
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "peers"))
import dynamics_numpy as peer  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--build", default=os.path.join(here, "..", "build"))
ap.add_argument("--device", default="cpu")
ap.add_argument("--maps", type=int, default=100)
ap.add_argument("--sites", type=int, default=1000)
ap.add_argument("--steps", default="gravity=200,two-trip=200,radiation=20")
ap.add_argument("--out", default=os.path.join(here, "results"))
args = ap.parse_args()
steps = {k: int(v) for k, v in (kv.split("=") for kv in args.steps.split(","))}
params = {"gravity": {"beta": 0.023}, "two-trip": {"beta": 0.025, "gamma": 1.0}, "radiation": {}}
migra = os.path.join(args.build, "host", "migra")
commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True,
                        cwd=here).stdout.strip()
B, N = args.maps, args.sites
rows = []
for model, S in steps.items():
    extra = [a for k, v in params[model].items() for a in (f"--{k}", str(v))]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run([migra, "ensemble", "--model", model, "--maps", str(B), "--sites", str(N), "--steps", str(S),
                        "--device", args.device, "-q", "--out", tmp, *extra], check=True)
        t_migra = time.perf_counter() - t0
        xy = np.load(os.path.join(tmp, "positions.npy")).reshape(B, N, 2)
    t0 = time.perf_counter()
    p = peer.make(model, xy[:, :, 0], xy[:, :, 1], **params[model])
    Q = np.full((B, N), 1e5)
    for _ in range(S):
        Q = p.step(Q, 0.01)
    t_numpy = time.perf_counter() - t0
    del p
    r = {"model": model, "maps": B, "sites": N, "steps": S, "migra_s": t_migra, "numpy_s": t_numpy,
         "migra_map_steps_per_s": B * S / t_migra, "numpy_map_steps_per_s": B * S / t_numpy,
         "speedup": t_numpy / t_migra}
    rows.append(r)
    print(json.dumps(r), flush=True)

cpu = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
meta = {"date": datetime.date.today().isoformat(), "commit": commit, "host": socket.gethostname(),
        "machine": f"{platform.machine()}, {cpu} cores", "device": args.device, "numpy": np.__version__}
os.makedirs(args.out, exist_ok=True)
tag = f"dynamics-{'gpu' if args.device.startswith('cuda') else 'cpu'}-{socket.gethostname()}"
with open(os.path.join(args.out, tag + ".json"), "w") as f:
    json.dump({"meta": meta, "runs": rows}, f, indent=2)
md = [f"Ensemble dynamics benchmark, {meta['date']}, commit {commit}, host {meta['host']} ({meta['machine']}), "
      f"migra on {args.device}, NumPy {np.__version__}.",
      f"{B} random maps x {N} sites, lambda = 0.01; migra is the whole `migra ensemble` command (maps, "
      "precomputation, steps, outputs), NumPy the batched reference (precomputation and steps only).", "",
      "| model | steps | migra (s) | NumPy (s) | migra map-steps/s | NumPy map-steps/s | migra / NumPy |",
      "|---|---|---|---|---|---|---|"]
for r in rows:
    md.append(f"| {r['model']} | {r['steps']} | {r['migra_s']:.2f} | {r['numpy_s']:.2f} | "
              f"{r['migra_map_steps_per_s']:.0f} | {r['numpy_map_steps_per_s']:.0f} | {r['speedup']:.1f}x |")
with open(os.path.join(args.out, tag + ".md"), "w") as f:
    f.write("\n".join(md) + "\n")
print("\n".join(md))
