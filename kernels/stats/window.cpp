#include "kernels/stats/window.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "kernels/core/error.hpp"

namespace migra::stats {
namespace {

constexpr double kPi = 3.141592653589793;

class RectWindow final : public Window {
 public:
  explicit RectWindow(const Rect& r) : r_(r) {}
  double area() const override { return r_.area(); }
  bool contains(double x, double y) const override { return x >= r_.x0 && x <= r_.x1 && y >= r_.y0 && y <= r_.y1; }
  double circle_fraction_inside(double x, double y, double r) const override {
    return stats::circle_fraction_inside(x, y, r, r_);
  }
  double boundary_distance(double x, double y) const override {
    return std::min({x - r_.x0, r_.x1 - x, y - r_.y0, r_.y1 - y});
  }
  double overlap_area(double dx, double dy) const override {
    return (r_.x1 - r_.x0 - std::fabs(dx)) * (r_.y1 - r_.y0 - std::fabs(dy));
  }
  double prepare(double) override { return 0.5 * std::min(r_.x1 - r_.x0, r_.y1 - r_.y0); }
  double mean_disc_fraction(double r) const override {
    const double w = r_.x1 - r_.x0, h = r_.y1 - r_.y0;
    if (r <= 0) return 1.0;
    MIGRA_THROW_IF_NOT_FMT(r <= std::min(w, h), "R_W(%g): the closed form holds up to the shorter side %g", r, std::min(w, h));
    return 1.0 - 4.0 * r * (w + h) / (3.0 * kPi * w * h) + r * r / (2.0 * kPi * w * h);
  }

 private:
  Rect r_;
};

double cross(double ax, double ay, double bx, double by) { return ax * by - ay * bx; }

/// Area of a polygon (shoelace), positive when counter-clockwise.
double signed_area(const std::vector<double>& x, const std::vector<double>& y) {
  double s = 0;
  for (size_t i = 0, n = x.size(); i < n; ++i) s += cross(x[i], y[i], x[(i + 1) % n], y[(i + 1) % n]);
  return 0.5 * s;
}

/// Clips polygon (sx, sy) to the half-plane left of the directed edge a -> b (Sutherland-Hodgman).
void clip(std::vector<double>& sx, std::vector<double>& sy, double ax, double ay, double bx, double by) {
  std::vector<double> ox, oy;
  const size_t n = sx.size();
  const auto side = [&](double x, double y) { return cross(bx - ax, by - ay, x - ax, y - ay); };
  for (size_t i = 0; i < n; ++i) {
    const size_t j = (i + 1) % n;
    const double si = side(sx[i], sy[i]), sj = side(sx[j], sy[j]);
    if (si >= 0) ox.push_back(sx[i]), oy.push_back(sy[i]);
    if ((si >= 0) != (sj >= 0)) {
      const double t = si / (si - sj);
      ox.push_back(sx[i] + t * (sx[j] - sx[i]));
      oy.push_back(sy[i] + t * (sy[j] - sy[i]));
    }
  }
  sx.swap(ox);
  sy.swap(oy);
}

class PolygonWindow final : public Window {
 public:
  PolygonWindow(std::vector<double> x, std::vector<double> y) : x_(std::move(x)), y_(std::move(y)) {
    MIGRA_THROW_IF_NOT_FMT(x_.size() >= 3 && x_.size() == y_.size(), "a polygon window needs >= 3 vertices, got %zu",
                           x_.size());
    if (signed_area(x_, y_) < 0) {  // counter-clockwise from here on
      std::reverse(x_.begin(), x_.end());
      std::reverse(y_.begin(), y_.end());
    }
    area_ = signed_area(x_, y_);
    MIGRA_THROW_IF_NOT_FMT(area_ > 0, "the polygon window has zero area");
    convex_ = true;
    const size_t n = x_.size();
    for (size_t i = 0; i < n; ++i) {
      const size_t j = (i + 1) % n, k = (i + 2) % n;
      if (cross(x_[j] - x_[i], y_[j] - y_[i], x_[k] - x_[j], y_[k] - y_[j]) < 0) convex_ = false;
    }
  }
  double area() const override { return area_; }

  bool contains(double x, double y) const override {  // crossing number
    bool in = false;
    for (size_t i = 0, n = x_.size(), j = n - 1; i < n; j = i++)
      if ((y_[i] > y) != (y_[j] > y) && x < x_[j] + (y - y_[j]) * (x_[i] - x_[j]) / (y_[i] - y_[j])) in = !in;
    return in;
  }

  double circle_fraction_inside(double cx, double cy, double r) const override {
    if (r <= 0) return 1.0;
    std::vector<double> angles;  // where the circle crosses an edge
    for (size_t i = 0, n = x_.size(); i < n; ++i) {
      const size_t j = (i + 1) % n;
      const double px = x_[i] - cx, py = y_[i] - cy, dx = x_[j] - x_[i], dy = y_[j] - y_[i];
      // |p + t d|^2 = r^2:  (d.d) t^2 + 2 (p.d) t + p.p - r^2 = 0
      const double a = dx * dx + dy * dy, b = px * dx + py * dy, c = px * px + py * py - r * r;
      const double disc = b * b - a * c;
      if (a <= 0 || disc < 0) continue;
      for (double t : {(-b - std::sqrt(disc)) / a, (-b + std::sqrt(disc)) / a})
        if (t >= 0 && t < 1) angles.push_back(std::atan2(py + t * dy, px + t * dx));
    }
    if (angles.empty()) return contains(cx + r, cy) ? 1.0 : 0.0;
    std::sort(angles.begin(), angles.end());
    double inside = 0;
    for (size_t k = 0; k < angles.size(); ++k) {
      const double a0 = angles[k], a1 = k + 1 < angles.size() ? angles[k + 1] : angles[0] + 2 * kPi;
      const double mid = 0.5 * (a0 + a1);
      if (a1 > a0 && contains(cx + r * std::cos(mid), cy + r * std::sin(mid))) inside += a1 - a0;
    }
    return inside / (2 * kPi);
  }

