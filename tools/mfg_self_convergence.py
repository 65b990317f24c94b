#!/usr/bin/python3
"""Spec 001 §5 test 18, self-convergence: solve a network MFG at Δx, Δx/2, Δx/4, ... with
Δt ∝ Δx, and measure the L1 distance between the final densities m(T) of successive levels.
The test asks that these distances fall, each by a ratio of at least 1.5.

The grids are not nested (edge lengths are not multiples of Δx), so each level's density is
read as the P1 function of its nodes along every edge, and

    d_k = Σ_edges ∫_0^L |m_k(s) − m_{k+1}(s)| ds

is integrated by the midpoint rule on a sampling much finer than the finest level.

usage: mfg_self_convergence.py [--network data/networks/theta.net]
           [--config data/mfg/test2-linear.toml] [--dx 0.04,0.02,0.01,0.005,0.0025]
           [--dt-over-dx 5 | --dt DT] [--set KEY=VALUE ...] [--set-populations KEY=VALUE ...]
           [--smooth 0.05] [--migra build/host/migra] [--json FILE]
--dt holds the time step fixed, so only the space grid is refined (the semi-Lagrangian scheme
converges in Δx at fixed Δt to its time-discrete solution: its interpolation error is O(Δx²/Δt)).
Each level also reports the total variation of its final densities (it grows under refinement
when they oscillate at the scale of the grid or of the noise branches' lattice), and each pair
the L1 distance of the densities averaged over a fixed window (--smooth): weak convergence.
Prints one line per level and per pair; --json writes them all (with machine and commit)."""
import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np


def read_edges(network):
    """Vertices in file order (they are nodes 0..V-1 of every level) and edges as (a, b, L)."""
    vertices, xy, edges = {}, [], []
    for raw in open(network):
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        if words[0] == "vertex":
            vertices[words[1]] = len(xy)
            xy.append((float(words[2]), float(words[3])))
        elif words[0] == "edge":
            a, b = vertices[words[1]], vertices[words[2]]
            length = next((float(w.split("=")[1]) for w in words[3:] if w.startswith("length=")), None)
            if length is None:
                length = float(np.hypot(xy[b][0] - xy[a][0], xy[b][1] - xy[a][1]))
            edges.append((a, b, length))
    return edges


def edge_functions(run_dir, edges, population):
    """Per edge: the node positions s (0 at its first vertex, L at its second) and m(T) there."""
    m = np.load(os.path.join(run_dir, "densities_%s.npy" % population))[-1]
    rows = list(csv.DictReader(open(os.path.join(run_dir, "nodes.csv"))))
    per_edge = [([0.0, e[2]], [m[e[0]], m[e[1]]]) for e in edges]
    for r in rows:
        e = int(r["edge"])
        if e >= 0:
            per_edge[e][0].append(float(r["y"]))
            per_edge[e][1].append(m[int(r["node"])])
    out = []
    for s, v in per_edge:
        order = np.argsort(s)
        out.append((np.asarray(s)[order], np.asarray(v)[order]))
    return out


def l1_distance(fa, fb, edges, samples_per_unit):
    total = 0.0
    for (sa, va), (sb, vb), (_, _, length) in zip(fa, fb, edges):
        n = max(1, int(np.ceil(length * samples_per_unit)))
        mid = (np.arange(n) + 0.5) * (length / n)
        total += np.abs(np.interp(mid, sa, va) - np.interp(mid, sb, vb)).sum() * (length / n)
    return total


def smoothed(functions, edges, width, samples_per_unit):
    """Each edge's P1 function sampled finely and averaged over a window of `width` (cut at the
    edge's ends): a fixed smoothing scale, so that oscillations finer than it cancel."""
    out = []
    for (s, v), (_, _, length) in zip(functions, edges):
        n = max(1, int(np.ceil(length * samples_per_unit)))
        mid = (np.arange(n) + 0.5) * (length / n)
        values = np.interp(mid, s, v)
        half = max(0, int(round(0.5 * width / (length / n))))
        c = np.concatenate(([0.0], np.cumsum(values)))
        lo, hi = np.maximum(np.arange(n) - half, 0), np.minimum(np.arange(n) + half + 1, n)
        out.append((mid, (c[hi] - c[lo]) / (hi - lo)))
    return out


def total_variation(functions):
    """Σ_edges Σ |m(s_{i+1}) − m(s_i)| over each edge's nodes: it stays bounded for a smooth limit
    and grows under refinement when the density oscillates on the scale of the grid or of the noise."""
    return float(sum(np.abs(np.diff(v)).sum() for _, v in functions))


def provenance(root):
    """Commit, machine and date for a results file."""
    commit = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
               platform.processor())
    return {"commit": commit, "machine": cpu, "date": time.strftime("%Y-%m-%d")}


