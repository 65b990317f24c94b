#pragma once
/// One synchronous Euler step (dt = 1) of the gravity-family dynamics of paper 004 (§3; the
/// per-map CPU version is models/sim_dynamics/dynamics.hpp) for B maps of n sites at once,
/// with f_ij = exp(-beta r_ij) recomputed on the fly rather than stored (B n^2 values):
///
///   D = Q (gravity),  Q^(1+eps) (retail),  G Q with G_jk = exp(-gamma r_jk) (two-trip)
///   Z = F D,   w = Q / Z (0 where Z = 0),   y = F w
///   Q <- Q + lambda (D y - w Z)        (in_j = D_j y_j, out_i = w_i Z_i)
///
/// F symmetric, so y = F w is the column sum sum_i w_i f_ij. Per step: two (two-trip: three)
/// batched row reductions over n columns and two element-wise passes, each one launch for all
/// maps. Coordinates of map b are sites [b n, (b + 1) n) of `coords`; Q and the scratch
/// arrays hold B n values, all in exec's memory space. Row sums run in column order on the
/// CPU and by a fixed block tree on the GPU: deterministic, equal to the packed CPU path of
/// dynamics.cpp to round-off (not bitwise).
#include <cstdint>

#include "kernels/core/exec.hpp"
#include "kernels/flows/distance.hpp"
#include "kernels/flows/pair_kernel.hpp"

namespace migra::dynamics {

enum class Attractiveness : int { Population = 0, Retail = 1, TwoTrip = 2 };

struct GravityStep {
  flows::Coords coords;  ///< B n sites, map by map
  int maps = 0, n = 0;
  Attractiveness attractiveness = Attractiveness::Population;
  double beta = 0.0, gamma = 1.0, epsilon = 0.0, lambda = 0.01;
  bool exclude_self = false;  ///< f_ii = 0 (G_jj stays 1, as in dynamics.cpp)
};

struct GravityScratch {
  double *D = nullptr, *Z = nullptr, *w = nullptr, *y = nullptr;  ///< B n each
};

void gravity_family_step(const Exec& exec, const GravityStep& s, double* Q, const GravityScratch& scratch);

namespace detail {

/// Row r = b n + i of the batched product (K v)_r = sum_k K(i, k) v_(b n + k), K = f(r) on map b.
struct MapKernelRowTerm {
  flows::Coords coords;
  flows::DeterrenceFn f;
  bool exclude_self;
  const double* v;
  int n;
  MIGRA_HD double operator()(long long r, long long k) const {
    const long long j = r - r % n + k;
    if (exclude_self && j == r) return 0.0;
    const double vj = v[j];
    return vj == 0.0 ? 0.0 : vj * f(coords.distance(int(r), int(j)));
  }
};

struct AttractivenessOfPopulation {  // gravity and retail: D = Q^(1 + epsilon)
  const double* Q;
  double* D;
  double epsilon;
  bool retail;
  MIGRA_HD void operator()(long long r) const { D[r] = retail ? pow(Q[r], 1.0 + epsilon) : Q[r]; }
};

struct ScaledDemand {  // w = Q / Z
  const double* Q;
  const double* Z;
  double* w;
  MIGRA_HD void operator()(long long r) const { w[r] = Z[r] > 0.0 ? Q[r] / Z[r] : 0.0; }
};

struct EulerUpdate {  // Q += lambda (in - out), in = D y, out = w Z
  double* Q;
  const double *D, *y, *w, *Z;
  double lambda;
  MIGRA_HD void operator()(long long r) const { Q[r] += lambda * (D[r] * y[r] - w[r] * Z[r]); }
};

void map_kernel_rowsum_cuda(DeviceContext& ctx, const MapKernelRowTerm& f, std::int64_t rows, double* y);
void for_each_cuda(DeviceContext& ctx, std::int64_t n, const AttractivenessOfPopulation& f);
void for_each_cuda(DeviceContext& ctx, std::int64_t n, const ScaledDemand& f);
void for_each_cuda(DeviceContext& ctx, std::int64_t n, const EulerUpdate& f);

}  // namespace detail
}  // namespace migra::dynamics
