#pragma once
/// Node and set totals of predicted flows (paper 002 §5.3), accumulated in fp64 over the
/// prediction edges (the records): net flows are differences of large sums.
///
///   IN_i = Σ_{j→i} t_ji,  OUT_i = Σ_{i→j} t_ij,  NET_i = IN_i − OUT_i (> 0: net inflow),
///   NO_i = max(−NET_i, 0) (net outflow);  flow(A → B) = Σ_{i∈A, j∈B} t_ij
#include <vector>

#include "models/graphsage_flows/graph.hpp"

namespace migra::gnn {

struct NodeFlows {
  std::vector<double> in, out;
  double net(int i) const { return in[size_t(i)] - out[size_t(i)]; }
  double net_outflow(int i) const { return net(i) < 0 ? -net(i) : 0.0; }
};

/// flow: one value per record.
NodeFlows node_flows(const FlowGraph& g, const std::vector<double>& flow);

/// The predictions rescaled to each origin's observed outflow over all its records, the
/// information the singly constrained gravity model is given (spec §2.6):
///   t'_ij = O_i t_ij^pred / Σ_{k∈C_i} t_ik^pred,   O_i = Σ_{k∈C_i} t_ik
/// (an origin whose predictions are all 0 keeps them). Compares how a model shares out flows
/// apart from how well it guesses their totals.
std::vector<double> with_observed_outflows(const FlowGraph& g, const std::vector<double>& pred);

/// Σ of the records whose origin is in `from` and destination in `to` (membership flags per node).
double flow_between(const FlowGraph& g, const std::vector<double>& flow, const std::vector<char>& from,
                    const std::vector<char>& to);

}  // namespace migra::gnn
