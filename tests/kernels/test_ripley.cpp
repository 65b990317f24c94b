// Ripley's K against brute force (numerical arc fractions, direct definitions) and CSR.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "kernels/stats/ripley.hpp"

using namespace migra::stats;

namespace {

constexpr double kPi = 3.141592653589793;

/// Fraction of the circle inside w, by checking m equally spaced points on it.
double arc_fraction_by_sampling(double px, double py, double r, const Rect& w, int m = 200000) {
  int in = 0;
  for (int k = 0; k < m; ++k) {
    const double t = 2 * kPi * (k + 0.5) / m, x = px + r * std::cos(t), y = py + r * std::sin(t);
    in += x >= w.x0 && x <= w.x1 && y >= w.y0 && y <= w.y1;
  }
  return double(in) / m;
}

void uniform_points(int n, std::mt19937_64& rng, const Rect& w, std::vector<double>& x, std::vector<double>& y) {
  std::uniform_real_distribution<double> ux(w.x0, w.x1), uy(w.y0, w.y1);
  x.resize(size_t(n));
  y.resize(size_t(n));
  for (int i = 0; i < n; ++i) x[size_t(i)] = ux(rng), y[size_t(i)] = uy(rng);
}

}  // namespace

TEST_CASE("Ripley: the isotropic weight's arc fraction matches sampling, corners included", "[ripley]") {
  const Rect w{0, 0, 3, 2};
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u(0, 1);
  for (int k = 0; k < 300; ++k) {
    const double px = 3 * u(rng), py = 2 * u(rng), r = 1.0 * u(rng);  // r up to the shorter half-side
    INFO(px << ", " << py << ", r = " << r);
    REQUIRE(circle_fraction_inside(px, py, r, w) == Approx(arc_fraction_by_sampling(px, py, r, w)).margin(2e-5));
  }
  REQUIRE(circle_fraction_inside(0, 0, 0.5, w) == Approx(0.25));  // at a corner
  REQUIRE(circle_fraction_inside(1.5, 0, 0.5, w) == Approx(0.5));  // on an edge
}

TEST_CASE("Ripley: K equals the direct definitions on a small pattern", "[ripley]") {
  const Rect w{-1, 2, 4, 5};  // 5 x 3
  std::mt19937_64 rng(2);
  std::vector<double> x, y;
  uniform_points(60, rng, w, x, y);
  const std::vector<double> radii = {0.1, 0.3, 0.6, 1.0, 1.5};
  const RipleyK K = ripley_k(x, y, w, radii);
  const int n = 60;
  const double area = 15.0, lambda = n / area;
  for (size_t k = 0; k < radii.size(); ++k) {
    const double r = radii[k];
    double iso = 0, trans = 0, num = 0, den = 0;
    for (int i = 0; i < n; ++i) {
      const double b = std::min({x[size_t(i)] - w.x0, w.x1 - x[size_t(i)], y[size_t(i)] - w.y0, w.y1 - y[size_t(i)]});
      if (b >= r) den += 1;
      for (int j = 0; j < n; ++j) {
        if (i == j) continue;
        const double dx = x[size_t(j)] - x[size_t(i)], dy = y[size_t(j)] - y[size_t(i)], d = std::hypot(dx, dy);
        if (d > r) continue;
        iso += 1.0 / arc_fraction_by_sampling(x[size_t(i)], y[size_t(i)], d, w, 20000);
        trans += area / ((5 - std::fabs(dx)) * (3 - std::fabs(dy)));
        if (b >= r) num += 1;
      }
    }
    INFO("r = " << r);
    REQUIRE(K.iso[k] == Approx(area / (n * (n - 1.0)) * iso).epsilon(2e-4));
    REQUIRE(K.trans[k] == Approx(area / (n * (n - 1.0)) * trans).epsilon(1e-12));
    REQUIRE(K.border[k] == Approx(den > 0 ? num / (lambda * den) : 0.0).epsilon(1e-12));
  }
}

