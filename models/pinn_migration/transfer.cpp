#include "models/pinn_migration/transfer.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/core/error.hpp"

namespace migra::pinn {
namespace {

std::vector<double> off_diagonal(const std::vector<double>& m, int n, double (*f)(double)) {
  std::vector<double> w(m.size(), 0.0);
  for (int u = 0; u < n; ++u)
    for (int v = 0; v < n; ++v)
      if (u != v) w[size_t(u * n + v)] = f(m[size_t(u * n + v)]);
  return w;
}

std::vector<double> row_sums(const std::vector<double>& w, int n) {
  std::vector<double> s(size_t(n), 0.0);
  for (int u = 0; u < n; ++u)
    for (int v = 0; v < n; ++v) s[size_t(u)] += w[size_t(u * n + v)];
  return s;
}

/// (Pμ)(u) = Σ_v ω(v,u)/Ω(v) μ(v), with the out-degrees Ω given.
std::vector<double> apply_P(const std::vector<double>& w, const std::vector<double>& omega, int n, const std::vector<double>& mu) {
  std::vector<double> out(size_t(n), 0.0);
  for (int v = 0; v < n; ++v)
    for (int u = 0; u < n; ++u) out[size_t(u)] += w[size_t(v * n + u)] / omega[size_t(v)] * mu[size_t(v)];
  return out;
}

std::vector<double> normalised(std::vector<double> v) {
  double s = 0;
  for (double x : v) s += x;
  MIGRA_THROW_IF_NOT_FMT(s > 0, "density: the weights sum to %g", s);
  for (double& x : v) x /= s;
  return v;
}

}  // namespace

std::vector<double> inverse_distance_weights(const std::vector<double>& rho, int n) {
  for (int u = 0; u < n; ++u)
    for (int v = 0; v < n; ++v)
      MIGRA_THROW_IF_NOT_FMT(u == v || rho[size_t(u * n + v)] > 0, "inverse-distance weights: nodes %d and %d coincide", u, v);
  return off_diagonal(rho, n, [](double r) { return 1.0 / r; });
}

std::vector<double> correlation_weights(const std::vector<double>& F, int n) {
  return off_diagonal(F, n, [](double f) { return std::fabs(f); });
}

std::vector<double> invariant_density(const std::vector<double>& w, int n) {
  const std::vector<double> omega = row_sums(w, n);
  for (int u = 0; u < n; ++u) MIGRA_THROW_IF_NOT_FMT(omega[size_t(u)] > 0, "transfer operator: node %d has no weight", u);
  return normalised(omega);
}

std::vector<double> transfer_step(const std::vector<double>& w, int n, const std::vector<double>& mu) {
  return apply_P(w, row_sums(w, n), n, mu);
}

std::vector<double> density_uniform(int n) { return std::vector<double>(size_t(n), 1.0 / n); }

std::vector<double> density_year(const std::vector<double>& R, int n, int T, int t) {
  double m = R[size_t(t)];
  for (int u = 0; u < n; ++u) m = std::min(m, R[size_t(u * T + t)]);
  std::vector<double> mu;
  for (int u = 0; u < n; ++u) mu.push_back(R[size_t(u * T + t)] + std::fabs(m));
  return normalised(mu);
}

std::vector<double> density_mean(const std::vector<double>& R, int n, int T) {
  const double m = *std::min_element(R.begin(), R.begin() + long(n) * T);
  std::vector<double> mu;
  for (int u = 0; u < n; ++u) {
    double s = 0;
    for (int k = 0; k < T; ++k) s += R[size_t(u * T + k)];
    mu.push_back(s / T + std::fabs(m));
  }
  return normalised(mu);
}

std::vector<double> density_correlation(const std::vector<double>& F, int n, double c) {
  std::vector<double> mu(size_t(n), 0.0);
  for (int u = 0; u < n; ++u)
    for (int v = 0; v < n; ++v) mu[size_t(u)] += std::fabs(F[size_t(u * n + v)]) > c ? 1.0 : 0.0;
  return normalised(mu);
}

PowerTrace power_iteration(const std::vector<double>& w, int n, const std::vector<double>& mu0,
                           const std::vector<double>& pi, int K) {
  PowerTrace tr;
  const std::vector<double> omega = row_sums(w, n);  // once, not per iteration
  std::vector<double> mu = mu0;
  for (int k = 0; k <= K; ++k) {
    double l1 = 0, l2 = 0;
    for (int u = 0; u < n; ++u) l1 += std::fabs(mu[size_t(u)] - pi[size_t(u)]), l2 += std::pow(mu[size_t(u)] - pi[size_t(u)], 2);
    tr.l1.push_back(l1), tr.l2.push_back(std::sqrt(l2));
    if (k < K) mu = apply_P(w, omega, n, mu);
  }
  tr.final = mu;
  return tr;
}

}  // namespace migra::pinn
