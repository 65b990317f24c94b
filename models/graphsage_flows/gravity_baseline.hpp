#pragma once
/// The gravity baseline of paper 002 on the same records and split as the GNN: the power
/// gravity law log t_ij = c + a log m_i + b log m_j − g log d_ij fitted by ordinary least
/// squares to the positive train records (the log-linear fit that Deep Gravity and the GNN flow
/// literature compare against), predicting exp(...) for every record.
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

}  // namespace migra::gnn
