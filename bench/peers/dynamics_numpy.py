"""Vectorised NumPy reference of paper 004's dynamics (spec §2-3), batched over maps: the
peer for bench/run_dynamics.py and an independent implementation for
tests/peer/check_dynamics_numpy.py. Written from the spec's formulas, not from migra's code.

Q has shape (B, N); positions x, y have shape (B, N). One Euler step:
    Q <- Q + lambda (in - out),  in_j = sum_i T_ij,  out_i = sum_j T_ij.
Radiation assumes no distance ties (true for random real coordinates).
"""
import numpy as np


def distances(x, y):
    return np.hypot(x[:, :, None] - x[:, None, :], y[:, :, None] - y[:, None, :])


class Gravity:
    """T_ij = Q_i D_j f_ij / sum_k D_k f_ik with f = exp(-beta r) (self included);
    D = Q (gravity) or D = sum_k Q_k exp(-gamma r_jk) (two-trip)."""

    def __init__(self, x, y, beta, gamma=None):
        r = distances(x, y)
        self.F = np.exp(-beta * r)
        self.G = None if gamma is None else np.exp(-gamma * r)

    def step(self, Q, lam):
        D = Q if self.G is None else np.matmul(self.G, Q[:, :, None])[:, :, 0]
        Z = np.matmul(self.F, D[:, :, None])[:, :, 0]
        w = Q / Z
        inflow = D * np.matmul(self.F, w[:, :, None])[:, :, 0]   # F symmetric
        return Q + lam * (inflow - w * Z)


class Radiation:
    """Standard reading: T_ij = Q_i Q_i Q_j / ((Q_i + s_ij)(Q_i + Q_j + s_ij)), s_ij the
    population strictly closer to i than j, i and j excluded; T_ii = 0."""

    def __init__(self, x, y):
        order = np.argsort(distances(x, y), axis=-1, kind="stable")   # order[:, i, 0] == i
        self.nb = order[:, :, 1:]                                      # neighbours, nearest first
        B, N, _ = self.nb.shape
        self.flat = (self.nb + (np.arange(B) * N)[:, None, None]).ravel()

    def step(self, Q, lam):
        B, N = Q.shape
        Qj = np.take_along_axis(Q[:, None, :].repeat(N, axis=1), self.nb, axis=2)  # (B, N, N-1)
        s = np.cumsum(Qj, axis=2) - Qj                                              # exclusive scan
        Qi = Q[:, :, None]
        T = Qi * Qi * Qj / ((Qi + s) * (Qi + Qj + s))
        inflow = np.bincount(self.flat, weights=T.ravel(), minlength=B * N).reshape(B, N)
        return Q + lam * (inflow - T.sum(axis=2))


def make(model, x, y, beta=0.023, gamma=1.0):
    if model == "gravity":
        return Gravity(x, y, beta)
    if model == "two-trip":
        return Gravity(x, y, beta, gamma)
    if model == "radiation":
        return Radiation(x, y)
    raise ValueError(model)
