#!/usr/bin/python3
"""Continuation of a network MFG in the viscosities: solve at nu / s for s = 1, 2, 4, ... with each
solve's first Picard iterate the previous one's densities (`migra mfg --guess-w/--guess-f`),
as one `migra run` job whose tasks chain by "@TASK/densities_*.npy". Aggregating regimes
(spec 001 §5 19-21) live at low viscosity, where a cold Picard start stalls; following the
branch down from the uniform state reaches them in smaller steps.

usage: mfg_continuation.py [--network data/networks/triangle.net] [--config data/mfg/test1a.toml]
           [--scales 1,2,4,8,16,32] [--set KEY=VALUE ...] [--migra build/host/migra]
           [--out DIR] [--json FILE]
--set writes [mfg] keys (TOML values, e.g. potential='"C"'). Prints one line per scale (Picard
iterations and residual, overlap, peaks, clusters); --json writes them with machine and commit."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from mfg_self_convergence import config_with, provenance, scaled_viscosities


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--network", default=os.path.join(root, "data/networks/triangle.net"))
    ap.add_argument("--config", default=os.path.join(root, "data/mfg/test1a.toml"))
    ap.add_argument("--scales", default="1,2,4,8,16,32")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--migra", default=os.path.join(root, "build/host/migra"))
    ap.add_argument("--out", help="keep the configs, the job and the run here (default: a temporary folder)")
    ap.add_argument("--json")
    args = ap.parse_args()

    base = open(args.config).read()
    extra = dict(kv.split("=", 1) for kv in args.set)
    scales = [float(s) for s in args.scales.split(",")]
    work = args.out or tempfile.mkdtemp(prefix="mfg-continuation-")
    os.makedirs(work, exist_ok=True)
    job, prev, nus = [], None, {}
    for s in scales:
        name = "nu%g" % s
        cfg, *nus[s] = scaled_viscosities(config_with(base, extra) if extra else base, s)
        path = os.path.join(work, name + ".toml")
        open(path, "w").write(cfg)
        job.append('[tasks."%s"]\nkind = "mfg"\nnetwork = "%s"\nconfig = "%s"\n' % (name, os.path.abspath(args.network), path))
        if prev:
            job.append('guess-w = "@%s/densities_w.npy"\nguess-f = "@%s/densities_f.npy"\n' % (prev, prev))
        prev = name
    job_path = os.path.join(work, "continuation.toml")
    open(job_path, "w").write("\n".join(job))
    start = time.time()
    subprocess.run([args.migra, "run", job_path, "--out", os.path.join(work, "run"), "--progress", "none", "--quiet"],
                   check=True)
    records = []
    for s in scales:
        m = json.load(open(os.path.join(work, "run", "nu%g" % s, "metrics.json")))
        rec = {"scale": s, "nu_w": nus[s][0], "nu_f": nus[s][1],
               **{k: m[k] for k in ("converged", "iterations", "residual", "overlap", "peak_w", "peak_f",
                                    "clusters_w", "clusters_f")}}
        records.append(rec)
        print("nu / %-5g %s after %3d iterations (residual %.2e); overlap %.3f, peaks %.2f / %.2f, clusters %d / %d"
              % (s, "converged" if rec["converged"] else "NOT converged", rec["iterations"], rec["residual"],
                 rec["overlap"], rec["peak_w"], rec["peak_f"], rec["clusters_w"], rec["clusters_f"]), flush=True)
    if args.json:
        json.dump({"network": os.path.relpath(args.network, root), "config": os.path.relpath(args.config, root),
                   "settings": extra, "seconds": round(time.time() - start, 1), **provenance(root),
                   "records": records}, open(args.json, "w"), indent=1)


if __name__ == "__main__":
    sys.exit(main())
