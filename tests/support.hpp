#pragma once
// Shared test fixtures: random and lattice site sets, and brute-force double-precision
// references written independently of the kernels they check.
#include <cmath>
#include <random>
#include <vector>

#include "kernels/flows/distance.hpp"

namespace migra::test {

struct PointSet {
  std::vector<double> x, y, m;
  flows::Coords coords(flows::Metric metric = flows::Metric::Euclidean) const {
    return {x.data(), y.data(), int(x.size()), metric};
  }
  int n() const { return int(x.size()); }
};

/// n points uniform on [0, L]^2, masses log-normal (or integer-valued in [1, 1000]).
inline PointSet random_points(int n, std::uint64_t seed, double L = 1000.0, bool integer_mass = false) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, L);
  std::lognormal_distribution<double> ln(10.0, 1.0);
  std::uniform_int_distribution<int> ui(1, 1000);
  PointSet p;
  for (int i = 0; i < n; ++i) {
    p.x.push_back(u(rng));
    p.y.push_back(u(rng));
    p.m.push_back(integer_mass ? double(ui(rng)) : ln(rng));
  }
  return p;
}

/// k x k integer lattice (ties everywhere), integer masses, plus `dups` duplicated points.
inline PointSet lattice_points(int k, int dups, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> ui(1, 1000);
  PointSet p;
  for (int a = 0; a < k; ++a)
    for (int b = 0; b < k; ++b) {
      p.x.push_back(a);
      p.y.push_back(b);
      p.m.push_back(ui(rng));
    }
  std::uniform_int_distribution<int> pick(0, k * k - 1);
  for (int d = 0; d < dups; ++d) {
    const int s = pick(rng);
    p.x.push_back(p.x[size_t(s)]);
    p.y.push_back(p.y[size_t(s)]);
    p.m.push_back(ui(rng));
  }
  return p;
}

inline double euclid(const PointSet& p, int i, int j) {
  return std::hypot(p.x[size_t(i)] - p.x[size_t(j)], p.y[size_t(i)] - p.y[size_t(j)]);
}

/// The O(n^3) definition: s_ij = sum of m_k over k with d_ik < d_ij, k != j, and k != i
/// unless include_origin. Compared on squared distances, as the spec asks.
inline std::vector<double> brute_intervening(const PointSet& p, bool include_origin) {
  const int n = p.n();
  std::vector<double> s(size_t(n) * size_t(n), 0.0);
  auto d2 = [&](int a, int b) {
    const double dx = p.x[size_t(a)] - p.x[size_t(b)], dy = p.y[size_t(a)] - p.y[size_t(b)];
    return dx * dx + dy * dy;
  };
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      if (i == j) continue;
      double acc = 0.0;
      for (int k = 0; k < n; ++k)
        if (k != j && (k != i || include_origin) && d2(i, k) < d2(i, j)) acc += p.m[size_t(k)];
      s[size_t(i) * size_t(n) + size_t(j)] = acc;
    }
  return s;
}

inline double rel_err(double a, double b) {
  const double d = std::abs(a - b), s = std::max(std::abs(a), std::abs(b));
  return s == 0 ? 0 : d / s;
}

}  // namespace migra::test
