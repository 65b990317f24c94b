#pragma once
/// A synthetic national city system shaped like paper 002's data (spec §1): n cities (366 by
/// default) scattered in clusters over a square of `extent` km, 20 features — population and
/// employment in 19 sectors — and daily OD flows from a known non-linear gravity-type law with
/// multiplicative noise, truncated like the paper's: each city keeps its top-k partners per
/// direction, and records under `min_flow` are dropped.
///
///   P_i ~ LogNormal(log 2e6, 0.8);  sector shares s_ik ∝ exp(0.5 ε_ik) around fixed base shares;
///   E_ik = 0.45 P_i s_ik (the employed)
///   t_ij = A · P_i^0.7 · (E_j,producer^0.5 E_j,consumer^0.4) · exp(−d_ij / 350) / (1 + d_ij/50)
///          · exp(0.3 η_ij − 0.045),   η ~ N(0, 1)
///
/// A is chosen so that the median record before truncation is 100 per day. Draws come from
/// Philox (seed, Stream::Synthetic, ...), so the set is a pure function of the seed.
#include <cstdint>
#include <string>
#include <vector>

namespace migra::gnn {

struct SyntheticSystem {
  std::vector<double> x, y;              ///< km
  std::vector<std::string> feature_names; ///< population, then F01..F19
  std::vector<double> X;                 ///< n × 20
  struct Flow {
    int origin, destination;
    double flow;
  };
  std::vector<Flow> flows;
};

struct SyntheticSystemConfig {
  int n = 366, top_k = 10;
  double extent = 3000, min_flow = 10;
  std::uint64_t seed = 2024;
};

SyntheticSystem synthetic_system(const SyntheticSystemConfig& cfg);

}  // namespace migra::gnn
