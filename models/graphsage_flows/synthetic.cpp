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

/// A coordinate folded back into [0, L] at the walls (a clamp would pile cities on the corners).
double reflect(double v, double L) {
  v = std::fmod(std::fabs(v), 2 * L);
  return v > L ? 2 * L - v : v;
}

/// n cities around `clusters` centres uniform in the w × h box, Gaussian offsets of sd `sd`.
void clustered_cities(SyntheticSystem& s, std::uint64_t seed, int n, int clusters, double sd, double w, double h) {
  std::vector<double> cx, cy;
  for (int k = 0; k < clusters; ++k) cx.push_back(w * uniform(seed, 1, std::uint32_t(k), 0)),
                                       cy.push_back(h * uniform(seed, 1, std::uint32_t(k), 1));
  for (int i = 0; i < n; ++i) {
    const int k = int(uniform(seed, 2, std::uint32_t(i), 0) * clusters) % clusters;
    s.x.push_back(reflect(cx[size_t(k)] + sd * normal(seed, 3, std::uint32_t(i), 0), w));
    s.y.push_back(reflect(cy[size_t(k)] + sd * normal(seed, 3, std::uint32_t(i), 1), h));
  }
}

double distance(const SyntheticSystem& s, int i, int j) {
  return std::max(1.0, std::hypot(s.x[size_t(i)] - s.x[size_t(j)], s.y[size_t(i)] - s.y[size_t(j)]));
}

/// The pairs (i, j) in the union of every city's top-k destinations and top-k origins under
/// the n × n law t, in (i, j) order.
std::vector<std::pair<int, int>> top_k_union(const std::vector<double>& t, int n, int top_k) {
  std::set<std::pair<int, int>> keep;
  std::vector<int> idx(static_cast<size_t>(n));
  const int k_max = std::min(top_k, n);
  for (int i = 0; i < n; ++i) {
    std::iota(idx.begin(), idx.end(), 0);
    std::partial_sort(idx.begin(), idx.begin() + k_max, idx.end(),
                      [&](int a, int b) { return t[size_t(i * n + a)] > t[size_t(i * n + b)]; });
    for (int k = 0; k < k_max; ++k)
      if (idx[size_t(k)] != i) keep.insert({i, idx[size_t(k)]});
    std::iota(idx.begin(), idx.end(), 0);
    std::partial_sort(idx.begin(), idx.begin() + k_max, idx.end(),
                      [&](int a, int b) { return t[size_t(a * n + i)] > t[size_t(b * n + i)]; });
    for (int k = 0; k < k_max; ++k)
      if (idx[size_t(k)] != i) keep.insert({idx[size_t(k)], i});
  }
  return {keep.begin(), keep.end()};
}

double median(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + long(v.size() / 2), v.end());
  return v[v.size() / 2];
}

void add_feature_names(SyntheticSystem& s) {
  s.feature_names.push_back("population");
  for (int f = 1; f <= 19; ++f) s.feature_names.push_back((f < 10 ? "F0" : "F") + std::to_string(f));
}
}  // namespace

SyntheticSystem synthetic_system(const SyntheticSystemConfig& c) {
  MIGRA_THROW_IF_NOT_FMT(c.n >= 10 && c.top_k >= 1 && c.extent > 0, "synthetic city system: need n >= 10, top-k >= 1");
  SyntheticSystem s;
  const int n = c.n;
  clustered_cities(s, c.seed, n, std::max(3, n / 30), 0.06 * c.extent, c.extent, c.extent);
  // Base sector shares of the 19 sections A..S (industry-heavy, as in a yearbook).
  const double base[19] = {0.02, 0.03, 0.22, 0.02, 0.12, 0.07, 0.05, 0.03, 0.03, 0.04,
                           0.04, 0.03, 0.03, 0.02, 0.02, 0.10, 0.06, 0.02, 0.05};
  add_feature_names(s);
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
      const double d = distance(s, i, j);
      t[size_t(i * n + j)] = std::pow(P[size_t(i)], 0.7) * std::pow(prod[size_t(j)], 0.5) * std::pow(cons[size_t(j)], 0.4) *
                             std::exp(-d / 350) / (1 + d / 50) *
                             std::exp(0.3 * normal(c.seed, 6, std::uint32_t(i * n + j), 0) - 0.045);
    }
  std::vector<double> positive;
  for (double v : t)
    if (v > 0) positive.push_back(v);
  const double A = 100.0 / median(positive);
  for (const auto& [i, j] : top_k_union(t, n, c.top_k)) {
    const double v = A * t[size_t(i * n + j)];
    if (v >= c.min_flow) s.flows.push_back({i, j, v});
  }
  return s;
}

SyntheticSystem sg_system(const SgConfig& c) {
  MIGRA_THROW_IF_NOT_FMT(c.n >= 10 && c.top_k >= 1 && c.clusters >= 1 && c.width > 0 && c.height > 0 && c.median_flow > 0,
                         "SG city system: need n >= 10, top-k >= 1, clusters >= 1, a box and a median flow > 0");
  SyntheticSystem s;
  const int n = c.n;
  clustered_cities(s, c.seed, n, c.clusters, c.cluster_sd, c.width, c.height);
  add_feature_names(s);
  std::vector<double> P;
  for (int i = 0; i < n; ++i) {
    P.push_back(std::exp(std::log(400.0) + 0.8 * normal(c.seed, 11, std::uint32_t(i), 0)));
    // Dirichlet(2·1): normalised Gamma(2, 1) draws, each the sum of two unit exponentials.
    double g[19], total = 0;
    for (int f = 0; f < 19; ++f) {
      const auto u = rng::uniforms(c.seed, rng::Stream::Synthetic, 12, std::uint32_t(i), std::uint32_t(f));
      total += g[f] = -std::log(u.u[0]) - std::log(u.u[1]);
    }
    s.X.push_back(P.back());
    for (int f = 0; f < 19; ++f)
      s.X.push_back(0.1 * P.back() * g[f] / total * std::exp(0.1 * normal(c.seed, 13, std::uint32_t(i), std::uint32_t(f))));
  }
  std::vector<double> t(static_cast<size_t>(n) * static_cast<size_t>(n), 0.0);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      if (i != j)
        t[size_t(i * n + j)] = P[size_t(i)] * P[size_t(j)] * std::pow(distance(s, i, j), -c.gamma) *
                               std::exp(c.noise * normal(c.seed, 14, std::uint32_t(i * n + j), 0));
  const auto kept = top_k_union(t, n, c.top_k);
  std::vector<double> kept_t;
  for (const auto& [i, j] : kept) kept_t.push_back(t[size_t(i * n + j)]);
  const double G = c.median_flow / median(kept_t);
  for (const auto& [i, j] : kept)
    if (G * t[size_t(i * n + j)] >= c.min_flow) s.flows.push_back({i, j, G * t[size_t(i * n + j)]});
  return s;
}

}  // namespace migra::gnn
