#!/usr/bin/python3
"""The scaling-form Sinkhorn of B problems on one Gibbs kernel (the MFG's OT: one problem per
time step on one network), migra (`bench_ot --method scaling`) against NumPy on its BLAS
(bench/peers/sinkhorn_scaling_numpy.py), side by side on the same machine in one invocation,
with the same number of threads. Shapes: the MFG's (n nodes, B = n/10 steps) and 1000 × 1000.
Writes bench/results/ot-scaling-<cpu>-<host>.{json,md}.
usage: run_ot_scaling.py [--build build] [--iters 20] [--threads 2]"""
import argparse
import datetime
import json
import os
import platform
import socket
import subprocess

here = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("--build", default=os.path.join(here, "..", "build"))
ap.add_argument("--iters", type=int, default=20)
ap.add_argument("--threads", type=int, default=os.cpu_count())
ap.add_argument("--shapes", default="383x40,767x80,1531x160,3063x320,1000x1000")
args = ap.parse_args()
env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS=str(args.threads))


def one(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return next(json.loads(l) for l in out.splitlines() if l.startswith("{"))


rows = []
for shape in args.shapes.split(","):
    n, B = (int(v) for v in shape.split("x"))
    m = one([os.path.join(args.build, "bench", "bench_ot"), "--batch", str(B), "--batch-size", str(n),
             "--method", "scaling", "--iters", str(args.iters)])
    p = one(["/usr/bin/python3", os.path.join(here, "peers", "sinkhorn_scaling_numpy.py"), "--n", str(n),
             "--batch", str(B), "--iters", str(args.iters)])
    rows.append({"n": n, "batch": B, "migra": m, "numpy": p})

commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, cwd=here).stdout.strip()
dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True, cwd=here).stdout.strip()
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
meta = {"date": datetime.date.today().isoformat(), "commit": commit + ("-dirty" if dirty else ""),
        "host": socket.gethostname(), "cpu": cpu, "threads": args.threads, "iterations": args.iters}
tag = f"ot-scaling-cpu-{socket.gethostname()}"
os.makedirs(os.path.join(here, "results"), exist_ok=True)
with open(os.path.join(here, "results", tag + ".json"), "w") as f:
    json.dump({"meta": meta, "rows": rows}, f, indent=1)
md = [f"Batched scaling-form Sinkhorn, {meta['date']}, commit {meta['commit']}, host {meta['host']} ({cpu}), "
      f"{args.threads} threads for both, {args.iters} iterations.", "",
      "| n | B | migra (ms/it) | NumPy + BLAS (ms/it) | migra vs NumPy |", "|---|---|---|---|---|"]
for r in rows:
    mm, pp = r["migra"]["ms_per_iter"], r["numpy"]["ms_per_iter"]
    md.append(f"| {r['n']} | {r['batch']} | {mm:.2f} | {pp:.2f} | {pp / mm:.2f}x |")
with open(os.path.join(here, "results", tag + ".md"), "w") as f:
    f.write("\n".join(md) + "\n")
print("\n".join(md))
