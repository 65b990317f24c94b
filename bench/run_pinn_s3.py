#!/usr/bin/python3
"""Paper 000 spec §6 S3 at full length on a shipped problem: `migra pinn fit` (matrix
coefficients, λ networks, the paper's schedule) on the first N-1 states of data/pinn_us51 plus
the external node, then the S3 criteria from its outputs: per-node data R² >= 0.99, mean
physics residual² <= 1e-3 mean (c_e λ)², ODE self-consistency RMSE <= 0.1 per node.
Writes bench/results/pinn-s3-<activation>-<tag>.json.
usage: run_pinn_s3.py [--build build] [--nodes 17] [--epochs 20000] [--activation tanh] [--densify D]
                      [--hard-ic] [--weight-decay W] [--tag cpu-vm]
--hard-ic and --weight-decay W (other than the spec's 0.01) are passed to `pinn fit` and named in
the results file (e.g. pinn-s3-tanh-hardic-wd0-cpu-vm.json)."""
import argparse
import csv
import json
import os
import subprocess
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("--build", default="build")
ap.add_argument("--nodes", type=int, default=17)
ap.add_argument("--epochs", type=int, default=20000)
ap.add_argument("--activation", default="tanh")
ap.add_argument("--densify", type=int, default=0, help="pinn fit --densify D (0: the data years only)")
ap.add_argument("--hard-ic", action="store_true", help="pinn fit --hard-ic: R = t^2 N(t)")
ap.add_argument("--weight-decay", type=float, default=0.01)
ap.add_argument("--tag", default="cpu-vm")
args = ap.parse_args()
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
commit = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
data = os.path.join(root, "data", "pinn_us51")
with tempfile.TemporaryDirectory() as tmp:
    nodes = list(csv.DictReader(open(os.path.join(data, "nodes.csv"))))[: args.nodes - 1]
    keep = {r["id"] for r in nodes}
    nf, bf = os.path.join(tmp, "nodes.csv"), os.path.join(tmp, "balances.csv")
    with open(nf, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(nodes[0].keys()))
        w.writeheader(), w.writerows(nodes)
    with open(bf, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["node", "year", "balance"])
        w.writeheader(), w.writerows(r for r in csv.DictReader(open(os.path.join(data, "balances.csv"))) if r["node"] in keep)
    out = os.path.join(tmp, "fit")
    t0 = time.perf_counter()
    subprocess.run([os.path.join(root, args.build, "host", "migra"), "pinn", "fit", "--nodes", nf, "--balances", bf,
                    "--epochs", str(args.epochs), "--activation", args.activation, "--out", out, "-q"]
                   + (["--densify", str(args.densify)] if args.densify else [])
                   + (["--hard-ic"] if args.hard_ic else []) + ["--weight-decay", str(args.weight_decay)], check=True,
                   capture_output=True)
    wall = time.perf_counter() - t0
    m = json.load(open(os.path.join(out, "metrics.json")))
    timing = json.load(open(os.path.join(out, "manifest.json")))["tasks"]["pinn.fit"]["result"]
r2 = [x["r2"] for x in m["nodes"]]
sc = [x["self_consistency_rmse"] for x in m["nodes"]]
ratio = m["physics_residual_mean_sq"] / m["forcing_mean_sq"]
res = {"case": "S3", "nodes": args.nodes, "epochs": args.epochs, "activation": args.activation, "densify": args.densify,
       "hard_ic": args.hard_ic, "weight_decay": args.weight_decay,
       "commit": commit,
       "date": subprocess.run(["date", "-u", "+%Y-%m-%d"], capture_output=True, text=True).stdout.strip(),
       "wall_seconds": wall, "seconds_per_epoch": timing["seconds_per_epoch"], "final_loss": m["final_loss"],
       "r2_min": min(r2), "r2_mean": m["r2_mean"], "nodes_r2_ge_0.99": sum(r >= 0.99 for r in r2),
       "residual_to_forcing": ratio, "self_consistency_max": max(sc), "self_consistency_mean": m["self_consistency_rmse_mean"],
       "pass": {"data_r2": min(r2) >= 0.99, "residual": ratio <= 1e-3, "self_consistency": max(sc) <= 0.1}}
os.makedirs(os.path.join(root, "bench", "results"), exist_ok=True)
variant = (f"-densify{args.densify}" if args.densify else "") + ("-hardic" if args.hard_ic else "") + \
    (f"-wd{args.weight_decay:g}" if args.weight_decay != 0.01 else "")
with open(os.path.join(root, "bench", "results", f"pinn-s3-{args.activation}{variant}-{args.tag}.json"), "w") as f:
    f.write(json.dumps(res, indent=1) + "\n")
print(json.dumps(res))
