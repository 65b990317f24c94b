#include <catch2/catch.hpp>

#include "kernels/flows/distance.hpp"

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
