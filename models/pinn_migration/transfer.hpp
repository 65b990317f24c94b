#pragma once
/// The random-walk transfer operator of spec §4.2 on the real nodes. Weights ω(u,v) >= 0 give
/// Ω(u) = Σ_v ω(u,v), S_uv = ω(u,v)/Ω(u) and the Perron–Frobenius operator
///   (Pμ)(u) = Σ_v S_vu μ(v)       (P = Sᵀ),
/// whose invariant density for a symmetric ω is, in closed form, π(u) = Ω(u) / Σ_w Ω(w).
/// All matrices n × n row-major.
#include <vector>

namespace migra::pinn {

/// ω~ = 1/ρ off the diagonal, 0 on it (the paper's Fig. 5 weights).
std::vector<double> inverse_distance_weights(const std::vector<double>& rho, int n);
/// ω^ = |f| off the diagonal, 0 on it (Fig. 7).
std::vector<double> correlation_weights(const std::vector<double>& F, int n);

/// Ω / ΣΩ. Throws migra::Error if a node has no weight at all.
std::vector<double> invariant_density(const std::vector<double>& w, int n);
/// One application of P.
std::vector<double> transfer_step(const std::vector<double>& w, int n, const std::vector<double>& mu);

/// The initial densities (a)–(d) of spec §4.2. R: raw balances of the real nodes, n × T.
std::vector<double> density_uniform(int n);
std::vector<double> density_year(const std::vector<double>& R, int n, int T, int t);
std::vector<double> density_mean(const std::vector<double>& R, int n, int T);
std::vector<double> density_correlation(const std::vector<double>& F, int n, double c);

/// μ_k = P^k μ_0 for k = 0..K, with the L1 and L2 distances to π.
struct PowerTrace {
  std::vector<double> l1, l2, final;
};
PowerTrace power_iteration(const std::vector<double>& w, int n, const std::vector<double>& mu0,
                           const std::vector<double>& pi, int K);

}  // namespace migra::pinn
