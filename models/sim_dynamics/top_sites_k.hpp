#pragma once
/// Paper 004's adapted Ripley's K of the largest sites (§4.2, App. B): how clustered the `top`
/// (200) most populous sites of a map are, comparable between model maps (a square) and census
/// samples (the US), through
///   1. distance scaling: a map's radii are scaled by its mean pairwise distance <r> over all of
///      its sites (a census radius r_d = r <r_d> / <r_m>, <r_m> the model ensemble's mean);
///   2. edge correction: Count_S(r) / R_W(r), R_W the window's mean disc fraction
///      (stats::Window::mean_disc_fraction, in the map's own units);
///   3. normalisation: divided by the maximum over r of the model ensemble's median.
/// The constants 1/(200 rho) of the paper cancel in step 3 and are left out.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "kernels/stats/window.hpp"

namespace migra::sim {

/// Mean distance over all ordered pairs i != j.
double mean_pairwise_distance(const double* x, const double* y, int n);

/// Count_S(r) / R_W(r) at each radius, S the `top` sites with the largest q (ties: lower index
/// first), Count over ordered pairs with d <= r. `R` gives R_W at a radius in the map's units.
template <class RW>
std::vector<double> corrected_top_counts(const double* x, const double* y, const double* q, int n, int top,
                                         const std::vector<double>& radii, RW&& R) {
  std::vector<int> idx(static_cast<std::size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  top = std::min(top, n);
  std::partial_sort(idx.begin(), idx.begin() + top, idx.end(),
                    [&](int a, int b) { return q[a] > q[b] || (q[a] == q[b] && a < b); });
  std::vector<double> d;
  for (int a = 0; a < top; ++a)
    for (int b = 0; b < top; ++b)
      if (a != b) d.push_back(std::hypot(x[idx[std::size_t(a)]] - x[idx[std::size_t(b)]], y[idx[std::size_t(a)]] - y[idx[std::size_t(b)]]));
  std::sort(d.begin(), d.end());
  std::vector<double> out;
  for (double r : radii) {
    const double count = double(std::upper_bound(d.begin(), d.end(), r) - d.begin());
    out.push_back(count / R(r));
  }
  return out;
}

}  // namespace migra::sim
