#pragma once
/// Regression of the learned force λ on socio-economic features (paper 000 spec §4.1).
///
/// Design: one row per (real node u, collocation time t_p); the features ψ_i(t_p, u) are each
/// node's annual series interpolated by PCHIP at the year of t_p (and the year itself as a
/// feature when asked); the target is λ_u(t_p).
/// Protocol: shuffle the rows, split 80:20, fit on the train rows, score R² and RMSE on the
/// train ("reconstruction") and test ("prediction") rows; repeat over seeds and report the
/// mean ± std (ddof 0). A grouped variant holds out whole nodes instead of rows (spec §7.14:
/// rows of one node at neighbouring t_p are near duplicates, which inflates the row split).
///   R² = 1 - Σ(y - ŷ)² / Σ(y - ȳ)²,   RMSE = sqrt(mean (y - ŷ)²)
#include <cstdint>
#include <string>
#include <vector>

#include "models/pinn_migration/boosted_trees.hpp"

namespace migra::pinn {

/// features: nodes × years × F (per node and year); returns (nodes · times) × (F [+ 1]) rows,
/// node-major, with the year last when with_year.
std::vector<double> design_matrix(const std::vector<double>& features, int nodes, const std::vector<double>& years, int F,
                                  const std::vector<double>& at_years, bool with_year);

struct Score {
  double r2 = 0, rmse = 0;
};
Score score(const std::vector<double>& y, const std::vector<double>& yhat);

struct MeanStd {
  double mean = 0, std = 0;
};
struct ProtocolResult {
  MeanStd train_r2, train_rmse, test_r2, test_rmse;
  int splits = 0;
};

enum class Regressor { Trees, Linear };

/// `splits` random splits (Fisher–Yates from a 64-bit Mersenne Twister seeded seed + split),
/// test share `test_share`. With `groups` (one group id per row) whole groups are held out.
/// Splits run in parallel (OpenMP), each tree model single-threaded.
ProtocolResult split_protocol(const std::vector<double>& X, const std::vector<double>& y, int cols, Regressor model,
                              const TreeConfig& trees, int splits, double test_share, std::uint64_t seed,
                              const std::vector<int>& groups = {});

/// Ordinary least squares with an intercept (the paper's linear baseline): coefficients
/// (intercept first) from the normal equations by Cholesky. Throws if they are singular.
std::vector<double> fit_linear(const std::vector<double>& X, const std::vector<double>& y, int cols);
std::vector<double> predict_linear(const std::vector<double>& beta, const std::vector<double>& X, int cols);

}  // namespace migra::pinn
