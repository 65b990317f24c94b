#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/flows/distance.hpp"
#include "kernels/flows/distance_order.hpp"
#include "tests/support.hpp"

using migra::flows::Coords;
using migra::flows::Metric;

namespace {
double haversine(double lon1, double lat1, double lon2, double lat2) {
  const double x[2] = {lon1, lon2}, y[2] = {lat1, lat2};
  return Coords{x, y, 2, Metric::Haversine}.distance(0, 1);
}
}  // namespace

TEST_CASE("haversine: analytic arcs", "[flows][distance]") {
  const double R = migra::flows::kEarthRadiusKm, pi = 3.14159265358979323846;
  REQUIRE(haversine(0, 0, 90, 0) == Approx(pi / 2 * R).epsilon(1e-12));   // quarter equator
  REQUIRE(haversine(0, 0, 0, 90) == Approx(pi / 2 * R).epsilon(1e-12));   // equator to pole
  REQUIRE(haversine(10, -90, 170, 90) == Approx(pi * R).epsilon(1e-9));   // pole to pole
  REQUIRE(haversine(-73.9, 40.7, -73.9, 40.7) == 0.0);
  REQUIRE(haversine(-179.5, 0, 179.5, 0) == Approx(R * pi / 180).epsilon(1e-9));  // date line
}

TEST_CASE("haversine: known city distances", "[flows][distance]") {
  // Great-circle distances on the mean-radius sphere (published values, within 0.5%):
  // New York - Los Angeles 3936 km, London - Paris 344 km, Sydney - Melbourne 714 km.
  REQUIRE(haversine(-74.0060, 40.7128, -118.2437, 34.0522) == Approx(3936).epsilon(5e-3));
  REQUIRE(haversine(-0.1278, 51.5074, 2.3522, 48.8566) == Approx(344).epsilon(5e-3));
  REQUIRE(haversine(151.2093, -33.8688, 144.9631, -37.8136) == Approx(714).epsilon(5e-3));
}

TEST_CASE("order keys increase with distance", "[flows][distance]") {
  const double lon[4] = {-74, -73, -70, 10}, lat[4] = {40.7, 41, 42, 50};
  for (Metric m : {Metric::Euclidean, Metric::Haversine}) {
    const Coords c{lon, lat, 4, m};
    for (int j = 1; j < 3; ++j) {
      REQUIRE(c.distance(0, j) < c.distance(0, j + 1));
      REQUIRE(c.order_key(0, j) < c.order_key(0, j + 1));
    }
  }
  const double x[3] = {0, 3, 0}, y[3] = {0, 4, 5};
  const Coords c{x, y, 3, Metric::Euclidean};
  REQUIRE(c.distance(0, 1) == 5.0);
  REQUIRE(c.order_key(0, 1) == c.order_key(0, 2));  // exact tie on the lattice
}

TEST_CASE("distance_order: the (key, j) order std::sort gives, ties and duplicates included", "[flows][distance]") {
  // The radix passes are stable from j's order, so equal keys stay in j order: on a lattice
  // with duplicated points (many exact ties) and on random lon/lat points, every row must be
  // the comparison sort's, entry by entry.
  const migra::test::PointSet lattice = migra::test::lattice_points(17, 30, 3), random = migra::test::random_points(500, 9);
  std::vector<double> lon, lat;  // random points as lon/lat, for haversine's chord keys
  for (size_t k = 0; k < random.x.size(); ++k) lon.push_back(-125 + random.x[k] * 0.06), lat.push_back(25 + random.y[k] * 0.024);
  const Coords cases[] = {lattice.coords(), random.coords(), Coords{lon.data(), lat.data(), int(lon.size()), Metric::Haversine}};
  std::vector<migra::flows::Ranked> row, scratch;
  for (const Coords& c : cases) {
    int ties = 0;
    for (int i = 0; i < c.n; i += 7) {
      migra::flows::distance_order(c, i, row, scratch);
      std::vector<std::pair<double, std::uint32_t>> ref;
      for (int j = 0; j < c.n; ++j) ref.push_back({c.order_key(i, j), std::uint32_t(j)});
      std::sort(ref.begin(), ref.end());
      REQUIRE(row.size() == ref.size());
      for (size_t k = 0; k < ref.size(); ++k) {
        REQUIRE(row[k].j == ref[k].second);
        REQUIRE(row[k].key == ref[k].first);
        ties += k > 0 && ref[k].first == ref[k - 1].first;
      }
    }
    if (c.x == lattice.x.data()) REQUIRE(ties > 1000);  // the lattice case does test ties
  }
  const Coords none{nullptr, nullptr, 0, Metric::Euclidean};
  migra::flows::distance_order(none, 0, row, scratch);
  REQUIRE(row.empty());
}