TEST_CASE("Ripley: unbiased for complete spatial randomness", "[ripley]") {
  const Rect w{0, 0, 1, 1};
  const std::vector<double> radii = {0.05, 0.1, 0.15, 0.2, 0.25};
  std::mt19937_64 rng(3);
  std::vector<double> sum_iso(radii.size()), sum_trans(radii.size()), sum_border(radii.size());
  const int patterns = 400;
  std::vector<double> x, y;
  for (int p = 0; p < patterns; ++p) {
    uniform_points(100, rng, w, x, y);
    const RipleyK K = ripley_k(x, y, w, radii);
    for (size_t k = 0; k < radii.size(); ++k)
      sum_iso[k] += K.iso[k], sum_trans[k] += K.trans[k], sum_border[k] += K.border[k];
  }
  for (size_t k = 0; k < radii.size(); ++k) {
    const double pr2 = kPi * radii[k] * radii[k];
    INFO("r = " << radii[k]);
    CHECK(sum_trans[k] / patterns / pr2 == Approx(1.0).margin(0.03));
    CHECK(sum_iso[k] / patterns / pr2 == Approx(1.0).margin(0.03));
    CHECK(sum_border[k] / patterns / pr2 == Approx(1.0).margin(0.05));
  }
}

TEST_CASE("Ripley: bad input is refused", "[ripley]") {
  const std::vector<double> x = {0.1, 0.5, 0.9}, y = {0.2, 0.4, 0.8};
  REQUIRE_THROWS_WITH(ripley_k(x, y, {0, 0, 1, 1}, {0.1, 0.6}), Catch::Contains("exceeds half the window"));
  REQUIRE_THROWS_WITH(ripley_k(x, y, {0, 0, 0.5, 1}, {0.1}), Catch::Contains("outside the window"));
  REQUIRE_THROWS_WITH(ripley_k(x, y, {0, 0, 1, 1}, {0.2, 0.1}), Catch::Contains("ascending"));
}

namespace {

/// Fraction of the circle inside a polygon window, by sampling points on the circle.
double polygon_arc_by_sampling(const Window& w, double px, double py, double r, int m = 100000) {
  int in = 0;
  for (int k = 0; k < m; ++k) {
    const double t = 2 * kPi * (k + 0.5) / m;
    in += w.contains(px + r * std::cos(t), py + r * std::sin(t));
  }
  return double(in) / m;
}

}  // namespace

TEST_CASE("Ripley: polygon windows (arcs, a rectangle as a polygon, the convex hull)", "[ripley]") {
  // an L-shaped (non-convex) window and a triangle, given clockwise
  const auto L = make_polygon_window({0, 4, 4, 2, 2, 0}, {0, 0, 2, 2, 4, 4});
  const auto tri = make_polygon_window({0, 2, 5}, {0, 4, 0});
  REQUIRE(L->area() == Approx(12.0));
  REQUIRE(tri->area() == Approx(10.0));
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0, 1);
  for (int k = 0; k < 200; ++k) {
    const double px = 4 * u(rng), py = 4 * u(rng), r = 2.5 * u(rng);
    INFO(px << ", " << py << ", r = " << r);
    REQUIRE(L->circle_fraction_inside(px, py, r) == Approx(polygon_arc_by_sampling(*L, px, py, r)).margin(5e-5));
    REQUIRE(tri->circle_fraction_inside(px, py, r) == Approx(polygon_arc_by_sampling(*tri, px, py, r)).margin(5e-5));
  }
  REQUIRE(L->boundary_distance(1, 1) == Approx(1.0));
  REQUIRE(L->boundary_distance(3, 1.5) == Approx(0.5));

  // the rectangle [0,5] x [0,3] as a polygon gives the rectangle's K (translation included:
  // its overlap table is exact, bilinear in each quadrant)
  std::vector<double> x, y;
  uniform_points(80, rng, {0, 0, 5, 3}, x, y);
  const std::vector<double> radii = {0.2, 0.5, 1.0, 1.4};
  const RipleyK a = ripley_k(x, y, Rect{0, 0, 5, 3}, radii);
  auto poly = make_polygon_window({0, 5, 5, 0}, {0, 0, 3, 3});
  const RipleyK b = ripley_k(x, y, *poly, radii);
  for (size_t k = 0; k < radii.size(); ++k) {
    REQUIRE(b.iso[k] == Approx(a.iso[k]).epsilon(1e-10));
    REQUIRE(b.trans[k] == Approx(a.trans[k]).epsilon(1e-10));
    REQUIRE(b.border[k] == Approx(a.border[k]).epsilon(1e-12));
  }
  // a non-convex window has no translation estimate
  std::vector<double> lx = {0.5, 1.5, 3.5, 0.5, 1.0}, ly = {0.5, 1.5, 0.5, 3.5, 1.0};
  auto Lw = make_polygon_window({0, 4, 4, 2, 2, 0}, {0, 0, 2, 2, 4, 4});
  REQUIRE(std::isnan(ripley_k(lx, ly, *Lw, {0.5, 1.0}).trans[1]));

  // the convex hull: every point inside or on it, vertices counter-clockwise
  std::vector<double> hx, hy;
  convex_hull(x, y, hx, hy);
  REQUIRE(hx.size() >= 3);
  const auto hull = make_polygon_window(hx, hy);
  for (size_t i = 0; i < x.size(); ++i) REQUIRE((hull->contains(x[i], y[i]) || hull->boundary_distance(x[i], y[i]) < 1e-9));
  REQUIRE(hull->area() <= 15.0);
  REQUIRE(hull->area() > 12.0);
}

