#!/usr/bin/python3
"""Log-domain Sinkhorn, migra against its peers side by side in one invocation on one machine:
bench/bench_ot (migra, cost recomputed from points and read from a matrix) and
bench/peers/ot_pot.py (POT's sinkhorn_log on NumPy, and on torch tensors when python3-torch
is installed; without POT, the same iterations in torch), n = m = 1k..16k, d = 2, eps = 1% of the mean cost, a fixed iteration count.
Writes bench/results/ot-<cpu|gpu>-<host>.{json,md}.
Usage: bench/run_ot.py [--build build] [--device cpu] [--sizes 1024,...,16384] [--iters 40]
       [--peer-iters-large 10] [--peer-max 16384]"""
import argparse
import datetime
import json
import os
import platform
import socket
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("--build", default=os.path.join(here, "..", "build"))
ap.add_argument("--device", default="cpu")
ap.add_argument("--sizes", default="1024,2048,4096,8192,16384")
ap.add_argument("--iters", type=int, default=40)
ap.add_argument("--peer-iters-large", type=int, default=10, help="peer iterations for n >= 8192 (time per iteration is reported)")
ap.add_argument("--peer-max", type=int, default=16384)
ap.add_argument("--batch", type=int, default=1000, help="migra: B problems of 1000 x 1000 on one cost")
ap.add_argument("--peer-batch", type=int, default=20, help="POT: B target histograms (it loops over them)")
ap.add_argument("--out", default=os.path.join(here, "results"))
args = ap.parse_args()
sizes = [int(s) for s in args.sizes.split(",")]
cores = os.cpu_count()


def lines(cmd):
    print("+", " ".join(cmd), file=sys.stderr, flush=True)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [json.loads(l) for l in out.splitlines() if l.startswith("{")]


rows = lines([os.path.join(args.build, "bench", "bench_ot"), "--device", args.device, "--sizes", args.sizes,
              "--iters", str(args.iters)])
peer = [sys.executable, os.path.join(here, "peers", "ot_pot.py"), "--device", args.device]
have_torch = subprocess.run([sys.executable, "-c", "import torch"], capture_output=True).returncode == 0
for n in sizes:
    if n > args.peer_max:
        continue
    it = str(args.iters if n < 8192 else args.peer_iters_large)
    if not args.device.startswith("cuda"):
        rows += lines(peer + ["--sizes", str(n), "--iters", it])
    if have_torch:
        rows += lines(peer + ["--torch", "--threads", str(cores), "--sizes", str(n), "--iters", it])

batched = lines([os.path.join(args.build, "bench", "bench_ot"), "--device", args.device, "--batch", str(args.batch),
                 "--batch-size", "1000", "--iters", str(args.iters)])
if not args.device.startswith("cuda"):
    batched += lines(peer + ["--sizes", "1000", "--hists", str(args.peer_batch), "--iters", str(args.iters)])
if have_torch:
    batched += lines(peer + ["--torch", "--threads", str(cores), "--sizes", "1000", "--hists", str(args.peer_batch),
                             "--iters", str(args.iters)])
rows += batched

commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, cwd=here).stdout.strip()
dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True, cwd=here).stdout.strip()
meta = {"date": datetime.date.today().isoformat(), "commit": commit + ("-dirty" if dirty else ""),
        "host": socket.gethostname(), "machine": f"{platform.machine()}, {cores} cores", "device": args.device,
        "problem": "n = m points uniform in [0,1]^2, squared Euclidean cost, eps = 0.01/3 (1% of the mean cost), "
                   "fixed iterations, convergence checked every 10"}
os.makedirs(args.out, exist_ok=True)
tag = f"ot-{'gpu' if args.device.startswith('cuda') else 'cpu'}-{socket.gethostname()}"
with open(os.path.join(args.out, tag + ".json"), "w") as f:
    json.dump({"meta": meta, "runs": rows}, f, indent=2)

md = [f"Log-domain Sinkhorn benchmark, {meta['date']}, commit {meta['commit']}, host {meta['host']} "
      f"({meta['machine']}), device {args.device}.", meta["problem"] + ".",
      "Peers build their cost matrix before the clock starts; migra 'points' recomputes the cost on every pass "
      "(no n x m storage), 'matrix' reads a stored one. ms/iteration = one f- and one g-update.", "",
      "| n = m | migra points (ms/it) | migra matrix (ms/it) | POT NumPy (ms/it) | POT torch or torch logsumexp (ms/it) | "
      "fastest peer | migra (best) vs fastest peer |", "|---|---|---|---|---|---|---|"]
for n in sizes:
    get = lambda impl, cost: next((r["ms_per_iter"] for r in rows if r["n"] == n and r["impl"] == impl and r["cost"] == cost), None)
    mp, mm, pn, pt = get("migra", "points"), get("migra", "matrix"), get("pot-numpy", "matrix"), get("pot-torch", "matrix") or get("torch-logsumexp", "matrix")
    fmt = lambda v: "-" if v is None else f"{v:.1f}"
    peers = {k: v for k, v in (("POT NumPy", pn), ("POT torch", pt)) if v is not None}
    best = min(v for v in (mp, mm) if v is not None)
    if peers:
        name, fastest = min(peers.items(), key=lambda kv: kv[1])
        ratio = f"{fastest / best:.1f}x"
    else:
        name, ratio = "-", "-"
    md.append(f"| {n} | {fmt(mp)} | {fmt(mm)} | {fmt(pn)} | {fmt(pt)} | {name} | {ratio} |")
md += ["", "Batched: B problems of 1000 x 1000 on one cost (migra: one call; POT: its loop over target histograms). "
       "Time per problem-iteration = seconds / (B x iterations).", "",
       "| implementation | B | iterations | seconds | us per problem-iteration | entries/s |", "|---|---|---|---|---|---|"]
for r in batched:
    per = 1e6 * r["seconds"] / (r["batch"] * r["iterations"])
    md.append(f"| {r['impl']} | {r['batch']} | {r['iterations']} | {r['seconds']:.2f} | {per:.0f} | {r['entries_per_s']:.3g} |")
with open(os.path.join(args.out, tag + ".md"), "w") as f:
    f.write("\n".join(md) + "\n")
print("\n".join(md))
