// The Albers projection against independent facts: areas on the GRS80 ellipsoid (numerically
// integrated), true scale along the standard parallels, and the origin.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "kernels/geo/albers.hpp"

namespace {
constexpr double kD2R = 0.017453292519943295;
constexpr double kA = 6378.137, kF = 1.0 / 298.257222101, kE2 = kF * (2 - kF);

/// Area on the ellipsoid of lat in [p1, p2], lon in [l1, l2] (degrees): integral of M N cos(phi).
double ellipsoid_area(double p1, double p2, double l1, double l2) {
  const int steps = 20000;
  double s = 0;
  for (int k = 0; k < steps; ++k) {
    const double phi = (p1 + (p2 - p1) * (k + 0.5) / steps) * kD2R;
    const double w = 1 - kE2 * std::sin(phi) * std::sin(phi);
    const double M = kA * (1 - kE2) / std::pow(w, 1.5), N = kA / std::sqrt(w);
    s += M * N * std::cos(phi);
  }
  return s * (p2 - p1) * kD2R / steps * (l2 - l1) * kD2R;
}

/// Shoelace area of the projected boundary of the same cell, sampled finely.
double projected_area(const migra::geo::Albers& p, double p1, double p2, double l1, double l2) {
  std::vector<double> x, y;
  const int m = 4000;
  const auto add = [&](double lon, double lat) {
    double a, b;
    p.project(lon, lat, a, b);
    x.push_back(a), y.push_back(b);
  };
  for (int k = 0; k < m; ++k) add(l1 + (l2 - l1) * k / m, p1);
  for (int k = 0; k < m; ++k) add(l2, p1 + (p2 - p1) * k / m);
  for (int k = 0; k < m; ++k) add(l2 - (l2 - l1) * k / m, p2);
  for (int k = 0; k < m; ++k) add(l1, p2 - (p2 - p1) * k / m);
  double s = 0;
  for (size_t i = 0; i < x.size(); ++i) s += x[i] * y[(i + 1) % x.size()] - x[(i + 1) % x.size()] * y[i];
  return std::fabs(s) / 2;
}
}  // namespace

TEST_CASE("Albers CONUS: equal area, true scale on the standard parallels, origin at 0", "[geo]") {
  const auto p = migra::geo::Albers::conus_km();
  double x, y;
  p.project(-96.0, 23.0, x, y);
  REQUIRE(std::fabs(x) < 1e-9);
  REQUIRE(std::fabs(y) < 1e-9);
  for (auto [p1, p2, l1, l2] : {std::tuple{25.0, 49.0, -124.0, -67.0}, {30.0, 31.0, -100.0, -99.0}, {44.0, 47.0, -80.0, -70.0}})
    REQUIRE(projected_area(p, p1, p2, l1, l2) == Approx(ellipsoid_area(p1, p2, l1, l2)).epsilon(1e-6));
  for (double lat : {29.5, 45.5}) {  // along a standard parallel the scale is exactly 1
    double x1, y1, x2, y2;
    p.project(-96.0, lat, x1, y1);
    p.project(-95.999, lat, x2, y2);
    const double phi = lat * kD2R, N = kA / std::sqrt(1 - kE2 * std::sin(phi) * std::sin(phi));
    REQUIRE(std::hypot(x2 - x1, y2 - y1) == Approx(N * std::cos(phi) * 0.001 * kD2R).epsilon(1e-7));
  }
  p.project(-80.0, 40.0, x, y);  // east of the central meridian, north of the origin
  REQUIRE(x > 1000);
  REQUIRE(y > 1500);
}
