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
