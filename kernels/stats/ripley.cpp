#include "kernels/stats/ripley.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/core/error.hpp"

namespace migra::stats {
namespace {
constexpr double kPi = 3.141592653589793;
constexpr double kMaxWeight = 100.0;  // spatstat's edge.Ripley cap
}  // namespace

double circle_fraction_inside(double px, double py, double r, const Rect& w) {
  if (r <= 0) return 1.0;
  // Half-angles of the arcs cut off by each edge, at distance e from the centre: acos(e / r).
  const double e[4] = {px - w.x0, py - w.y0, w.x1 - px, w.y1 - py};  // left, bottom, right, top
  double a[4], outside = 0.0;
  for (int k = 0; k < 4; ++k) {
    a[k] = e[k] < r ? std::acos(std::max(-1.0, e[k] / r)) : 0.0;
    outside += 2.0 * a[k];
  }
  // Arcs of adjacent edges overlap past a corner (r^2 > e1^2 + e2^2): the overlap a1 + a2 - pi/2
  // was counted twice.
  for (int k = 0; k < 4; ++k) outside -= std::max(0.0, a[k] + a[(k + 1) % 4] - 0.5 * kPi);
  return std::max(0.0, 1.0 - outside / (2.0 * kPi));
}

RipleyK ripley_k(const std::vector<double>& x, const std::vector<double>& y, const Rect& w,
                 const std::vector<double>& radii) {
  const int n = int(x.size());
  MIGRA_THROW_IF_NOT_FMT(n >= 2, "Ripley's K needs at least 2 points, got %d", n);
  MIGRA_THROW_IF_NOT_FMT(w.x1 > w.x0 && w.y1 > w.y0, "the window [%g, %g] x [%g, %g] is empty", w.x0, w.x1, w.y0, w.y1);
  MIGRA_THROW_IF_NOT_FMT(!radii.empty() && std::is_sorted(radii.begin(), radii.end()) && radii.front() >= 0,
                         "radii must be ascending and >= 0");
  const double width = w.x1 - w.x0, height = w.y1 - w.y0, rmax = radii.back();
  MIGRA_THROW_IF_NOT_FMT(rmax <= 0.5 * std::min(width, height),
                         "radius %g exceeds half the window's shorter side (%g)", rmax, 0.5 * std::min(width, height));
  for (int i = 0; i < n; ++i)
    MIGRA_THROW_IF_NOT_FMT(x[size_t(i)] >= w.x0 && x[size_t(i)] <= w.x1 && y[size_t(i)] >= w.y0 && y[size_t(i)] <= w.y1,
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
        const double b = std::min({xi - w.x0, w.x1 - xi, yi - w.y0, w.y1 - yi});
        ds.clear();
        for (int j = 0; j < n; ++j) {
          if (j == i) continue;
          const double dx = x[size_t(j)] - xi, dy = y[size_t(j)] - yi;
          const double d = std::sqrt(dx * dx + dy * dy);
          if (d > rmax) continue;
          const size_t k = size_t(std::lower_bound(radii.begin(), radii.end(), d) - radii.begin());
          const double f = circle_fraction_inside(xi, yi, d, w);
          iso[k] += f > 0 ? std::min(kMaxWeight, 1.0 / f) : kMaxWeight;
          trans[k] += width * height / ((width - std::fabs(dx)) * (height - std::fabs(dy)));
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
  const double scale = w.area() / (double(n) * double(n - 1)), lambda = n / w.area();
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
