#pragma once
/// Distances between sites, computed on the fly (the N x N matrix is never needed).
///
///   Euclidean:  d_ij = sqrt((x_i - x_j)^2 + (y_i - y_j)^2)            (units of x, y)
///   Haversine:  d_ij = 2 R asin( sqrt( sin^2(dphi/2) + cos phi_i cos phi_j sin^2(dlambda/2) ) )
///               with x = longitude, y = latitude in degrees, R = 6371.0088 km (IUGG mean
///               radius), d in km.
///
/// order_key(i, j) is a cheap quantity that is strictly increasing in d_ij, used to sort
/// neighbours: the squared Euclidean distance, or the squared chord on the unit sphere. For
/// integer lattice coordinates the Euclidean key is exact, so ties stay ties.
#include <cmath>

#include "kernels/core/hd.hpp"

namespace migra::flows {

enum class Metric : int { Euclidean = 0, Haversine = 1 };

inline constexpr double kEarthRadiusKm = 6371.0088;
inline constexpr double kDegToRad = 0.017453292519943295;

/// Site coordinates as a non-owning view: n sites, x[i], y[i] (lon, lat for Haversine),
/// in the memory space of the Exec they are used with.
struct Coords {
  const double* x = nullptr;
  const double* y = nullptr;
  int n = 0;
  Metric metric = Metric::Euclidean;

  MIGRA_HD double distance(int i, int j) const {
    if (metric == Metric::Euclidean) {
      const double dx = x[i] - x[j], dy = y[i] - y[j];
      return sqrt(dx * dx + dy * dy);
    }
    const double p1 = y[i] * kDegToRad, p2 = y[j] * kDegToRad;
    const double sp = sin(0.5 * (p2 - p1));
    const double sl = sin(0.5 * (x[j] - x[i]) * kDegToRad);
    double a = sp * sp + cos(p1) * cos(p2) * sl * sl;
    a = a < 1.0 ? a : 1.0;
    return 2.0 * kEarthRadiusKm * asin(sqrt(a));
  }

  MIGRA_HD double order_key(int i, int j) const {
    if (metric == Metric::Euclidean) {
      const double dx = x[i] - x[j], dy = y[i] - y[j];
      return dx * dx + dy * dy;
    }
    // squared chord between unit vectors: 2 - 2 cos(angle), increasing in the angle
    const double p1 = y[i] * kDegToRad, p2 = y[j] * kDegToRad;
    const double l1 = x[i] * kDegToRad, l2 = x[j] * kDegToRad;
    const double dx = cos(p1) * cos(l1) - cos(p2) * cos(l2);
    const double dy = cos(p1) * sin(l1) - cos(p2) * sin(l2);
    const double dz = sin(p1) - sin(p2);
    return dx * dx + dy * dy + dz * dz;
  }
};

}  // namespace migra::flows
