#pragma once
/// The gravity baselines of paper 002 on the same records and split as the GNN (spec §2.6).
///
/// Singly (production-) constrained, the spec's baseline (a):
///   t^_ij = O_i P_j^β d_ij^−γ / Σ_{k∈C_i} P_k^β d_ik^−γ,   C_i = i's destinations with records (all
///   splits), O_i = Σ_{j∈C_i} t_ij. (β, γ) maximise the multinomial log-likelihood
///   Σ_{train} t_ij log p_ij, p normalised over i's train destinations: a concave logit in
///   u_ij = (log P_j, −log d_ij), solved by Newton's method with step halving from (1, 2).
///
/// Log-linear (unconstrained): log t_ij = c + a log m_i + b log m_j − g log d_ij by ordinary least
/// squares on the positive train records (the fit most GNN-flow papers compare against).
#include <vector>

#include "models/graphsage_flows/graph.hpp"

namespace migra::gnn {

struct GravityFit {
  double c = 0, a = 0, b = 0, g = 0;
  std::vector<double> prediction;  ///< per record
};

/// mass: per node (> 0); x, y: planar km.
GravityFit fit_gravity_baseline(const FlowGraph& graph, const std::vector<double>& mass, const std::vector<double>& x,
                                const std::vector<double>& y);

struct ConstrainedGravityFit {
  double beta = 1, gamma = 2;
  int iterations = 0;
  bool converged = false;
  std::vector<double> prediction;  ///< per record
};

ConstrainedGravityFit fit_constrained_gravity(const FlowGraph& graph, const std::vector<double>& mass,
                                              const std::vector<double>& x, const std::vector<double>& y);

}  // namespace migra::gnn
