#!/usr/bin/python3
"""Paper 000's PINN: time per epoch of `migra pinn fit` (the N per-node networks batched as one)
against the same model in PyTorch eager written with one module per node
(bench/peers/pinn_torch.py), same problem sizes, same machine, same run, 1 and 2 threads.
Problems: the first N-1 nodes of data/pinn_us51 plus the external node (N = 17 and 52: the
paper's E2 and E3). Time to 20,000 epochs is per-epoch x 20,000 unless --full-epochs runs it.
The peer runs with OPENBLAS_NUM_THREADS=1, which migra sets for itself (models/torch_runtime.hpp):
without it both lose about 2x on 2 threads to OpenBLAS's pool fighting OpenMP's.
Writes bench/results/pinn-<tag>.json (every line) and .md (the table). --device cuda runs both
on a GPU (the malloc-tuned peer run is then skipped: it concerns host memory).
usage: run_pinn.py [--build build] [--epochs 200] [--peer-epochs 10] [--tag cpu-vm] [--full-epochs N]
                   [--device cpu] [--python /usr/bin/python3] [--out bench/results]"""
import argparse
import csv
import json
import os
import platform
import subprocess
import tempfile

ap = argparse.ArgumentParser()
ap.add_argument("--build", default="build")
ap.add_argument("--epochs", type=int, default=200)
ap.add_argument("--peer-epochs", type=int, default=10)
ap.add_argument("--threads", default="1,2")
ap.add_argument("--sizes", default="17,52")
ap.add_argument("--full-epochs", type=int, default=0, help="also run migra this many epochs at N=17, 2 threads")
ap.add_argument("--tag", default="cpu-vm")
ap.add_argument("--device", default="cpu", help="cpu or cuda (migra and the peer)")
ap.add_argument("--python", default="/usr/bin/python3", help="the interpreter with torch for the peer")
ap.add_argument("--out", default=None, help="results folder (default bench/results)")
args = ap.parse_args()
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
commit = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
migra = os.path.join(root, args.build, "host", "migra")
data = os.path.join(root, "data", "pinn_us51")
out_dir = args.out or os.path.join(root, "bench", "results")


def subset(tmp, n_real):
    nodes = list(csv.DictReader(open(os.path.join(data, "nodes.csv"))))[:n_real]
    keep = {r["id"] for r in nodes}
    nf, bf = os.path.join(tmp, f"nodes{n_real}.csv"), os.path.join(tmp, f"balances{n_real}.csv")
    with open(nf, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(nodes[0].keys()))
        w.writeheader(), w.writerows(nodes)
    rows = [r for r in csv.DictReader(open(os.path.join(data, "balances.csv"))) if r["node"] in keep]
    with open(bf, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["node", "year", "balance"])
        w.writeheader(), w.writerows(rows)
    return nf, bf


def run_migra(nf, bf, epochs, threads, out, derivatives="autograd"):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    subprocess.run([migra, "pinn", "fit", "--nodes", nf, "--balances", bf, "--epochs", str(epochs), "--derivatives",
                    derivatives, "--device", args.device, "--out", out, "-q"], check=True, env=env, capture_output=True)
    m = json.load(open(os.path.join(out, "metrics.json")))
    man = json.load(open(os.path.join(out, "manifest.json")))
    timing = next(iter(man["tasks"].values()))["result"]
    return {"impl": "migra " + derivatives, "seconds_per_epoch": timing["seconds_per_epoch"], "final_loss": m["final_loss"]["total"],
            "epochs": epochs, "r2_mean": m["r2_mean"], "r2_min": min(x["r2"] for x in m["nodes"]),
            "physics_residual_mean_sq": m["physics_residual_mean_sq"], "forcing_mean_sq": m["forcing_mean_sq"],
            "self_consistency_rmse_mean": m["self_consistency_rmse_mean"],
            "self_consistency_rmse_max": max(x["self_consistency_rmse"] for x in m["nodes"])}


