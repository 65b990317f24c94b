#pragma once
/// Synthetic national city systems shaped like paper 002's data (spec §1): n cities scattered in
/// clusters, 20 features — population and employment in 19 sectors — and daily OD flows from a
/// known law with multiplicative noise, truncated like the paper's: each city keeps its top-k
/// partners per direction, and records under `min_flow` are dropped. Two laws:
///
/// `synthetic_system` (the shipped data/synthetic366): a non-linear gravity-type law in a
/// square of `extent` km, clusters of sd 6 % of the extent,
///   P_i ~ LogNormal(log 2e6, 0.8);  sector shares s_ik ∝ exp(0.5 ε_ik) around fixed base shares;
///   E_ik = 0.45 P_i s_ik (the employed)
///   t_ij = A · P_i^0.7 · (E_j,producer^0.5 E_j,consumer^0.4) · exp(−d_ij / 350) / (1 + d_ij/50)
///          · exp(0.3 η_ij − 0.045),   η ~ N(0, 1)
/// with A such that the median record before truncation is 100 per day.
///
/// `sg_system` (spec §6's generator SG, for its learning tests T15–T18): 25 clusters of sd
/// 150 km in a 4000 × 3000 km box,
///   P_i ~ LogNormal(log 400, 0.8);  s_i ~ Dirichlet(2·1_19);  E_if = 0.1 P_i s_if exp(0.1 ε_if)
///   t_ij = G · P_i P_j d_ij^−γ · exp(σ_n η_ij)
/// top-25 partners per direction, G such that the median kept record is 200.
///
/// Distances are floored at 1 km. Draws come from Philox (seed, Stream::Synthetic, ...), so a
/// set is a pure function of its configuration.
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

struct SgConfig {
  int n = 366, top_k = 25, clusters = 25;
  double width = 4000, height = 3000, cluster_sd = 150;  ///< km
  double gamma = 1, noise = 0;                            ///< γ and σ_n
  double min_flow = 10, median_flow = 200;
  std::uint64_t seed = 2024;
};

SyntheticSystem sg_system(const SgConfig& cfg);

}  // namespace migra::gnn
