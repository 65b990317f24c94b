#!/usr/bin/python3
"""The regime metrics along a branch of MFG fixed points: reads a `migra mfg --solver arclength`
run (branch.csv, branch_{w,f}.npy, nodes.csv) and prints a line per point with its s times
--base, the fold marks, overlap, peaks and clusters, and on Test 2's theta graph spec test 20's
shape (mfg_continuation.py).

usage: mfg_branch.py RUN [--base S] [--theta] [--json FILE]
--base: what s = 1 stands for, e.g. 16 for a walk in nu from Table 1's nu / 16, so that the
printed value is the divisor of Table 1's viscosities."""
import argparse
import csv
import json
import os
import sys

import numpy as np

from mfg_continuation import read_nodes, theta_shape


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run")
    ap.add_argument("--base", type=float, default=1.0)
    ap.add_argument("--theta", action="store_true", help="add spec test 20's shape (Test 2's theta graph)")
    ap.add_argument("--json")
    args = ap.parse_args()
    measure, edge = read_nodes(args.run)
    W, F = (np.load(os.path.join(args.run, "branch_%s.npy" % k)) for k in "wf")
    records = []
    for k, row in enumerate(csv.DictReader(open(os.path.join(args.run, "branch.csv")))):
        rec = {"point": k, "s": args.base * float(row["s"]), "fold": row["fold"] == "1",
               "residual": float(row["residual"]), **{key: float(row[key]) for key in ("overlap", "peak_w", "peak_f")},
               **{key: int(row[key]) for key in ("clusters_w", "clusters_f")}}
        if args.theta:
            rec.update(theta_shape(measure, edge, W[k], F[k]))
        records.append(rec)
        print("%3d  s %-8.3f%s overlap %.3f, peaks %.2f / %.2f, clusters %d / %d" % (
            k, rec["s"], " FOLD" if rec["fold"] else "     ", rec["overlap"], rec["peak_w"], rec["peak_f"],
            rec["clusters_w"], rec["clusters_f"])
            + ("; firms on the central arc %.2f, workers %.2f, maxima on edges %d / %d, mirror asymmetry %.0e"
               % (rec["firm_share_central"], rec["worker_share_central"], rec["worker_max_edge"], rec["firm_max_edge"],
                  max(rec["mirror_asymmetry_w"], rec["mirror_asymmetry_f"])) if args.theta else ""))
    if args.json:
        json.dump({"run": args.run, "base": args.base, "records": records}, open(args.json, "w"), indent=1)


if __name__ == "__main__":
    sys.exit(main())
