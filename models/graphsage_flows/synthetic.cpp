#include "models/graphsage_flows/synthetic.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "kernels/core/error.hpp"
#include "kernels/random/philox.hpp"

namespace migra::gnn {
namespace {

/// Standard normal number `k` of item `item` in channel `channel` (Box–Muller).
double normal(std::uint64_t seed, std::uint32_t channel, std::uint32_t item, std::uint32_t k) {
  const auto u = rng::uniforms(seed, rng::Stream::Synthetic, channel, item, k);
  return std::sqrt(-2 * std::log(u.u[0])) * std::cos(6.283185307179586 * u.u[1]);
}

double uniform(std::uint64_t seed, std::uint32_t channel, std::uint32_t item, std::uint32_t k) {
  return rng::uniforms(seed, rng::Stream::Synthetic, channel, item, k).u[2];
}

}  // namespace

namespace {
/// A coordinate folded back into [0, L] at the walls (a clamp would pile cities on the corners).
double reflect(double v, double L) {
  v = std::fmod(std::fabs(v), 2 * L);
  return v > L ? 2 * L - v : v;
}
}  // namespace

SyntheticSystem synthetic_system(const SyntheticSystemConfig& c) {
  MIGRA_THROW_IF_NOT_FMT(c.n >= 10 && c.top_k >= 1 && c.extent > 0, "synthetic city system: need n >= 10, top-k >= 1");
  SyntheticSystem s;
  const int n = c.n, clusters = std::max(3, n / 30);
  // Cluster centres, then cities around them (sd 6 % of the extent).
  std::vector<double> cx, cy;
  for (int k = 0; k < clusters; ++k) cx.push_back(c.extent * uniform(c.seed, 1, std::uint32_t(k), 0)),
                                       cy.push_back(c.extent * uniform(c.seed, 1, std::uint32_t(k), 1));
  for (int i = 0; i < n; ++i) {
    const int k = int(uniform(c.seed, 2, std::uint32_t(i), 0) * clusters) % clusters;
    s.x.push_back(reflect(cx[size_t(k)] + 0.06 * c.extent * normal(c.seed, 3, std::uint32_t(i), 0), c.extent));
    s.y.push_back(reflect(cy[size_t(k)] + 0.06 * c.extent * normal(c.seed, 3, std::uint32_t(i), 1), c.extent));
  }
  // Base sector shares of the 19 sections A..S (industry-heavy, as in a yearbook).
  const double base[19] = {0.02, 0.03, 0.22, 0.02, 0.12, 0.07, 0.05, 0.03, 0.03, 0.04,
                           0.04, 0.03, 0.03, 0.02, 0.02, 0.10, 0.06, 0.02, 0.05};
  s.feature_names.push_back("population");
  for (int f = 1; f <= 19; ++f) s.feature_names.push_back((f < 10 ? "F0" : "F") + std::to_string(f));
  const size_t nu = static_cast<size_t>(n);
  std::vector<double> P(nu), prod(nu), cons(nu);
  for (int i = 0; i < n; ++i) {
    P[size_t(i)] = std::exp(std::log(2e6) + 0.8 * normal(c.seed, 4, std::uint32_t(i), 0));
    double shares[19], total = 0;
    for (int f = 0; f < 19; ++f) total += shares[f] = base[f] * std::exp(0.5 * normal(c.seed, 5, std::uint32_t(i), std::uint32_t(f)));
    s.X.push_back(std::round(P[size_t(i)]));
    for (int f = 0; f < 19; ++f) s.X.push_back(std::round(0.45 * P[size_t(i)] * shares[f] / total));
    const auto E = [&](int f) { return s.X[size_t(i * 20 + f)]; };  // f = 1..19 (F01..F19)
    prod[size_t(i)] = E(7) + E(9) + E(10) + E(12) + E(13);            // producer services
    cons[size_t(i)] = E(6) + E(8) + E(11) + E(15) + E(18);            // consumer services
  }
  // The law, before truncation.
  std::vector<double> t(nu * nu, 0.0);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      if (i == j) continue;
      const double d = std::max(1.0, std::hypot(s.x[size_t(i)] - s.x[size_t(j)], s.y[size_t(i)] - s.y[size_t(j)]));
      t[size_t(i * n + j)] = std::pow(P[size_t(i)], 0.7) * std::pow(prod[size_t(j)], 0.5) * std::pow(cons[size_t(j)], 0.4) *
                             std::exp(-d / 350) / (1 + d / 50) *
                             std::exp(0.3 * normal(c.seed, 6, std::uint32_t(i * n + j), 0) - 0.045);
    }
  std::vector<double> positive;
  for (double v : t)
    if (v > 0) positive.push_back(v);
  std::nth_element(positive.begin(), positive.begin() + long(positive.size() / 2), positive.end());
  const double A = 100.0 / positive[positive.size() / 2];
  // Truncation: the union of every city's top-k destinations and top-k origins.
  std::set<std::pair<int, int>> keep;
  std::vector<int> idx(nu);
  for (int i = 0; i < n; ++i) {
    std::iota(idx.begin(), idx.end(), 0);
    std::partial_sort(idx.begin(), idx.begin() + std::min(c.top_k, n), idx.end(),
                      [&](int a, int b) { return t[size_t(i * n + a)] > t[size_t(i * n + b)]; });
    for (int k = 0; k < std::min(c.top_k, n); ++k)
      if (idx[size_t(k)] != i) keep.insert({i, idx[size_t(k)]});
    std::iota(idx.begin(), idx.end(), 0);
    std::partial_sort(idx.begin(), idx.begin() + std::min(c.top_k, n), idx.end(),
                      [&](int a, int b) { return t[size_t(a * n + i)] > t[size_t(b * n + i)]; });
    for (int k = 0; k < std::min(c.top_k, n); ++k)
      if (idx[size_t(k)] != i) keep.insert({idx[size_t(k)], i});
  }
  for (const auto& [i, j] : keep) {
    const double v = A * t[size_t(i * n + j)];
    if (v >= c.min_flow) s.flows.push_back({i, j, v});
  }
  return s;
}

}  // namespace migra::gnn
