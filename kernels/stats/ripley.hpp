#pragma once
/// Ripley's K function of a point pattern in a window W (a rectangle or a polygon; window.hpp),
/// with spatstat's conventions (Kest), so results can be held against spatstat on the same window:
///
///   K(r) = |W| / (n (n - 1)) * sum_{i != j} e_ij 1{d_ij <= r}        (lambda^2 = n(n-1)/|W|^2)
///
/// edge corrections e_ij:
///   isotropic (Ripley 1977)  2 pi / (the length of the circle about x_i through x_j that lies
///                            in W, as an angle), capped at 100 as in spatstat's edge.Ripley
///   translation (Ohser)      |W| / |W ∩ (W + x_j - x_i)| (rectangle: |W| / ((w - |dx|)(h - |dy|));
///                            convex polygon: tabulated; non-convex polygon: not computed, NaN)
///   border (reduced sample)  K(r) = sum_i 1{b_i >= r} #{j != i: d_ij <= r} / (lambda #{i: b_i >= r}),
///                            b_i the distance from x_i to the boundary, lambda = n / |W|
///   L(r) = sqrt(K_iso(r) / pi)
/// For CSR, K(r) = pi r^2; the translation estimator is exactly unbiased for a binomial pattern.
/// In a rectangle, radii beyond half the shorter side are refused (spatstat's default r_max is a
/// quarter of it).
/// Cost: a cell list of side >= r_max, so each point meets only the points in its 3 x 3 cells
/// (about 9 r_max^2 n / |bbox| of them, not n); only the pairs within r_max are weighted.
#include <vector>

#include "kernels/stats/window.hpp"

namespace migra::stats {

struct RipleyK {
  std::vector<double> r, iso, border, trans;
};

/// K at the given radii (ascending, >= 0) for points (x, y) inside `w`.
RipleyK ripley_k(const std::vector<double>& x, const std::vector<double>& y, Window& w,
                 const std::vector<double>& radii);
/// The same in a rectangle.
RipleyK ripley_k(const std::vector<double>& x, const std::vector<double>& y, const Rect& w,
                 const std::vector<double>& radii);

}  // namespace migra::stats
