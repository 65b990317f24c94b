#include "kernels/stats/ripley.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/core/error.hpp"

namespace migra::stats {
namespace {
constexpr double kMaxWeight = 100.0;  // spatstat's edge.Ripley cap

/// The points bucketed in square cells of side >= r_max over their bounding box, so the pairs
/// within r_max of a point lie in its 3 x 3 block of cells: each point then meets about
/// 9 r_max^2 n / |bbox| others instead of all n. Within a cell, points keep their index order
/// (a counting sort), so every visit order is fixed.
struct CellList {
  double x0 = 0, y0 = 0, side = 1;
  int nx = 1, ny = 1;
  std::vector<int> start, point;  // cell c holds point[start[c] .. start[c+1])

  CellList(const std::vector<double>& x, const std::vector<double>& y, double rmax) {
    const auto [xlo, xhi] = std::minmax_element(x.begin(), x.end());
    const auto [ylo, yhi] = std::minmax_element(y.begin(), y.end());
    x0 = *xlo, y0 = *ylo;
    const double extent = std::max({*xhi - x0, *yhi - y0, 1e-300});
    side = std::max(rmax, extent / 1024);  // at most 1024 x 1024 cells
    nx = int(std::floor((*xhi - x0) / side)) + 1;
    ny = int(std::floor((*yhi - y0) / side)) + 1;
    start.assign(size_t(nx) * size_t(ny) + 1, 0);
    std::vector<int> cell(x.size());
    for (size_t i = 0; i < x.size(); ++i) ++start[size_t(cell[i] = of(x[i], y[i])) + 1];
    for (size_t c = 1; c < start.size(); ++c) start[c] += start[c - 1];
    point.resize(x.size());
    std::vector<int> fill(start.begin(), start.end() - 1);
    for (size_t i = 0; i < x.size(); ++i) point[size_t(fill[size_t(cell[i])]++)] = int(i);
  }
  int column(double v) const { return std::min(nx - 1, int((v - x0) / side)); }
  int row(double v) const { return std::min(ny - 1, int((v - y0) / side)); }
  int of(double px, double py) const { return row(py) * nx + column(px); }
  /// visit(j) for every point in the 3 x 3 cells around (px, py), cell by cell in row order.
  template <class Visit>
  void around(double px, double py, Visit&& visit) const {
    const int cx = column(px), cy = row(py);
    for (int gy = std::max(0, cy - 1); gy <= std::min(ny - 1, cy + 1); ++gy)
      for (int gx = std::max(0, cx - 1); gx <= std::min(nx - 1, cx + 1); ++gx) {
        const size_t c = size_t(gy) * size_t(nx) + size_t(gx);
        for (int k = start[c]; k < start[c + 1]; ++k) visit(point[size_t(k)]);
      }
  }
};

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
  const CellList cells(x, y, rmax);
  std::vector<double> part(size_t(blocks) * 4 * nr, 0.0);  // per block: iso, trans, num, den
#pragma omp parallel
  {
    std::vector<int> within(nr);  // per radius bin, this point's neighbours whose first radius >= d it is
#pragma omp for schedule(dynamic, 1)
    for (int blk = 0; blk < blocks; ++blk) {
      double* iso = part.data() + size_t(blk) * 4 * nr;
      double *trans = iso + nr, *num = trans + nr, *den = num + nr;
      for (int i = blk * kBlock; i < std::min(n, (blk + 1) * kBlock); ++i) {
        const double xi = x[size_t(i)], yi = y[size_t(i)];
        const double b = w.boundary_distance(xi, yi);
        std::fill(within.begin(), within.end(), 0);
        cells.around(xi, yi, [&](int j) {
          if (j == i) return;
          const double dx = x[size_t(j)] - xi, dy = y[size_t(j)] - yi;
          const double d = std::sqrt(dx * dx + dy * dy);
          if (d > rmax) return;
          const size_t k = size_t(std::lower_bound(radii.begin(), radii.end(), d) - radii.begin());
          const double f = w.circle_fraction_inside(xi, yi, d);
          iso[k] += f > 0 ? std::min(kMaxWeight, 1.0 / f) : kMaxWeight;
          const double overlap = w.overlap_area(dx, dy);
          trans[k] += overlap > 0 ? area / overlap : std::nan("");
          ++within[k];
        });
        int c = 0;  // neighbours within radii[k]
        for (size_t k = 0; k < nr && radii[k] <= b; ++k) {
          c += within[k];
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