def config_with(config_text, settings, table="mfg"):
    """The config with `settings` written into its [table] (added when missing); the same keys
    elsewhere in that table are dropped."""
    lines = config_text.splitlines()
    body = ["%s = %s" % kv for kv in settings.items()]
    heads = [k for k, l in enumerate(lines) if l.strip().startswith("[")] + [len(lines)]
    if "[%s]" % table not in [l.strip() for l in lines]:
        return "\n".join(["[%s]" % table] + body + [""] + lines) + "\n"
    at = [l.strip() for l in lines].index("[%s]" % table)
    end = next(h for h in heads if h > at)
    kept = [l for l in lines[at + 1:end] if "=" not in l or l.split("=", 1)[0].strip() not in settings]
    return "\n".join(lines[:at + 1] + body + kept + lines[end:]) + "\n"


def scaled_viscosities(config_text, scale):
    """The config with both populations' nu divided by `scale`, and those two viscosities. Its own
    nu in [workers] and [firms], or Table 1's (0.4, 0.2) where it leaves them out."""
    nu, table = {"workers": 0.4, "firms": 0.2}, None
    for line in config_text.splitlines():
        s = line.split("#", 1)[0].strip()
        if s.startswith("["):
            table = s.strip("[]")
        elif table in nu and "=" in s and s.split("=", 1)[0].strip() == "nu":
            nu[table] = float(s.split("=", 1)[1])
    for pop in nu:
        config_text = config_with(config_text, {"nu": repr(nu[pop] / scale)}, pop)
    return config_text, nu["workers"] / scale, nu["firms"] / scale


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--network", default=os.path.join(root, "data/networks/theta.net"))
    ap.add_argument("--config", default=os.path.join(root, "data/mfg/test2-linear.toml"))
    ap.add_argument("--dx", default="0.04,0.02,0.01,0.005,0.0025")
    ap.add_argument("--dt-over-dx", type=float, default=5.0)
    ap.add_argument("--dt", type=float, help="a fixed time step for every level (overrides --dt-over-dx)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="extra [mfg] settings, as TOML values (e.g. rent-kernel='\"gaussian\"')")
    ap.add_argument("--set-populations", action="append", default=[], metavar="KEY=VALUE",
                    help="settings of both [workers] and [firms] (e.g. diffusion='\"implicit\"')")
    ap.add_argument("--smooth", type=float, default=0.05,
                    help="window of the smoothed L1 distance (weak convergence), in length units")
    ap.add_argument("--migra", default=os.path.join(root, "build/host/migra"))
    ap.add_argument("--json")
    args = ap.parse_args()

    edges = read_edges(args.network)
    base = open(args.config).read()
    extra = dict(kv.split("=", 1) for kv in args.set)
    populations = dict(kv.split("=", 1) for kv in args.set_populations)
    for table in ("workers", "firms") if populations else ():
        base = config_with(base, populations, table)
    levels = [float(d) for d in args.dx.split(",")]
    step = (lambda dx: args.dt) if args.dt else (lambda dx: args.dt_over_dx * dx)
    records, finals = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for dx in levels:
            cfg = os.path.join(tmp, "dx%g.toml" % dx)
            open(cfg, "w").write(config_with(base, dict(extra, dx=repr(dx), dt=repr(step(dx)))))
            out = os.path.join(tmp, "dx%g" % dx)
            start = time.time()
            subprocess.run([args.migra, "mfg", "--network", args.network, "--config", cfg, "--out", out,
                            "--progress", "none", "--quiet"], check=True)
            metrics = json.load(open(os.path.join(out, "metrics.json")))
            rec = {"dx": dx, "dt": step(dx), "seconds": round(time.time() - start, 2),
                   **{k: metrics[k] for k in ("nodes", "iterations", "converged", "overlap", "residual")}}
            finals.append({p: edge_functions(out, edges, p) for p in ("w", "f")})
            rec.update({"tv_" + p: total_variation(finals[-1][p]) for p in ("w", "f")})
            records.append(rec)
            print(json.dumps(rec), flush=True)
    samples = 40.0 / min(levels)
    for k in range(len(levels) - 1):
        rec = {"pair": [levels[k], levels[k + 1]]}
        for p in ("w", "f"):
            rec["l1_" + p] = l1_distance(finals[k][p], finals[k + 1][p], edges, samples)
            rec["l1_smoothed_" + p] = l1_distance(smoothed(finals[k][p], edges, args.smooth, samples),
                                                  smoothed(finals[k + 1][p], edges, args.smooth, samples), edges, samples)
            if k > 0:
                for d in ("l1_", "l1_smoothed_"):
                    rec[d.replace("l1_", "ratio_") + p] = records[-1][d + p] / rec[d + p]
        records.append(rec)
        print(json.dumps(rec), flush=True)
    if args.json:
        json.dump({"network": os.path.relpath(args.network, root), "config": os.path.relpath(args.config, root),
                   "settings": extra, "population_settings": populations, "smooth": args.smooth,
                   "dt_over_dx": None if args.dt else args.dt_over_dx, "dt": args.dt, **provenance(root),
                   "records": records}, open(args.json, "w"), indent=1)


if __name__ == "__main__":
    sys.exit(main())
