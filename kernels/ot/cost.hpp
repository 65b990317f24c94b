#pragma once
/// Ground costs C_ij of optimal transport as element functors, evaluated where they are used
/// (STYLE.md 5): a stored matrix, or points whose cost is recomputed on every pass.
///
///   MatrixCost:  C_ij = C[i * ld + j]                          (n x m, row-major)
///   PointCost:   sqeuclidean  C_ij = |x_i - y_j|^2
///                euclidean    C_ij = |x_i - y_j|
///                haversine    C_ij = 2 R asin(|p_i - p_j| / 2)   great-circle km, R = 6371.0088,
///                             p = unit vector of (lon, lat) (the chord form: exact to ~1e-12 km
///                             at every distance, unlike the spherical law of cosines)
///
/// PointCost holds coordinates component-major ("structure of arrays": x[k * n + i] is
/// component k of point i), so the inner loop over j reads contiguous memory and vectorises.
/// Pointers are in the memory space of the Exec the functor is used with.
#include <cmath>

#include "kernels/core/hd.hpp"

namespace migra::ot {

enum class CostMetric : int { SqEuclidean = 0, Euclidean = 1, Haversine = 2 };

inline constexpr double kEarthRadiusKm = 6371.0088;

struct MatrixCost {
  const double* C = nullptr;
  long long ld = 0;  ///< row stride (m for a dense n x m matrix)
  MIGRA_HD double operator()(int i, int j) const { return C[i * ld + j]; }
};

struct PointCost {
  const double* x = nullptr;  ///< dim x n, component-major
  const double* y = nullptr;  ///< dim x m, component-major
  int n = 0, m = 0, dim = 0;  ///< for haversine: dim = 3 (unit vectors, see unit_vectors())
  CostMetric metric = CostMetric::SqEuclidean;

  MIGRA_HD double operator()(int i, int j) const {
    double s = 0.0;
    for (int k = 0; k < dim; ++k) {
      const double d = x[(long long)k * n + i] - y[(long long)k * m + j];
      s += d * d;
    }
    return from_squared_distance(s);
  }
  /// The cost from s = |x_i - y_j|^2 (GPU tiles compute s from shared memory).
  MIGRA_HD double from_squared_distance(double s) const {
    if (metric == CostMetric::SqEuclidean) return s;
    if (metric == CostMetric::Euclidean) return sqrt(s);
    const double half_chord = 0.5 * sqrt(s);
    return 2.0 * kEarthRadiusKm * asin(half_chord < 1.0 ? half_chord : 1.0);
  }
  /// The same cost with the roles of x and y swapped: C^T.
  PointCost transposed() const { return PointCost{y, x, m, n, dim, metric}; }
};

}  // namespace migra::ot
