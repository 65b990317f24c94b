#!/usr/bin/python3
"""Newton-Krylov continuation of a network MFG in the viscosities, where Picard stalls.

The MFG's discrete solution is a fixed point M = G(M) of the Picard map G: one HJ-OT-FP sweep,
`migra mfg --max-iter 1` from `--guess-w/--guess-f` (with a config's theta < 1 that sweep is the
damped (1 - theta) M + theta G(M), which has the same fixed points). Below some viscosity the
damped Picard iteration of `migra mfg` stops contracting (Test 2 under potential C: its residual stalls near 0.06 at nu/16),
so this tool solves F(M) = G(M) - M = 0 by Newton's method instead:
  J d = -F(M),  J v ~ (G(M + h v) - G(M)) / h - v   (Jacobian-free, one G per product)
with restarted GMRES (scipy) for d and a backtracking line search on |F|. Densities stay >= 0
(the step is clipped at 0, which G requires of a guess). The row at t = 0 (m0) is not an unknown.
The residual reported is migra's: max over populations and times of sum_q |G(M) - M|_q |C_q| / Mass.

Each scale starts from the previous solution (the first from --start, a `migra mfg` run on the
same grid, e.g. the last solve of tools/mfg_continuation.py). Prints each Newton step and, per scale, the
spec's regime metrics (§5) and, on the theta graph, Test 2's (spec test 20): the firms' mass share
on edge 0 (the central arc), the edge of the workers' maximum, and the mirror asymmetry
sum |m(edge 1) - m(edge 3)| + |m(edge 2) - m(edge 4)| over the mass, at the final time.

usage: mfg_newton.py --start RUN_DIR [--network data/networks/theta.net]
           [--config data/mfg/test2-linear.toml] [--scales 16,32] [--set KEY=VALUE ...]
           [--tol 1e-4] [--max-newton 30] [--migra build/host/migra] [--out DIR] [--json FILE]
Each scale's solution is a `migra mfg` run in OUT/nu<scale>/solution (OUT: a temporary folder)."""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from scipy.sparse.linalg import LinearOperator, gmres

from mfg_self_convergence import config_with, provenance, scaled_viscosities


class PicardMap:
    """G on the packed unknowns (the densities of both populations at t_1..t_NT)."""

    def __init__(self, migra, network, config_text, start, work):
        self.migra, self.network, self.work = migra, network, work
        self.config = os.path.join(work, "config.toml")
        open(self.config, "w").write(config_text)
        w = np.load(os.path.join(start, "densities_w.npy"))
        f = np.load(os.path.join(start, "densities_f.npy"))
        self.shape, self.m0 = w.shape, (w[0].copy(), f[0].copy())
        self.n = w[1:].size
        nodes = list(csv.DictReader(open(os.path.join(start, "nodes.csv"))))
        self.measure = np.array([float(r["measure"]) for r in nodes])
        self.edge = np.array([int(r["edge"]) for r in nodes])
        self.mass = ((w[0] * self.measure).sum(), (f[0] * self.measure).sum())
        self.x0 = self.pack(w, f)
        self.evaluations = 0

    def pack(self, w, f):
        return np.concatenate([w[1:].ravel(), f[1:].ravel()])

    def unpack(self, x):
        rows = self.shape[0] - 1
        return (np.vstack([self.m0[0], x[:self.n].reshape(rows, -1)]),
                np.vstack([self.m0[1], x[self.n:].reshape(rows, -1)]))

    def __call__(self, x, out=None):
        w, f = self.unpack(x)
        gw, gf = os.path.join(self.work, "guess_w.npy"), os.path.join(self.work, "guess_f.npy")
        np.save(gw, w), np.save(gf, f)
        out = out or os.path.join(self.work, "g")
        subprocess.run([self.migra, "mfg", "--network", self.network, "--config", self.config, "--guess-w", gw,
                        "--guess-f", gf, "--max-iter", "1", "--out", out, "--force", "--quiet"], check=True)
        self.evaluations += 1
        return self.pack(np.load(os.path.join(out, "densities_w.npy")), np.load(os.path.join(out, "densities_f.npy")))

    def residual(self, d):
        w, f = self.unpack(d)
        return max((np.abs(w[1:]) * self.measure).sum(1).max() / self.mass[0],
                   (np.abs(f[1:]) * self.measure).sum(1).max() / self.mass[1])


