#pragma once
/// Ripley's K function of a point pattern in a rectangular window W = [x0, x1] x [y0, y1], with
/// spatstat's conventions (Kest), so results can be held against spatstat on the same window:
///
///   K(r) = |W| / (n (n - 1)) * sum_{i != j} e_ij 1{d_ij <= r}        (lambda^2 = n(n-1)/|W|^2)
///
/// edge corrections e_ij:
///   isotropic (Ripley 1977)  2 pi / (the length of the circle about x_i through x_j that lies
///                            in W, as an angle), capped at 100 as in spatstat's edge.Ripley
///   translation (Ohser)      |W| / |W ∩ (W + x_j - x_i)| = |W| / ((w - |dx|)(h - |dy|))
///   border (reduced sample)  K(r) = sum_i 1{b_i >= r} #{j != i: d_ij <= r} / (lambda #{i: b_i >= r}),
///                            b_i the distance from x_i to the boundary, lambda = n / |W|
///   L(r) = sqrt(K_iso(r) / pi)
/// For CSR, K(r) = pi r^2; the translation estimator is exactly unbiased for a binomial pattern.
/// The isotropic weight is exact for r up to the shorter half-side (spatstat's default rmax is a
/// quarter of it); radii beyond half the shorter side are refused.
/// Cost: O(n^2) pair distances (only pairs within r_max are weighted), O(n_r) per cumulative sum.
#include <vector>

namespace migra::stats {

struct Rect {
  double x0, y0, x1, y1;
  double area() const { return (x1 - x0) * (y1 - y0); }
};

struct RipleyK {
  std::vector<double> r, iso, border, trans;
};

/// K at the given radii (ascending, >= 0) for points (x, y) inside `w`.
RipleyK ripley_k(const std::vector<double>& x, const std::vector<double>& y, const Rect& w,
                 const std::vector<double>& radii);

/// The fraction of the circle of radius r about (px, py) that lies inside `w` (by arc length).
double circle_fraction_inside(double px, double py, double r, const Rect& w);

}  // namespace migra::stats