lines = []
with tempfile.TemporaryDirectory() as tmp:
    for n in [int(s) for s in args.sizes.split(",")]:
        nf, bf = subset(tmp, n - 1)
        for th in [int(s) for s in args.threads.split(",")]:
            for d in ("autograd", "taylor"):
                r = run_migra(nf, bf, args.epochs, th, os.path.join(tmp, f"m{n}-{th}-{d}"), d)
                lines.append(dict(r, nodes=n, threads=th))
            # the peer as users run it, and with glibc tuned as migra tunes it for itself
            # (models::reuse_freed_memory: freed tensors stay in the heap); the faster counts
            for tuned in (False, True) if args.device == "cpu" else (False,):
                env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
                if tuned:
                    env["GLIBC_TUNABLES"] = "glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967295"
                o = subprocess.run([args.python, os.path.join(root, "bench", "peers", "pinn_torch.py"), nf, bf,
                                    "--epochs", str(args.peer_epochs), "--threads", str(th), "--device", args.device],
                                   capture_output=True, text=True, check=True, env=env).stdout
                p = json.loads(o)
                lines.append({"impl": p["peer"] + (" (malloc tuned)" if tuned else ""),
                              "seconds_per_epoch": p["seconds_per_epoch"], "final_loss": p["final_loss"],
                              "epochs": args.peer_epochs, "nodes": n, "threads": th})
            print(json.dumps(lines[-4:]), flush=True)  # (or 3 on a GPU)
    if args.full_epochs:
        nf, bf = subset(tmp, 16)
        out = os.path.join(tmp, "full")
        import time
        t0 = time.perf_counter()
        r = run_migra(nf, bf, args.full_epochs, 2, out)
        lines.append(dict(r, nodes=17, threads=2, wall_seconds=time.perf_counter() - t0, full=True))

meta = {"commit": commit, "cpu": cpu, "date": subprocess.run(["date", "-u", "+%Y-%m-%d"], capture_output=True, text=True).stdout.strip()}
os.makedirs(out_dir, exist_ok=True)
with open(os.path.join(out_dir, f"pinn-{args.tag}.json"), "w") as f:
    for l in lines:
        f.write(json.dumps(dict(l, **meta)) + "\n")
md = [f"# PINN (paper 000): time per epoch, migra vs PyTorch eager (one module per node)\n",
      f"{meta['cpu']}, commit {commit}, {meta['date']}, device {args.device}. Problem: data/pinn_us51 subsets, width 64, "
      f"{args.epochs} migra epochs and {args.peer_epochs} peer epochs timed (after one warm-up epoch for the peer), float32.\n",
      "| N | threads | migra autograd ms/epoch | migra taylor ms/epoch | PyTorch eager ms/epoch | PyTorch eager, malloc tuned | speed-up (best migra vs faster peer) | migra 20k epochs (est.) |",
      "|---|---|---|---|---|---|---|---|"]
for n in sorted({l["nodes"] for l in lines if not l.get("full")}):
    for th in sorted({l["threads"] for l in lines if l["nodes"] == n and not l.get("full")}):
        sel = [l for l in lines if l["nodes"] == n and l["threads"] == th and not l.get("full")]
        ma = next(l for l in sel if l["impl"] == "migra autograd")["seconds_per_epoch"]
        mt = next(l for l in sel if l["impl"] == "migra taylor")["seconds_per_epoch"]
        pe = next(l for l in sel if l["impl"].startswith("pytorch") and "tuned" not in l["impl"])["seconds_per_epoch"]
        pt = next((l for l in sel if l["impl"].startswith("pytorch") and "tuned" in l["impl"]), {"seconds_per_epoch": pe})["seconds_per_epoch"]
        best = min(ma, mt)
        md.append(f"| {n} | {th} | {1e3*ma:.1f} | {1e3*mt:.1f} | {1e3*pe:.1f} | {1e3*pt:.1f} | {min(pe, pt)/best:.1f}x | "
                  f"{20000*best/60:.1f} min |")
full = [l for l in lines if l.get("full")]
if full:
    f = full[0]
    md.append(f"\nMeasured end to end: migra N=17, {f['epochs']} epochs, 2 threads: {f['wall_seconds']/60:.1f} min wall "
              f"({1e3*f['seconds_per_epoch']:.1f} ms/epoch), final loss {f['final_loss']:.4g}. Spec S3 quantities: "
              f"data R² mean {f['r2_mean']:.4f} (min {f['r2_min']:.4f}); mean physics residual² {f['physics_residual_mean_sq']:.3g} "
              f"against mean (c_e λ)² {f['forcing_mean_sq']:.3g}; ODE self-consistency RMSE mean {f['self_consistency_rmse_mean']:.3f} "
              f"(max {f['self_consistency_rmse_max']:.3f}).")
open(os.path.join(out_dir, f"pinn-{args.tag}.md"), "w").write("\n".join(md) + "\n")
print("\n".join(md))
