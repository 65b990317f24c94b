#pragma once
/// Restarted GMRES(m) for A x = b with A given only as a product v -> A v (Saad & Schultz 1986;
/// Saad, Iterative Methods for Sparse Linear Systems, §6.5): from x0, each cycle builds the
/// Arnoldi basis V_{k+1} of the Krylov space K_k(A, r0), r0 = b - A x0, by modified
/// Gram–Schmidt, A V_k = V_{k+1} H_k, and takes x = x0 + V_k y with y minimising
/// |beta e1 - H_k y| (Givens rotations keep that least-squares residual as it grows), stopping
/// when it is below rtol |b| or after m vectors; then restarts from x, up to `cycles` times.
/// The inner products are plain sums: the unknowns are what a caller (e.g. the Newton–Krylov
/// solve of models/city_mfg) makes of them.
#include <functional>
#include <vector>

namespace migra::linalg {

struct GmresConfig {
  int restart = 30;     ///< m: Krylov vectors per cycle
  int cycles = 1;       ///< restarts (scipy's maxiter)
  double rtol = 1e-4;   ///< stop at |b - A x| <= rtol |b|
};

struct GmresResult {
  std::vector<double> x;
  double residual = 0.0;  ///< |b - A x| / |b| as GMRES tracks it (from H, not a fresh product)
  int products = 0;       ///< calls of A
  bool converged = false;
};

using LinearOperator = std::function<void(const std::vector<double>& v, std::vector<double>& Av)>;

/// The plain inner product and 2-norm GMRES uses, for its callers' own vectors.
double dot(const std::vector<double>& a, const std::vector<double>& b);
double norm(const std::vector<double>& v);

/// x0 empty: start from 0.
GmresResult gmres(const LinearOperator& A, const std::vector<double>& b, const GmresConfig& cfg,
                  std::vector<double> x0 = {});

}  // namespace migra::linalg