def newton(G, x, tol, max_newton, log):
    """Newton-GMRES on G(x) - x = 0 from x; returns x and the residual history."""
    gx = G(x)
    F = gx - x
    history = [G.residual(F)]
    log("  start: residual %.3e" % history[-1])
    for k in range(max_newton):
        if history[-1] < tol:
            break
        h = 1e-7 * max(1.0, np.linalg.norm(x))

        def jv(v, x=x, gx=gx, h=h):
            nv = np.linalg.norm(v)
            if nv == 0:
                return np.zeros_like(v)
            return (G(np.maximum(x + (h / nv) * v, 0.0)) - gx) * (nv / h) - v

        A = LinearOperator((x.size, x.size), matvec=jv, dtype=float)
        d, _ = gmres(A, -F, restart=30, maxiter=1, **({"rtol": 1e-4} if "rtol" in gmres.__code__.co_varnames else {"tol": 1e-4}))
        step, norm = 1.0, np.linalg.norm(F)
        while True:  # backtracking on |F|, down to 1/64 of the Newton step
            xn = np.maximum(x + step * d, 0.0)
            gn = G(xn)
            Fn = gn - xn
            if np.linalg.norm(Fn) < (1 - 1e-4 * step) * norm or step <= 1 / 64:
                break
            step /= 2
        x, gx, F = xn, gn, Fn
        history.append(G.residual(F))
        log("  Newton %2d: step %-7g residual %.3e  (%d evaluations of G)" % (k + 1, step, history[-1], G.evaluations))
    return x, history


def test2_metrics(G, x):
    """Spec test 20's shape at the final time: firm share on the central arc, the edge of the
    workers' maximum, and the mirror asymmetry of both populations."""
    w, f = G.unpack(x)
    mw, mf = w[-1] * G.measure, f[-1] * G.measure
    on = lambda m, e: m[G.edge == e]
    asym = lambda m: (np.abs(on(m, 1) - on(m, 3)).sum() + np.abs(on(m, 2) - on(m, 4)).sum()) / m.sum()
    return {"firm_share_central": float(on(mf, 0).sum() / mf.sum()),
            "worker_share_central": float(on(mw, 0).sum() / mw.sum()),
            "worker_max_edge": int(G.edge[np.argmax(w[-1])]), "firm_max_edge": int(G.edge[np.argmax(f[-1])]),
            "mirror_asymmetry_w": float(asym(mw)), "mirror_asymmetry_f": float(asym(mf))}


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--start", required=True, help="a converged `migra mfg` run (densities_*.npy, nodes.csv)")
    ap.add_argument("--network", default=os.path.join(root, "data/networks/theta.net"))
    ap.add_argument("--config", default=os.path.join(root, "data/mfg/test2-linear.toml"))
    ap.add_argument("--scales", default="16,32")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--max-newton", type=int, default=30)
    ap.add_argument("--migra", default=os.path.join(root, "build/host/migra"))
    ap.add_argument("--out", help="keep the runs here (default: a temporary folder)")
    ap.add_argument("--json")
    args = ap.parse_args()
    base = open(args.config).read()
    if args.set:
        base = config_with(base, dict(kv.split("=", 1) for kv in args.set))
    work = args.out or tempfile.mkdtemp(prefix="mfg-newton-")
    start, records, t0 = args.start, [], time.time()
    for s in [float(v) for v in args.scales.split(",")]:
        text, nu_w, nu_f = scaled_viscosities(base, s)
        sdir = os.path.join(work, "nu%g" % s)
        os.makedirs(sdir, exist_ok=True)
        G = PicardMap(args.migra, args.network, text, start, sdir)
        print("nu / %g" % s, flush=True)
        x, history = newton(G, G.x0, args.tol, args.max_newton, lambda m: print(m, flush=True))
        final = os.path.join(sdir, "solution")
        G(x, out=final)  # writes the solution's run (densities, metrics, pictures)
        m = json.load(open(os.path.join(final, "metrics.json")))
        rec = {"scale": s, "nu_w": nu_w, "nu_f": nu_f, "converged": bool(history[-1] < args.tol),
               "residuals": [float(r) for r in history], "evaluations": G.evaluations,
               **{k: m[k] for k in ("overlap", "peak_w", "peak_f", "clusters_w", "clusters_f")}}
        theta = G.edge.max() == 4  # Test 2's theta graph: its shape metrics too
        if theta:
            rec.update(test2_metrics(G, x))
        records.append(rec)
        print("  %s; overlap %.3f, peaks %.2f / %.2f, clusters %d / %d"
              % ("converged" if rec["converged"] else "NOT converged", rec["overlap"], rec["peak_w"], rec["peak_f"],
                 rec["clusters_w"], rec["clusters_f"])
              + ("; firms on the central arc %.2f, workers' maximum on edge %d, mirror asymmetry %.1e / %.1e"
                 % (rec["firm_share_central"], rec["worker_max_edge"], rec["mirror_asymmetry_w"], rec["mirror_asymmetry_f"])
                 if theta else "") + "; run in " + final, flush=True)
        if not rec["converged"]:
            break
        start = final
    if args.json:
        json.dump({"network": os.path.relpath(args.network, root), "config": os.path.relpath(args.config, root),
                   "settings": args.set, "start": args.start, "seconds": round(time.time() - t0, 1), **provenance(root),
                   "records": records}, open(args.json, "w"), indent=1)


if __name__ == "__main__":
    sys.exit(main())
