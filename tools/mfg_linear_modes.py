#!/usr/bin/python3
"""Linear stability of the uniform state of paper 001's MFG-OT on a cycle (Test 1's triangle is a
periodic domain of length |Gamma| = 3), and its check against a `migra mfg` run.

Around uniform densities mbar_w, mbar_f (u = 0), a Fourier mode cos(k s) of the densities dm_p
and values du_p (p = w, f) obeys, from FP  m_t = nu m'' + (m u' / lambda)'  and
HJ  -u_t - nu u'' + u'^2 / (2 lambda) = G:
    dm_p' = -nu_p k^2 dm_p - (mbar_p / lambda_p) k^2 du_p,   dm_p(0) given,
    du_p' =  nu_p k^2 du_p - dG_p,                            du_p(T) = 0,
with dG = Gmat dm. The labour market (entropic OT with kernel e^{-c(d)/eps}, khat its discrete
cosine transform, a = dm_w / mbar_w, b = dm_f / mbar_f) moves the Schroedinger potential of the
workers by
    eps X,  X = (khat^2 a - khat b) / (1 - khat^2)    (the firms': a and b swapped),
which is variant C; variant B adds eps log(density): eps (X + a). The rents add their
linearisations where the uniform state is past a threshold (ball averages over d < r). The
forward-backward problem is solved by the Riccati sweep du = P(t) dm, P(T) = 0, giving the
transfer matrix Phi with dm(T) = Phi dm(0): seeds of mode k grow only if |eig Phi| > 1. A sweep
that blows up marks a conjugate time: the linearised game is no longer uniquely solvable.

usage: mfg_linear_modes.py [--modes 1 2 3] [--T 2] [--eps 0.5] [--potential C] [--nu-scale 1] ...
       mfg_linear_modes.py --run DIR --mode 1 [the run's parameters]
The second form compares the run's mode amplitudes of m(T) with Phi m(0). The run must be on a
cycle whose edges are listed in order around it, each of length |Gamma| / edges."""
import argparse
import csv
import math
import warnings

import numpy as np
from scipy.integrate import solve_ivp


def parser():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--length", type=float, default=3.0, help="|Gamma|")
    ap.add_argument("--nodes", type=int, default=300, help="grid nodes on the cycle (the kernel transforms)")
    ap.add_argument("--T", type=float, default=2.0)
    ap.add_argument("--eps", type=float, default=0.5)
    ap.add_argument("--cost", choices=["linear", "sqrt", "quadratic"], default="linear")
    ap.add_argument("--potential", choices=["B", "C"], default="C")
    ap.add_argument("--nu-w", type=float, default=0.4)
    ap.add_argument("--nu-f", type=float, default=0.2)
    ap.add_argument("--nu-scale", type=float, default=1.0, help="multiplies both viscosities")
    ap.add_argument("--lambda-w", type=float, default=1.0)
    ap.add_argument("--lambda-f", type=float, default=4.0)
    ap.add_argument("--mass-w", type=float, default=1.2, help="uniform worker density")
    ap.add_argument("--mass-f", type=float, default=0.8, help="uniform firm density")
    ap.add_argument("--a-w", type=float, default=0.5)
    ap.add_argument("--a-f", type=float, default=0.1)
    ap.add_argument("--b-w", type=float, default=4.0)
    ap.add_argument("--b-f", type=float, default=8.0)
    ap.add_argument("--C-w", type=float, default=1.0)
    ap.add_argument("--C-f", type=float, default=1.0)
    ap.add_argument("--r", type=float, default=0.1)
    ap.add_argument("--eta", type=float, default=1e-2)
    ap.add_argument("--rent-kernel", choices=["ball", "gaussian"], default="ball",
                    help="the rents' local average: d < r, or e^{-d^2 / (2 r^2)} for d < 4r")
    ap.add_argument("--scheme-dt", type=float, default=0.0,
                    help="> 0: diffuse as the SL scheme's three-point noise does with this step, at the rate "
                         "-log(2/3 + cos(sqrt(3) sigma k) / 3) / dt (sigma = sqrt(2 nu dt)) instead of nu k^2")
    ap.add_argument("--scheme-diffusion", choices=["branches", "implicit"], default="branches",
                    help="with --scheme-dt: the three noise branches, or backward Euler steps (diffusion = "
                         "\"implicit\"), rate log(1 + dt nu k^2) / dt")
    ap.add_argument("--modes", type=int, nargs="+", default=[1, 2, 3, 4, 6])
    ap.add_argument("--run", help="a `migra mfg` output directory to compare with")
    ap.add_argument("--mode", type=int, default=2, help="the mode compared with --run")
    return ap


