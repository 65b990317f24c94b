#include "models/settlement/dynamics.hpp"

#include <cmath>

#include "kernels/core/error.hpp"
#include "kernels/random/poisson.hpp"

namespace migra::settle {

void Attractiveness::evaluate(const std::vector<double>& P, const std::vector<double>& S,
                              std::vector<double>& out) const {
  out.resize(P.size());
  for (size_t i = 0; i < P.size(); ++i) {
    const double rho = P[i] / S[i];
    out[i] = (u.empty() ? 0.0 : u[i]) + (closure ? kappa * rho - sigma * rho * rho : 0.0);
  }
}

std::vector<double> deterrence_matrix(const std::vector<double>& d, int n, double gamma) {
  std::vector<double> W(d.size());
  for (size_t i = 0; i < size_t(n); ++i)
    for (size_t k = 0; k < size_t(n); ++k) W[i * size_t(n) + k] = i == k ? 0.0 : std::exp(-gamma * d[i * size_t(n) + k]);
  return W;
}

void population_rate(const std::vector<double>& W, double mu, const std::vector<double>& P,
                     const std::vector<double>& u, std::vector<double>& rate) {
  const size_t n = P.size();
  std::vector<double> down(n), up(n);  // P ∘ e^{−u}, P ∘ e^{u}
  for (size_t i = 0; i < n; ++i) down[i] = P[i] * std::exp(-u[i]), up[i] = P[i] * std::exp(u[i]);
  rate.resize(n);
#pragma omp parallel for schedule(static) if (n > 512)
  for (long long kk = 0; kk < (long long)n; ++kk) {
    const size_t k = size_t(kk);
    const double* w = W.data() + k * n;  // row k = column k: W is symmetric
    double in = 0, out = 0;
    for (size_t i = 0; i < n; ++i) in += w[i] * down[i], out += w[i] * up[i];
    rate[k] = mu * P[k] * (std::exp(u[k]) * in - std::exp(-u[k]) * out);
  }
}

Trajectory simulate_mean_field(const std::vector<double>& W, double mu, const std::vector<double>& area,
                               const std::vector<double>& P0, const Attractiveness& attract, double dt, int steps,
                               int record_every) {
  MIGRA_THROW_IF_NOT_FMT(dt > 0 && steps >= 0 && record_every >= 1, "dynamics: need dt > 0, steps >= 0, record-every >= 1");
  const size_t n = P0.size();
  Trajectory tr;
  std::vector<double> P = P0, u, k1, k2, k3, k4, tmp(n);
  tr.time.push_back(0.0);
  tr.population.push_back(P);
  const auto f = [&](const std::vector<double>& x, std::vector<double>& out) {
    attract.evaluate(x, area, u);
    population_rate(W, mu, x, u, out);
  };
  for (int s = 1; s <= steps; ++s) {
    f(P, k1);
    for (size_t i = 0; i < n; ++i) tmp[i] = P[i] + 0.5 * dt * k1[i];
    f(tmp, k2);
    for (size_t i = 0; i < n; ++i) tmp[i] = P[i] + 0.5 * dt * k2[i];
    f(tmp, k3);
    for (size_t i = 0; i < n; ++i) tmp[i] = P[i] + dt * k3[i];
    f(tmp, k4);
    for (size_t i = 0; i < n; ++i) P[i] += dt / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    if (s % record_every == 0 || s == steps) tr.time.push_back(s * dt), tr.population.push_back(P);
  }
  return tr;
}

Trajectory simulate_tau_leap(const std::vector<double>& W, double mu, const std::vector<double>& area,
                             const std::vector<double>& P0, const Attractiveness& attract, double dt, int steps,
                             std::uint64_t seed, std::uint32_t replicate, int record_every) {
  MIGRA_THROW_IF_NOT_FMT(dt > 0 && steps >= 0 && record_every >= 1, "dynamics: need dt > 0, steps >= 0, record-every >= 1");
  // Each (pair, step) owns 2^12 Philox pairs of uniforms: steps must stay below 2^19.
  MIGRA_THROW_IF_NOT_FMT(steps < (1 << 19), "tau-leaping: at most %d steps", (1 << 19) - 1);
  const size_t n = P0.size();
  MIGRA_THROW_IF_NOT_FMT(n * n < (size_t(1) << 32), "tau-leaping: too many units (%zu)", n);
  std::vector<double> P(n), u, moves(n * n);
  for (size_t i = 0; i < n; ++i) P[i] = std::round(P0[i]);
  Trajectory tr;
  tr.time.push_back(0.0);
  tr.population.push_back(P);
  for (int s = 1; s <= steps; ++s) {
    attract.evaluate(P, area, u);
    long long capped = 0;
#pragma omp parallel for schedule(static) reduction(+ : capped) if (n > 64)
    for (long long ii = 0; ii < (long long)n; ++ii) {
      const size_t i = size_t(ii);
      double out = 0;
      for (size_t k = 0; k < n; ++k) {
        double m = 0;
        if (k != i && P[i] > 0) {
          const double lambda = dt * mu * P[i] * P[k] * std::exp(u[k] - u[i]) * W[i * n + k];
          rng::UniformStream us(seed, rng::Stream::Leap, replicate, std::uint32_t(i * n + k));
          us.draw = std::uint32_t(s) << 12;
          m = rng::poisson(lambda, us);
        }
        moves[i * n + k] = m;
        out += m;
      }
      if (out > P[i]) {
        ++capped;
        for (size_t k = 0; k < n; ++k) moves[i * n + k] = std::floor(moves[i * n + k] * P[i] / out);
      }
    }
    tr.capped += capped;
    for (size_t i = 0; i < n; ++i)
      for (size_t k = 0; k < n; ++k) P[i] -= moves[i * n + k], P[k] += moves[i * n + k];
    if (s % record_every == 0 || s == steps) tr.time.push_back(s * dt), tr.population.push_back(P);
  }
  return tr;
}

}  // namespace migra::settle
