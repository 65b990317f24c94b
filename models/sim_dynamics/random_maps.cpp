#include "models/sim_dynamics/random_maps.hpp"

#include <cmath>

#include "kernels/random/philox.hpp"

namespace migra::sim {
namespace {

/// Reflects v into [0, L] (for a displacement smaller than a few L, as clusters are).
double reflect(double v, double L) {
  v = std::fmod(std::fabs(v), 2.0 * L);
  return v > L ? 2.0 * L - v : v;
}

/// A standard normal from two uniforms (Box-Muller).
double normal(double u1, double u2) { return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2); }

}  // namespace

RandomMap make_map(const MapSpec& s, std::uint64_t seed, int map) {
  using rng::Stream;
  RandomMap m;
  const int n = s.sites;
  const auto mp = std::uint32_t(map);
  m.x.resize(size_t(n));
  m.y.resize(size_t(n));
  m.q.resize(size_t(n));
  for (int i = 0; i < n; ++i) {
    const auto u = rng::uniforms(seed, Stream::Position, mp, std::uint32_t(i), 0);
    if (s.layout == Layout::Uniform) {
      m.x[size_t(i)] = s.side * u.u[0];
      m.y[size_t(i)] = s.side * u.u[1];
    } else {  // site i joins centre c, itself a uniform point of the Cluster stream
      const auto c = std::uint32_t(u.u[0] * s.parents) % std::uint32_t(s.parents);
      const auto p = rng::uniforms(seed, Stream::Cluster, mp, c, 0);
      m.x[size_t(i)] = reflect(s.side * p.u[0] + s.cluster_sd * normal(u.u[1], u.u[2]), s.side);
      const auto w = rng::uniforms(seed, Stream::Position, mp, std::uint32_t(i), 1);
      m.y[size_t(i)] = reflect(s.side * p.u[1] + s.cluster_sd * normal(w.u[0], w.u[1]), s.side);
    }
    const auto v = rng::uniforms(seed, Stream::Population, mp, std::uint32_t(i), 0);
    switch (s.population) {
      case InitialPopulation::Constant: m.q[size_t(i)] = s.q0; break;
      case InitialPopulation::LogNormal:
        m.q[size_t(i)] = s.q0 * std::exp(s.sigma * normal(v.u[0], v.u[1]) - 0.5 * s.sigma * s.sigma);
        break;
      case InitialPopulation::Pareto:
        m.q[size_t(i)] = s.q0 * (s.pareto_alpha - 1.0) / s.pareto_alpha * std::pow(v.u[0], -1.0 / s.pareto_alpha);
        break;
    }
  }
  return m;
}

}  // namespace migra::sim
