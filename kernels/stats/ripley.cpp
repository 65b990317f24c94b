#include "kernels/stats/ripley.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/core/error.hpp"

namespace migra::stats {
namespace {
constexpr double kMaxWeight = 100.0;  // spatstat's edge.Ripley cap
}  // namespace

RipleyK ripley_k(const std::vector<double>& x, const std::vector<double>& y, const Rect& w,
                 const std::vector<double>& radii) {
  const auto window = make_rect_window(w);
  return ripley_k(x, y, *window, radii);
}

RipleyK ripley_k(const std::vector<double>& x, const std::vector<double>& y, Window& w,
                 const std::vector<double>& radii) {
  const int n = int(x.size());
  MIGRA_THROW_IF_NOT_FMT(n >= 2, "Ripley's K needs at least 2 points, got %d", n);
  MIGRA_THROW_IF_NOT_FMT(!radii.empty() && std::is_sorted(radii.begin(), radii.end()) && radii.front() >= 0,
                         "radii must be ascending and >= 0");
  const double rmax = radii.back(), limit = w.prepare(rmax), area = w.area();
  MIGRA_THROW_IF_NOT_FMT(rmax <= limit, "radius %g exceeds half the window's shorter side (%g)", rmax, limit);
  const double tol = 1e-9 * std::sqrt(area);  // points on the boundary (hull vertices) are inside
  for (int i = 0; i < n; ++i)
    MIGRA_THROW_IF_NOT_FMT(w.contains(x[size_t(i)], y[size_t(i)]) || std::fabs(w.boundary_distance(x[size_t(i)], y[size_t(i)])) <= tol,
                           "point %d (%g, %g) lies outside the window", i, x[size_t(i)], y[size_t(i)]);
  const size_t nr = radii.size();
  // Per radius bin k (pairs whose distance d has radii[k] as the first radius >= d): the summed
  // isotropic and translation weights, cumulated over bins at the end. Border: per radius, the
  // pairs (i, j) with d_ij <= r among points with b_i >= r, and the number of such points.
  // Points go in fixed blocks, each summed in point order, and the blocks are summed in block
  // order: the result does not depend on the thread count.
  constexpr int kBlock = 256;
  const int blocks = (n + kBlock - 1) / kBlock;
  std::vector<double> part(size_t(blocks) * 4 * nr, 0.0);  // per block: iso, trans, num, den
#pragma omp parallel
  {
    std::vector<double> ds;
#pragma omp for schedule(dynamic, 1)
    for (int blk = 0; blk < blocks; ++blk) {
      double* iso = part.data() + size_t(blk) * 4 * nr;
      double *trans = iso + nr, *num = trans + nr, *den = num + nr;
      for (int i = blk * kBlock; i < std::min(n, (blk + 1) * kBlock); ++i) {
        const double xi = x[size_t(i)], yi = y[size_t(i)];
        const double b = w.boundary_distance(xi, yi);
        ds.clear();
        for (int j = 0; j < n; ++j) {
          if (j == i) continue;
          const double dx = x[size_t(j)] - xi, dy = y[size_t(j)] - yi;
          const double d = std::sqrt(dx * dx + dy * dy);
          if (d > rmax) continue;
          const size_t k = size_t(std::lower_bound(radii.begin(), radii.end(), d) - radii.begin());
          const double f = w.circle_fraction_inside(xi, yi, d);
          iso[k] += f > 0 ? std::min(kMaxWeight, 1.0 / f) : kMaxWeight;
          const double overlap = w.overlap_area(dx, dy);
          trans[k] += overlap > 0 ? area / overlap : std::nan("");
          ds.push_back(d);
        }
        std::sort(ds.begin(), ds.end());
        size_t c = 0;
        for (size_t k = 0; k < nr && radii[k] <= b; ++k) {
          while (c < ds.size() && ds[c] <= radii[k]) ++c;
          num[k] += double(c);
          den[k] += 1.0;
        }
      }
    }
  }
  std::vector<double> iso(nr, 0.0), trans(nr, 0.0), num(nr, 0.0), den(nr, 0.0);
  for (int blk = 0; blk < blocks; ++blk)
    for (size_t k = 0; k < nr; ++k) {
      const double* p = part.data() + size_t(blk) * 4 * nr;
      iso[k] += p[k], trans[k] += p[nr + k], num[k] += p[2 * nr + k], den[k] += p[3 * nr + k];
    }
  RipleyK K;
  K.r = radii;
  const double scale = area / (double(n) * double(n - 1)), lambda = n / area;
  double ci = 0, ct = 0;
  for (size_t k = 0; k < nr; ++k) {
    ci += iso[k], ct += trans[k];
    K.iso.push_back(scale * ci);
    K.trans.push_back(scale * ct);
    K.border.push_back(den[k] > 0 ? num[k] / (lambda * den[k]) : 0.0);
  }
  return K;
}

}  // namespace migra::stats