class LinearModes:
    """The linearised game of one parameter set (the parser's namespace)."""

    def __init__(self, args):
        self.a = args
        n = args.nodes
        self.z = np.arange(n) * (args.length / n)
        d = np.minimum(self.z, args.length - self.z)
        cost = {"linear": d, "sqrt": np.sqrt(d), "quadratic": d * d}[args.cost]
        self.kernel = np.exp(-cost / args.eps)
        if args.rent_kernel == "ball":
            self.ball = (d < args.r).astype(float)
        else:
            self.ball = np.where(d < 4 * args.r, np.exp(-d * d / (2 * args.r ** 2)), 0.0)
        self.nu = np.array([args.nu_w, args.nu_f]) * args.nu_scale
        self.lam = np.array([args.lambda_w, args.lambda_f])
        self.mbar = np.array([args.mass_w, args.mass_f])

    def wavenumber(self, mode):
        return 2.0 * math.pi * mode / self.a.length

    def cosine_transform(self, w, k):
        return float(np.sum(w * np.cos(k * self.z)) / np.sum(w))

    def coupling(self, k):
        """Gmat (dG_p = sum_q Gmat[p, q] dm_q) for wavenumber k, and khat."""
        a, mbar = self.a, self.mbar
        kh = self.cosine_transform(self.kernel, k)
        R = np.array([[kh * kh, -kh], [-kh, kh * kh]]) / (1.0 - kh * kh)  # X per relative perturbation
        if a.potential == "B":
            R = R + np.eye(2)
        G = a.eps * R / mbar[None, :]
        bh = self.cosine_transform(self.ball, k)
        tot = mbar.sum()
        for p, (b, C) in enumerate([(a.b_w, a.C_w), (a.b_f, a.C_f)]):
            if tot > b:  # overcrowding C (m#_w + m#_f - b)^+ is active
                G[p, :] += C * bh
        for p, thr in enumerate([a.a_w, a.a_f]):
            if mbar[p] / (tot + a.eta) < thr:  # separation (share - a)^- is active
                other = 1 - p
                dshare = np.zeros(2)
                dshare[p] = (mbar[other] + a.eta) / (tot + a.eta) ** 2
                dshare[other] = -mbar[p] / (tot + a.eta) ** 2
                G[p, :] += -bh * dshare
        return G, kh

    def diffusion_rate(self, k):
        """Per population: nu k^2, or the scheme's rate at step --scheme-dt: its three-point noise,
        or its backward Euler steps (--scheme-diffusion implicit)."""
        dt = self.a.scheme_dt
        if dt <= 0.0:
            return self.nu * k * k
        if self.a.scheme_diffusion == "implicit":
            return np.log1p(dt * self.nu * k * k) / dt
        sigma = np.sqrt(2.0 * self.nu * dt)
        return -np.log(2.0 / 3.0 + np.cos(np.sqrt(3.0) * sigma * k) / 3.0) / dt

    def transfer(self, k, T):
        """Phi (2 x 2): dm(T) = Phi dm(0) for wavenumber k over [0, T]; None where the sweep blows up."""
        G, _ = self.coupling(k)
        rate = self.diffusion_rate(k)
        Amm = np.diag(-rate)
        Amu = np.diag(-(self.mbar / self.lam) * k * k)
        Auu = np.diag(rate)
        Aum = -G

        def riccati(t, y):
            P = y.reshape(2, 2)
            return (Aum + Auu @ P - P @ Amm - P @ Amu @ P).ravel()

        def blow_up(t, y):
            return 1e10 - np.max(np.abs(y))

        blow_up.terminal = True
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # overflow just before a blow-up is reported as None
            back = solve_ivp(riccati, (T, 0.0), np.zeros(4), method="Radau", rtol=1e-10, atol=1e-13,
                             dense_output=True, events=blow_up)
        if back.status != 0:
            return None

        def forward(t, y):
            P = back.sol(t).reshape(2, 2)
            return ((Amm + Amu @ P) @ y.reshape(2, 2)).ravel()

        fwd = solve_ivp(forward, (0.0, T), np.eye(2).ravel(), method="Radau", rtol=1e-10, atol=1e-13)
        return fwd.y[:, -1].reshape(2, 2)


def run_amplitudes(run, length, mode):
    """Complex amplitudes c_p(t) of mode `mode` in a run's densities: m = mbar + Re(c e^{iks})."""
    rows = list(csv.DictReader(open(f"{run}/nodes.csv")))
    edge = np.array([int(r["edge"]) for r in rows])
    y = np.array([float(r["y"]) for r in rows])
    measure = np.array([float(r["measure"]) for r in rows])
    per_edge = length / (edge.max() + 1)
    # arclength: edge j starts at j |Gamma| / edges, and vertex v is where edge v starts
    s = np.where(edge < 0, np.arange(len(rows)) * per_edge, edge * per_edge + y)
    k = 2.0 * math.pi * mode / length
    out = []
    for p in ("w", "f"):
        m = np.load(f"{run}/densities_{p}.npy")
        out.append((2.0 / length) * (m * measure[None, :]) @ np.exp(-1j * k * s))
    return np.array(out)  # 2 x (N_T + 1)


def compare(model, run, mode):
    """(|c(0)|, |c(T)| of the run, |Phi c(0)|) per population."""
    c = run_amplitudes(run, model.a.length, mode)
    pred = model.transfer(model.wavenumber(mode), model.a.T) @ c[:, 0]
    return np.abs(c[:, 0]), np.abs(c[:, -1]), np.abs(pred)


def main():
    args = parser().parse_args()
    model = LinearModes(args)
    print(f"cycle |Gamma| = {args.length}, eps = {args.eps}, cost {args.cost}, potential {args.potential}, "
          f"nu = {model.nu.tolist()}, lambda = {model.lam.tolist()}, mbar = {model.mbar.tolist()}, T = {args.T}")
    print("mode  k       khat    |eig Phi(T)|            |eig Phi(10 T)|")
    for j in args.modes:
        k = model.wavenumber(j)
        _, kh = model.coupling(k)
        cols = []
        for T in (args.T, 10 * args.T):
            Phi = model.transfer(k, T)
            if Phi is None:
                cols.append(f"{'Riccati blow-up':>21s}")
            else:
                e = np.abs(np.linalg.eigvals(Phi))
                cols.append(f"{e.max():10.3e} {e.min():10.3e}")
        print(f"{j:4d}  {k:6.3f}  {kh:6.3f}  {cols[0]}  {cols[1]}")
    if args.run:
        c0, cT, pred = compare(model, args.run, args.mode)
        print(f"run {args.run}, mode {args.mode}:")
        for i, p in enumerate(("workers", "firms")):
            print(f"  {p:8s} |c(0)| {c0[i]:.4e}  |c(T)| run {cT[i]:.4e}  linear theory {pred[i]:.4e}")


if __name__ == "__main__":
    main()
