"""Ripley's K of a point pattern in a rectangle with spatstat's Kest conventions, in NumPy: the
peer of `migra ripley` in bench/run_ripley.py, written from the formulas (not from migra).

  K(r) = |W| / (n (n - 1)) sum_{i != j} e_ij 1{d_ij <= r}
  isotropic e_ij: 1 / (the fraction of the circle about x_i through x_j inside W), capped at 100
  translation e_ij: |W| / ((w - |dx|)(h - |dy|))
  border: sum_i 1{b_i >= r} #{j != i: d_ij <= r} / (lambda #{i: b_i >= r}), lambda = n / |W|

Pairs within r_max either by blocked O(n^2) distances (spatstat's pair counting) or from a
k-d tree (scipy.spatial.cKDTree.query_pairs), the fastest NumPy route.
"""
import numpy as np


def _iso(px, py, d, rect):
    x0, y0, x1, y1 = rect
    e = [px - x0, x1 - px, py - y0, y1 - py]  # left, right, bottom, top
    with np.errstate(divide="ignore", invalid="ignore"):
        a = [np.where(ek < d, np.arccos(np.clip(ek / d, -1, 1)), 0.0) for ek in e]
        out = 2 * (a[0] + a[1] + a[2] + a[3])
        for i, j in ((0, 2), (0, 3), (1, 2), (1, 3)):  # corners: the two arcs overlap
            inside = e[i] ** 2 + e[j] ** 2 < d ** 2
            out = out - np.where(inside, a[i] + a[j] - np.pi / 2, 0.0)
        frac = 1 - out / (2 * np.pi)
        w = np.where(d > 0, 1 / frac, 1.0)
    return np.minimum(w, 100.0)


def _accumulate(acc, x, y, i, j, radii, rect, kb):
    """Adds the ordered pairs (i -> j) to the running sums."""
    dx, dy = x[j] - x[i], y[j] - y[i]
    d = np.hypot(dx, dy)
    k = np.searchsorted(radii, d, side="left")  # first radius >= d
    nr = len(radii)
    acc["iso"] += np.bincount(k, weights=_iso(x[i], y[i], d, rect), minlength=nr + 1)[: nr + 1]
    w, h = rect[2] - rect[0], rect[3] - rect[1]
    acc["trans"] += np.bincount(k, weights=w * h / ((w - np.abs(dx)) * (h - np.abs(dy))), minlength=nr + 1)[: nr + 1]
    ok = k < kb[i]  # the pair counts for border radii k_d <= k < k_b(i)
    acc["border"] += np.bincount(k[ok], minlength=nr + 1)[: nr + 1]
    acc["border"] -= np.bincount(kb[i][ok], minlength=nr + 1)[: nr + 1]


def ripley(x, y, rect, radii, method="kdtree", block=2048):
    x, y, radii = np.asarray(x, float), np.asarray(y, float), np.asarray(radii, float)
    n, nr = len(x), len(radii)
    area = (rect[2] - rect[0]) * (rect[3] - rect[1])
    b = np.minimum.reduce([x - rect[0], rect[2] - x, y - rect[1], rect[3] - y])
    kb = np.searchsorted(radii, b, side="right")  # radii r_k <= b_i: k < kb_i
    acc = {key: np.zeros(nr + 1) for key in ("iso", "trans", "border")}
    rmax = radii[-1]
    if method == "kdtree":
        from scipy.spatial import cKDTree
        pairs = cKDTree(np.column_stack([x, y])).query_pairs(rmax, output_type="ndarray")
        for s in range(0, len(pairs), 1 << 22):
            p = pairs[s: s + (1 << 22)]
            _accumulate(acc, x, y, p[:, 0], p[:, 1], radii, rect, kb)
            _accumulate(acc, x, y, p[:, 1], p[:, 0], radii, rect, kb)
    else:
        for s in range(0, n, block):
            i = np.arange(s, min(n, s + block))
            d = np.hypot(x[i, None] - x[None, :], y[i, None] - y[None, :])
            ii, jj = np.nonzero((d <= rmax) & (i[:, None] != np.arange(n)[None, :]))
            _accumulate(acc, x, y, i[ii], jj, radii, rect, kb)
    iso = np.cumsum(acc["iso"])[:nr] * area / (n * (n - 1))
    trans = np.cumsum(acc["trans"])[:nr] * area / (n * (n - 1))
    inside = np.array([(b >= r).sum() for r in radii])
    border = np.where(inside > 0, np.cumsum(acc["border"])[:nr] / np.maximum(inside, 1) * area / n, np.nan)
    return {"r": radii, "iso": iso, "trans": trans, "border": border}