TEST_CASE("Ripley: unbiased for CSR in a convex polygon (a hexagon)", "[ripley]") {
  std::vector<double> vx, vy;
  for (int k = 0; k < 6; ++k) vx.push_back(std::cos(kPi / 3 * k)), vy.push_back(std::sin(kPi / 3 * k));
  auto w = make_polygon_window(vx, vy);
  const std::vector<double> radii = {0.1, 0.2, 0.3, 0.4};
  std::mt19937_64 rng(6);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<double> si(radii.size()), st(radii.size());
  const int patterns = 300;
  for (int p = 0; p < patterns; ++p) {
    std::vector<double> x, y;
    while (x.size() < 100) {
      const double a = u(rng), b = u(rng);
      if (w->contains(a, b)) x.push_back(a), y.push_back(b);
    }
    const RipleyK K = ripley_k(x, y, *w, radii);
    for (size_t k = 0; k < radii.size(); ++k) si[k] += K.iso[k], st[k] += K.trans[k];
  }
  for (size_t k = 0; k < radii.size(); ++k) {
    INFO("r = " << radii[k]);
    CHECK(si[k] / patterns / (kPi * radii[k] * radii[k]) == Approx(1.0).margin(0.03));
    CHECK(st[k] / patterns / (kPi * radii[k] * radii[k]) == Approx(1.0).margin(0.03));
  }
}

TEST_CASE("Ripley: R_W, the mean disc fraction, in closed form and by quadrature", "[ripley]") {
  // the closed form against a direct Monte-Carlo-free check: a square as a polygon
  const auto rect = make_rect_window({0, 0, 1000, 1000});
  const auto poly = make_polygon_window({0, 1000, 1000, 0}, {0, 0, 1000, 1000});
  for (double r : {10.0, 100.0, 250.0, 500.0}) {
    INFO("r = " << r);
    REQUIRE(poly->mean_disc_fraction(r) == Approx(rect->mean_disc_fraction(r)).epsilon(2e-4));
  }
  REQUIRE(rect->mean_disc_fraction(500) == Approx(0.615).margin(5e-4));  // spec 004 §4.2
  REQUIRE(rect->mean_disc_fraction(1000) == Approx(0.310).margin(5e-4));
  // by sampling discs at random centres in a triangle
  const auto tri = make_polygon_window({0, 2, 5}, {0, 4, 0});
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> u(0, 1);
  for (double r : {0.3, 1.0}) {
    double sum = 0;
    int m = 0;
    while (m < 4000) {
      const double cx = 5 * u(rng), cy = 4 * u(rng);
      if (!tri->contains(cx, cy)) continue;
      int in = 0;
      for (int k = 0; k < 400; ++k) {  // uniform points in the disc
        const double a = 2 * kPi * u(rng), rr = r * std::sqrt(u(rng));
        in += tri->contains(cx + rr * std::cos(a), cy + rr * std::sin(a));
      }
      sum += in / 400.0, ++m;
    }
    REQUIRE(tri->mean_disc_fraction(r) == Approx(sum / m).margin(0.01));
  }
}
