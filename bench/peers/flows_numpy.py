"""Vectorised NumPy implementations of migra's flow models: the peer for bench/ and an
independent implementation for tests/peer. Written from the formulas in
kernels/flows/*.hpp and papers/004 §2, not from migra's code.

All functions take x, y (lon, lat in degrees when metric == 'haversine') and masses m, and
return dense float64 matrices (row = origin).
"""
import numpy as np

EARTH_RADIUS_KM = 6371.0088


def distances(x, y, metric):
    if metric == "xy":
        return np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    lon, lat = np.radians(x), np.radians(y)
    a = (np.sin((lat[None, :] - lat[:, None]) / 2) ** 2
         + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin((lon[None, :] - lon[:, None]) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def gravity_pc(d, O, m, beta, self_flows=False):
    """T_ij = O_i m_j e^{-beta d_ij} / sum_k m_k e^{-beta d_ik}."""
    f = np.exp(-beta * d)
    if not self_flows:
        np.fill_diagonal(f, 0.0)
    w = f * m[None, :]
    return w * (O / w.sum(axis=1))[:, None]


def two_trip(d, O, m, beta, gamma):
    """Production-constrained gravity with attractiveness Q_eff = exp(-gamma d) @ m (self incl.)."""
    qeff = np.exp(-gamma * d) @ m
    return gravity_pc(d, O, qeff, beta)


def intervening(d, m):
    """s_ij = mass strictly closer to i than j, i and j excluded (ties share the pre-group sum)."""
    n = len(m)
    order = np.argsort(d, axis=1, kind="stable")
    keys = np.take_along_axis(d, order, axis=1)
    v = m[order]
    v[order == np.arange(n)[:, None]] = 0.0  # the origin holds no opportunity
    excl = np.cumsum(v, axis=1) - v
    pos = np.arange(n)[None, :].repeat(n, axis=0)
    starts = np.where(np.concatenate([np.ones((n, 1), bool), keys[:, 1:] != keys[:, :-1]], axis=1), pos, 0)
    group = np.maximum.accumulate(starts, axis=1)
    s_sorted = np.take_along_axis(excl, group, axis=1)
    s = np.empty_like(d)
    np.put_along_axis(s, order, s_sorted, axis=1)
    return s


def radiation(d, O, m):
    s = intervening(d, m)
    mi, mj = m[:, None], m[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        T = O[:, None] * mi * mj / ((mi + s) * (mi + mj + s))
    T = np.nan_to_num(T)
    np.fill_diagonal(T, 0.0)
    return T


def cpc(obs, model):
    return 2 * np.minimum(obs, model).sum() / (obs.sum() + model.sum())


def poisson_deviance(obs, model, mask):
    o, t = obs[mask], model[mask]
    pos = o > 0
    return t.sum() - (o[pos] * np.log(t[pos])).sum()


def fit_gravity_pc(d, obs, m, self_flows=False):
    """beta minimising the Poisson deviance, with O = observed outflows (scipy's bounded Brent)."""
    from scipy.optimize import minimize_scalar
    mask = np.ones_like(obs, bool)
    if not self_flows:
        np.fill_diagonal(mask, False)
    O = np.where(mask, obs, 0).sum(axis=1)
    res = minimize_scalar(lambda lb: poisson_deviance(obs, gravity_pc(d, O, m, np.exp(lb), self_flows), mask),
                          bounds=(np.log(1e-6), np.log(1e2)), method="bounded",
                          options={"xatol": 1e-10})
    return float(np.exp(res.x)), O, mask
