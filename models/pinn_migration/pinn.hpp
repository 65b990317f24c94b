#pragma once
/// The inverse PINN of paper 000 (spec §2.2, §3) in LibTorch. Per node u a network R̂_u(t) and a
/// network λ_u(t) (two GroupedMlp of N groups each), trained with the coefficients of
///
///   R̂'' = c_e λ(t) - G R̂' - K R̂ - c_a a,      K = C_r ⊙ F + C_d ⊙ D  (matrix mode)
///                                              K = c_r F + c_d D       (scalar mode)
///                                              G = (W + Wᵀ)/2 | diag(g) | L Lᵀ
/// on the loss (all weights 1, summed over nodes)
///   L0 = Σ_u |R̂_u(0)| + |R̂'_u(0)|                           (initial condition, L1)
///   Ld = Σ_u mean_d (R~_u(t_d) - R̂_u(t_d))²                    (data)
///   Lp = Σ_u mean_p r_u(t_p)²,  r = R̂'' + K R̂ + G R̂' + c_a a - c_e λ   (physics)
/// with R̂' and R̂'' exact in t (Taylor-mode jets or double reverse-mode autograd); AdamW (weight decay on all
/// parameters), cosine annealing lr_max -> lr_min over the epochs, global-norm clipping.
/// One epoch = one full-batch step. The collocation grid t_p is n_p uniform points on [0, 1]
/// joined with the data times, fixed.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "models/checkpointing.hpp"

namespace migra::pinn {

/// The normalised problem: N nodes, T data times, R~ (N × T), the fixed F, D (N × N) and a (N).
struct Problem {
  int n = 0;
  std::vector<double> t_data, R, F, D, a;
};

/// Identified (or given) coefficients; K and G are always the effective N × N matrices.
struct Coefficients {
  std::vector<double> K, G;
  std::vector<double> C_r, C_d;  ///< matrix mode
  double c_r = 0, c_d = 0;       ///< scalar mode
  double c_a = 0, c_e = 1;
  /// Eigenvalues of K (real and imaginary parts; K need not be symmetric) and of G (real,
  /// symmetric G): spec §7.7 — nothing constrains their signs, so an extrapolated ODE may be
  /// unstable. Filled by train_pinn.
  std::vector<double> K_eig_re, K_eig_im, G_eig;
};

struct PinnConfig {
  int epochs = 20000, width = 64, collocation = 100, log_every = 100;
  std::string activation = "relu";     ///< relu (paper) | tanh | silu
  bool relu_after_penultimate = false;
  std::string coeff_mode = "matrix";   ///< matrix | scalar
  std::string g_mode = "symmetric";    ///< symmetric | diagonal | cholesky
  std::string lambda_mode = "network"; ///< network | points (a free value per node and t_p)
  /// How R̂' and R̂'' are obtained: autograd (two nested reverse passes with create_graph, the
  /// spec's) | taylor (forward jets through the layers and one backward pass: fewer, larger
  /// kernels; about as fast on a CPU). Both are exact; the tests hold them equal to rounding.
  std::string derivatives = "autograd";
  bool symmetric_K = false, fix_ce = false, float64 = false;
  /// R̂(t) = t² N(t) instead of the network N itself: R̂(0) = R̂'(0) = 0 hold exactly and the
  /// L1 initial-condition loss L0 vanishes (a hard constraint; the paper's loss has L0).
  bool hard_ic = false;
  /// Variable projection (scalar coefficients, diagonal G, fixed c_e): the residual is affine
  /// in θ = (c_r, c_d, c_a, diag G) once R̂ and λ are held, so from a quarter of the epochs on
  /// every step first sets θ to its least-squares value over the collocation grid (the
  /// optimiser's own move of θ is overwritten); before that θ trains with the networks.
  bool project_coefficients = false;
  double lr = 2e-3, lr_min = 2e-4, weight_decay = 0.01, clip = 1.0;
  std::uint64_t seed = 0;
  std::string device = "cpu";          ///< cpu | cuda[:k] (when LibTorch has CUDA)
  /// Known parts, for the forward and structured tests (spec §6 S1, S2): λ_u(t) given
  /// instead of learned, and coefficients fixed (train_coefficients = false) or used as the
  /// starting point.
  std::function<double(int, double)> known_lambda;
  std::optional<Coefficients> initial;
  bool train_coefficients = true;
  std::vector<double> extra_times;     ///< where R̂ is also reported (forecasts, dense grids)
};

struct LossParts {
  int epoch = 0;
  double total = 0, l0 = 0, ld = 0, lp = 0, lr = 0;
};

struct PinnResult {
  std::vector<double> grid;                             ///< P collocation times
  std::vector<double> R, dR, d2R, lambda, residual;     ///< N × P
  std::vector<double> R_data;                           ///< N × T, R̂ at the data times
  std::vector<double> R_extra;                          ///< N × extra_times
  Coefficients coefficients;
  std::vector<LossParts> history;                       ///< every log_every epochs and the last
  double seconds_per_epoch = 0;
  int resumed_at = 0;                                   ///< epoch a checkpoint resumed from (0: none)
  std::string device;
  std::string state;                                    ///< the trained parameters and history (no optimiser)
};

using models::Checkpointing;

/// The collocation grid: n_p uniform points on [0, 1] joined with the data times (sorted,
/// duplicates within 1e-12 merged).
std::vector<double> collocation_grid(const std::vector<double>& t_data, int n_p);

/// lr at epoch k (0-based) of the cosine schedule: lr_min + (lr - lr_min)(1 + cos(π k/epochs))/2.
double cosine_lr(int k, const PinnConfig& cfg);

PinnResult train_pinn(const Problem& pb, const PinnConfig& cfg, const std::function<void(const LossParts&)>& progress = nullptr,
                      const Checkpointing& ck = {});

}  // namespace migra::pinn
