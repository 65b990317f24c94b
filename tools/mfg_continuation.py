#!/usr/bin/python3
"""Continuation of a network MFG in the viscosities: solve at nu / s for s = 1, 2, 4, ... with each
solve's first iterate the previous one's densities (`migra mfg --guess-w/--guess-f`), as one
`migra run` job whose tasks chain by "@TASK/densities_*.npy". Aggregating regimes (spec 001 §5
19-21) live at low viscosity, where a cold Picard start stalls; following the branch down from
the uniform state reaches them in smaller steps. From --newton-from on, the solves use
Newton-Krylov (`solver = "newton"`), which converges where Picard stops contracting.

usage: mfg_continuation.py [--network data/networks/triangle.net] [--config data/mfg/test1a.toml]
           [--scales 1,2,4,8,16,32] [--newton-from S] [--set KEY=VALUE ...]
           [--migra build/host/migra] [--out DIR] [--json FILE]
--set writes [mfg] keys (TOML values, e.g. potential='"C"'). Prints one line per scale (solver,
iterations or Newton steps and sweeps, residual, overlap, peaks, clusters; on Test 2's theta
graph also the spec's test-20 shape: the firms' share of the central arc, the edge of the
workers' maximum and the mirror asymmetry); --json writes them with machine and commit."""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from mfg_self_convergence import config_with, provenance, scaled_viscosities


def read_nodes(run):
    """A run's nodes.csv: each node's measure |C| and edge (-1 for a vertex)."""
    nodes = list(csv.DictReader(open(os.path.join(run, "nodes.csv"))))
    return np.array([float(r["measure"]) for r in nodes]), np.array([int(r["edge"]) for r in nodes])


def test2_metrics(run):
    """Spec test 20's shape at the final time of a run on the theta graph (theta_shape)."""
    measure, edge = read_nodes(run)
    w, f = (np.load(os.path.join(run, "densities_%s.npy" % k))[-1] for k in "wf")
    return theta_shape(measure, edge, w, f)


def theta_shape(measure, edge, w, f):
    """Spec test 20's shape of final densities w, f on the theta graph (edge 0 the central arc,
    1-2 and 3-4 the mirrored outer paths): firm and worker shares of the central arc, the edges
    of the maxima, and sum |m(edge 1) - m(edge 3)| + |m(edge 2) - m(edge 4)| over the mass."""
    mw, mf = w * measure, f * measure
    on = lambda m, e: m[edge == e]
    asym = lambda m: (np.abs(on(m, 1) - on(m, 3)).sum() + np.abs(on(m, 2) - on(m, 4)).sum()) / m.sum()
    return {"firm_share_central": float(on(mf, 0).sum() / mf.sum()),
            "worker_share_central": float(on(mw, 0).sum() / mw.sum()),
            "worker_max_edge": int(edge[np.argmax(w)]), "firm_max_edge": int(edge[np.argmax(f)]),
            "mirror_asymmetry_w": float(asym(mw)), "mirror_asymmetry_f": float(asym(mf))}


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--network", default=os.path.join(root, "data/networks/triangle.net"))
    ap.add_argument("--config", default=os.path.join(root, "data/mfg/test1a.toml"))
    ap.add_argument("--scales", default="1,2,4,8,16,32")
    ap.add_argument("--newton-from", type=float, help="solve the scales from this one on by Newton-Krylov")
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
        settings = dict(extra)
        if args.newton_from is not None and s >= args.newton_from:
            settings["solver"] = '"newton"'
        cfg, *nus[s] = scaled_viscosities(config_with(base, settings) if settings else base, s)
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
    theta = sum(1 for line in open(args.network) if line.split()[:1] == ["edge"]) == 5  # Test 2's graph
    for s in scales:
        run = os.path.join(work, "run", "nu%g" % s)
        m = json.load(open(os.path.join(run, "metrics.json")))
        rec = {"scale": s, "nu_w": nus[s][0], "nu_f": nus[s][1],
               **{k: m[k] for k in ("solver", "converged", "iterations", "sweeps", "residual", "overlap", "peak_w",
                                    "peak_f", "clusters_w", "clusters_f")}}
        if theta:
            rec.update(test2_metrics(run))
        records.append(rec)
        how = ("%3d iterations" % rec["iterations"] if rec["solver"] == "picard"
               else "%3d Newton steps (%d sweeps)" % (rec["iterations"], rec["sweeps"]))
        print("nu / %-5g %s after %s (residual %.2e); overlap %.3f, peaks %.2f / %.2f, clusters %d / %d"
              % (s, "converged" if rec["converged"] else "NOT converged", how, rec["residual"],
                 rec["overlap"], rec["peak_w"], rec["peak_f"], rec["clusters_w"], rec["clusters_f"])
              + ("; firms on the central arc %.2f, workers' maximum on edge %d, mirror asymmetry %.1e / %.1e"
                 % (rec["firm_share_central"], rec["worker_max_edge"], rec["mirror_asymmetry_w"],
                    rec["mirror_asymmetry_f"]) if theta else ""), flush=True)
    if args.json:
        json.dump({"network": os.path.relpath(args.network, root), "config": os.path.relpath(args.config, root),
                   "settings": extra, "seconds": round(time.time() - start, 1), **provenance(root),
                   "records": records}, open(args.json, "w"), indent=1)


if __name__ == "__main__":
    sys.exit(main())
