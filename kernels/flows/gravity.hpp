#pragma once
/// Gravity models: T_ij = a_i b_j K_ij with K_ij = f(d_ij) (pair_kernel.hpp) and the factors
/// a, b set by the constraint (Wilson 1971; paper 004 §2.2–2.3, §2.9):
///
///   none:        a_i = O_i,                          b_j = D_j          (T = O_i D_j f_ij)
///   production:  a_i = O_i / sum_j D_j K_ij,          b_j = D_j          => sum_j T_ij = O_i
///   attraction:  a_i = O_i,                          b_j = D_j / sum_i O_i K_ij
///                                                                     => sum_i T_ij = D_j
///   doubly:      a_i = A_i O_i, b_j = B_j D_j with Furness / IPF balancing
///                A_i = 1 / sum_j B_j D_j K_ij,  B_j = 1 / sum_i A_i O_i K_ij
///                until max_j |sum_i T_ij - D_j| / D_j <= tol (rows are exact after each
///                A-step), or max_iter; requires sum O = sum D.
///
/// O, D: (n) host vectors, >= 0. K's coordinates live in backend's memory space. Each
/// iteration costs two pair_rowsum passes (O(n^2), on the backend) and O(n) host work.
/// The result's a, b are host vectors; materialise T with pair_fill (rows in blocks).
#include <vector>

#include "kernels/core/backend.hpp"
#include "kernels/flows/pair_kernel.hpp"

namespace migra::flows {

enum class Constraint : int { None = 0, Production = 1, Attraction = 2, Doubly = 3 };

struct GravityBalance {
  std::vector<double> a, b;     ///< T_ij = a_i b_j K_ij
  int iterations = 0;           ///< balancing iterations (doubly) or 1
  double margin_error = 0.0;    ///< max relative error of the constrained margins
  bool converged = true;
};

struct BalanceOptions {
  double tol = 1e-12;
  int max_iter = 10000;
};

GravityBalance gravity_balance(Backend& backend, const PairKernel& K,
                               const std::vector<double>& O, const std::vector<double>& D,
                               Constraint constraint, const BalanceOptions& opt = {});

}  // namespace migra::flows