  double boundary_distance(double x, double y) const override {
    double best = 1e300;
    for (size_t i = 0, n = x_.size(); i < n; ++i) {
      const size_t j = (i + 1) % n;
      const double dx = x_[j] - x_[i], dy = y_[j] - y_[i], len2 = dx * dx + dy * dy;
      double t = len2 > 0 ? ((x - x_[i]) * dx + (y - y_[i]) * dy) / len2 : 0.0;
      t = std::clamp(t, 0.0, 1.0);
      best = std::min(best, std::hypot(x - x_[i] - t * dx, y - y_[i] - t * dy));
    }
    return best;
  }

  /// Exact |W ∩ (W + v)| of a convex polygon: W + v clipped by every edge of W.
  double exact_overlap(double vx, double vy) const {
    std::vector<double> sx(x_), sy(y_);
    for (auto& v : sx) v += vx;
    for (auto& v : sy) v += vy;
    for (size_t i = 0, n = x_.size(); i < n && !sx.empty(); ++i) clip(sx, sy, x_[i], y_[i], x_[(i + 1) % n], y_[(i + 1) % n]);
    return sx.size() >= 3 ? std::max(0.0, signed_area(sx, sy)) : 0.0;
  }

  double overlap_area(double dx, double dy) const override {
    if (!convex_ || table_.empty()) return -1.0;
    const double fx = (dx + range_) / step_, fy = (dy + range_) / step_;
    const int ix = std::clamp(int(fx), 0, nodes_ - 2), iy = std::clamp(int(fy), 0, nodes_ - 2);
    const double tx = fx - ix, ty = fy - iy;
    const auto at = [&](int a, int b) { return table_[size_t(a) * size_t(nodes_) + size_t(b)]; };
    return (1 - tx) * ((1 - ty) * at(ix, iy) + ty * at(ix, iy + 1)) + tx * ((1 - ty) * at(ix + 1, iy) + ty * at(ix + 1, iy + 1));
  }

  double mean_disc_fraction(double r) const override {
    if (!convex_) return std::nan("");
    if (r <= 0) return 1.0;
    // (1 / (|W| pi r^2)) int_0^r rho int_0^2pi overlap(rho, theta) dtheta drho; the overlap is
    // even in v, so theta over [0, pi) twice; midpoint rule (smooth integrand).
    constexpr int kRho = 48, kTheta = 48;
    double s = 0.0;
    for (int a = 0; a < kRho; ++a) {
      const double rho = r * (a + 0.5) / kRho;
      double ring = 0.0;
      for (int b = 0; b < kTheta; ++b) {
        const double th = kPi * (b + 0.5) / kTheta;
        ring += exact_overlap(rho * std::cos(th), rho * std::sin(th));
      }
      s += rho * ring * (2.0 * kPi / kTheta);
    }
    return s * (r / kRho) / (area_ * kPi * r * r);
  }

  double prepare(double r_max) override {
    if (convex_) {  // |W ∩ (W + v)| on a 129 x 129 grid of v in [-r_max, r_max]^2
      nodes_ = 129;
      range_ = r_max;
      step_ = 2 * r_max / (nodes_ - 1);
      table_.assign(size_t(nodes_) * size_t(nodes_), 0.0);
#pragma omp parallel for schedule(dynamic, 4)
      for (int a = 0; a < nodes_; ++a)
        for (int b = 0; b < nodes_; ++b)
          table_[size_t(a) * size_t(nodes_) + size_t(b)] = exact_overlap(-range_ + a * step_, -range_ + b * step_);
    }
    return 1e300;
  }

 private:
  std::vector<double> x_, y_, table_;
  double area_ = 0, range_ = 0, step_ = 1;
  int nodes_ = 0;
  bool convex_ = false;
};

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

std::unique_ptr<Window> make_rect_window(const Rect& r) {
  MIGRA_THROW_IF_NOT_FMT(r.x1 > r.x0 && r.y1 > r.y0, "the window [%g, %g] x [%g, %g] is empty", r.x0, r.x1, r.y0, r.y1);
  return std::make_unique<RectWindow>(r);
}

std::unique_ptr<Window> make_polygon_window(const std::vector<double>& x, const std::vector<double>& y) {
  return std::make_unique<PolygonWindow>(x, y);
}

void convex_hull(const std::vector<double>& x, const std::vector<double>& y, std::vector<double>& hx,
                 std::vector<double>& hy) {
  std::vector<size_t> idx(x.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return x[a] < x[b] || (x[a] == x[b] && y[a] < y[b]); });
  std::vector<size_t> h(2 * idx.size());
  size_t k = 0;
  const auto turn = [&](size_t o, size_t a, size_t b) { return cross(x[a] - x[o], y[a] - y[o], x[b] - x[o], y[b] - y[o]); };
  for (size_t i : idx) {  // lower hull
    while (k >= 2 && turn(h[k - 2], h[k - 1], i) <= 0) --k;
    h[k++] = i;
  }
  for (size_t t = idx.size() - 1, lower = k + 1; t-- > 0;) {  // upper hull
    const size_t i = idx[t];
    while (k >= lower && turn(h[k - 2], h[k - 1], i) <= 0) --k;
    h[k++] = i;
  }
  hx.clear();
  hy.clear();
  for (size_t i = 0; i + 1 < k; ++i) hx.push_back(x[h[i]]), hy.push_back(y[h[i]]);
}

}  // namespace migra::stats
