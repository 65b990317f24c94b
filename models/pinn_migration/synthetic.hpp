#pragma once
/// Synthetic migration systems whose truth is the equation of motion (spec §6), for the tests
/// and for the shipped US-shaped data set (issue: 51 nodes + the external one, 13 years).
///
///   K = c_r F + c_d D,  G = diag(g_diag) + symmetric off-diagonal U(-g_off, g_off),
///   R'' = c_e λ(t) - G R' - K R - c_a a,  R(0) = R'(0) = 0 on t ∈ [0, 1], RK45 at rtol 1e-10,
/// F a random correlation matrix (A Aᵀ + I over its diagonal, A n × 3 standard normal), D the
/// normalised haversine distances, a = g(age). Draws come from Philox (seed, Stream::Migration),
/// so a system is a pure function of its seed.
///
/// Two forcings:
///  - spec §6:   λ_u(t) = α_u sin(2πt + φ_u) + β_u t,  α ∈ [2, 5], β ∈ [-3, 3], φ ∈ [0, 2π);
///  - features:  10 feature series per node, x_ui(t) = m_i exp(0.3 z_ui(t)) with
///               z_ui(t) = b_ui + s_ui t + 0.3 sin(2π t + φ_ui), and
///               λ_u(t) = 3 tanh(1.5 z_u1) + 1.5 z_u2² - 1.5 + 2 sin(z_u3) + z_u4 z_u5
///               (features 6–10 are noise the explainer should rank low).
#include <cstdint>
#include <string>
#include <vector>

#include "models/pinn_migration/pinn.hpp"

namespace migra::pinn {

struct SyntheticSystem {
  int n = 0;                                ///< real nodes (no external node here)
  std::vector<double> lat, lon, age;        ///< n
  std::vector<double> F, D, a;              ///< n × n, n × n, n
  Coefficients truth;                       ///< K, G, c_r, c_d, c_a, c_e
  std::vector<double> alpha, beta, phi;     ///< spec forcing (empty with features)
  std::vector<std::string> feature_names;   ///< feature forcing (empty with the spec forcing)
  std::vector<double> b, s, fphi;           ///< n × 10 feature parameters
  double lambda(int u, double t) const;
  /// Feature i of node u at time t (people-normalised units).
  double feature(int u, int i, double t) const;
  /// R at the given times (n × times), integrated at rtol 1e-10.
  std::vector<double> solve(const std::vector<double>& times) const;
};

struct SyntheticOptions {
  int n = 5;
  std::uint64_t seed = 1;
  bool features = false;          ///< the feature forcing instead of the spec's
  std::vector<double> lat, lon;   ///< given positions (else uniform in lat 50–60, lon 28–40)
  double age_lo = 30, age_hi = 45;
};
SyntheticSystem synthetic_system(const SyntheticOptions& opt);

/// A system's solution at `points` equally spaced times on [0, 1] as a PINN problem, over one
/// global scale s = max |R| (so that K and G keep their meaning; λ and c_a divide by s).
struct ScaledSystem {
  SyntheticSystem sys;
  Problem problem;
  double scale = 1;
};
ScaledSystem scaled_problem(SyntheticSystem sys, int points = 13);

}  // namespace migra::pinn
