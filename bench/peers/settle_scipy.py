#!/usr/bin/python3
"""Peer for bench_settle: SciPy's scipy.optimize.least_squares doing the same fits as migra's
Levenberg-Marquardt (models/settlement/flow_fit.cpp) on the problem and Poisson replicates that
`bench_settle --dump DIR` wrote: same residuals r_ik = T_ik - mu P_i P_k exp(u_k - u_i - gamma d_ik)
over i != k, same parameters (log mu, gamma, u_0..u_{N-2} with u_{N-1} = 0), same warm start,
the analytic Jacobian (SciPy's fastest option; finite differences would need N+1 evaluations
per step), and the spec's tolerances. Every method SciPy offers for this problem is timed:
'lm' (MINPACK, dense Jacobian), 'trf' with the exact (SVD) solver on the dense Jacobian, and
'trf-sparse': TRF with LSMR on the Jacobian as a sparse matrix (it has 2 or 4 non-zeros per row). One JSON line per
(model, method, replicate), with gamma and Phi for the cross-check against migra.
usage: settle_scipy.py DIR [--methods lm,trf,trf-sparse] [--models extended,spatial] [--threads 2]"""
import argparse
import json
import os
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("--methods", default="lm,trf,trf-sparse")
ap.add_argument("--models", default="extended,spatial")
ap.add_argument("--threads", type=int, default=0)
args = ap.parse_args()
if args.threads:
    for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[v] = str(args.threads)
import numpy as np  # noqa: E402  (after the thread settings)
from scipy.optimize import least_squares  # noqa: E402

meta = json.load(open(os.path.join(args.dir, "replicates.json")))
n = meta["n"]
raw = lambda f: np.fromfile(os.path.join(args.dir, f), dtype="<f8")
log_p, d = raw("log_p.bin"), raw("d.bin").reshape(n, n)
off = ~np.eye(n, dtype=bool)
I, K = np.nonzero(off)
dd = d[I, K]
lp = log_p[I] + log_p[K]


def make(model, T):
    t = T.reshape(n, n)[I, K]
    m = len(t)

    def unpack(th):
        if model == "spatial":
            return th[0], th[1], np.zeros(n)
        return th[0], th[1], np.append(th[2:], 0.0)

    def flows(th):
        lm, g, u = unpack(th)
        return np.exp(lm + lp + u[K] - u[I] - g * dd)

    def res(th):
        return t - flows(th)

    def jac(th):  # d r / d theta = -d That / d theta
        f = flows(th)
        cols = 2 if model == "spatial" else n + 1
        J = np.zeros((m, cols))
        J[:, 0] = -f
        J[:, 1] = dd * f
        if model != "spatial":
            rows = np.arange(m)
            k_ok, i_ok = K < n - 1, I < n - 1
            J[rows[k_ok], 2 + K[k_ok]] -= f[k_ok]
            J[rows[i_ok], 2 + I[i_ok]] += f[i_ok]
        return J

    def jac_sparse(th):  # the same Jacobian as CSR: 2 (spatial) or 4 non-zeros per row
        from scipy.sparse import csr_matrix
        f = flows(th)
        if model == "spatial":
            return csr_matrix(jac(th))
        rows = np.arange(m)
        k_ok, i_ok = K < n - 1, I < n - 1
        r = np.concatenate([rows, rows, rows[k_ok], rows[i_ok]])
        c = np.concatenate([np.zeros(m, int), np.ones(m, int), 2 + K[k_ok], 2 + I[i_ok]])
        v = np.concatenate([-f, dd * f, -f[k_ok], f[i_ok]])
        return csr_matrix((v, (r, c)), shape=(m, n + 1))

    return res, jac, jac_sparse


rng = np.random.default_rng(7)
for model in args.models.split(","):
    x0 = raw("start_%s.bin" % model)
    # A bootstrap replicate also draws its data: numpy's Poisson on the fitted flows, timed apart.
    that = make(model, raw("T.bin"))[0](x0)
    that = raw("T.bin").reshape(n, n)[I, K] - that
    t0 = time.perf_counter()
    for _ in range(20):
        rng.poisson(that)
    print(json.dumps({"peer": "numpy.random.Generator.poisson", "model": model, "pairs": len(that),
                      "seconds": round((time.perf_counter() - t0) / 20, 6)}))
    for rep in [r for r in meta["replicates"] if r["model"] == model]:
        res, jac, jac_sparse = make(model, raw(rep["file"]))
        for method in args.methods.split(","):
            kw = dict(method="trf", tr_solver="lsmr", jac=jac_sparse) if method == "trf-sparse" else \
                dict(method=method, jac=jac, tr_solver="exact") if method == "trf" else dict(method=method, jac=jac)
            t0 = time.perf_counter()
            r = least_squares(res, x0, ftol=1e-12, xtol=1e-12, gtol=1e-10, max_nfev=1000 if method != "lm" else None, **kw)
            sec = time.perf_counter() - t0
            print(json.dumps({"peer": "scipy.optimize.least_squares", "scipy": __import__("scipy").__version__,
                              "model": model, "method": method, "file": rep["file"], "seconds": round(sec, 5),
                              "nfev": int(r.nfev), "gamma": float(r.x[1]), "phi": float(2 * r.cost),
                              "migra_gamma": rep["gamma"], "migra_phi": rep["phi"], "migra_seconds": rep["seconds"],
                              "status": int(r.status)}))
            sys.stdout.flush()
