#pragma once
/// The population dynamics implied by the flow law of paper 003 (spec §2.7; not in the paper).
///
/// (a) Mean field. Flows That_ik = mu P_i P_k exp(u_k − u_i) W_ik, W = exp(−gamma d) with a
///     zero diagonal, per period; conservation gives
///
///       dP_k/dt = Σ_i (That_ik − That_ki)
///               = mu P_k [ e^{u_k} (W (P ∘ e^{−u}))_k − e^{−u_k} (W (P ∘ e^{u}))_k ]
///
///     two matrix–vector products (W is symmetric), integrated by classical RK4. Σ_k dP_k/dt = 0
///     exactly, so total population is conserved to rounding; u constant ⇒ P stationary.
/// (b) Optional closure (an assumption, Weidlich–Haag style): u_i = kappa rho_i − sigma rho_i²
///     + delta_i, rho_i = P_i / S_i, re-evaluated at every stage.
/// (c) Stochastic: every resident of i moves to k at rate mu P_k e^{u_k − u_i} W_ik; a tau-leap
///     of length dt draws n_ik ~ Poisson(dt mu P_i P_k e^{u_k − u_i} W_ik) for all N(N−1)
///     channels from the counter-based Philox stream (seed, replicate, pair, step), then moves
///     them. An origin whose draws exceed its residents has them scaled down (floored), so
///     populations stay non-negative integers and their total is conserved exactly.
#include <cstdint>
#include <vector>

namespace migra::settle {

/// Attractiveness of each unit: fixed potentials, or the density closure (b).
struct Attractiveness {
  std::vector<double> u;          ///< fixed u, or delta_i under the closure
  bool closure = false;
  double kappa = 0, sigma = 0;
  /// u at populations P (area S).
  void evaluate(const std::vector<double>& P, const std::vector<double>& S, std::vector<double>& out) const;
};

/// W_ik = exp(−gamma d_ik), zero diagonal.
std::vector<double> deterrence_matrix(const std::vector<double>& d, int n, double gamma);

/// dP/dt of (a) by the two GEMVs.
void population_rate(const std::vector<double>& W, double mu, const std::vector<double>& P,
                     const std::vector<double>& u, std::vector<double>& rate);

struct Trajectory {
  std::vector<double> time;
  std::vector<std::vector<double>> population;  ///< one row per recorded time
  long long capped = 0;                         ///< tau-leap: origins whose draws were scaled down
};

/// RK4 with step dt for `steps` steps, recording every `record_every` steps (and the last).
Trajectory simulate_mean_field(const std::vector<double>& W, double mu, const std::vector<double>& area,
                               const std::vector<double>& P0, const Attractiveness& attract, double dt, int steps,
                               int record_every = 1);

/// One tau-leaping replicate; P0 is rounded to integers.
Trajectory simulate_tau_leap(const std::vector<double>& W, double mu, const std::vector<double>& area,
                             const std::vector<double>& P0, const Attractiveness& attract, double dt, int steps,
                             std::uint64_t seed, std::uint32_t replicate, int record_every = 1);

}  // namespace migra::settle
