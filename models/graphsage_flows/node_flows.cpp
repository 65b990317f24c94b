#include "models/graphsage_flows/node_flows.hpp"

namespace migra::gnn {

NodeFlows node_flows(const FlowGraph& g, const std::vector<double>& flow) {
  NodeFlows f{std::vector<double>(size_t(g.n), 0.0), std::vector<double>(size_t(g.n), 0.0)};
  for (size_t k = 0; k < g.records.size(); ++k) {
    f.out[size_t(g.records[k].origin)] += flow[k];
    f.in[size_t(g.records[k].destination)] += flow[k];
  }
  return f;
}

std::vector<double> with_observed_outflows(const FlowGraph& g, const std::vector<double>& pred) {
  std::vector<double> observed;
  for (const Record& r : g.records) observed.push_back(r.flow);
  const NodeFlows O = node_flows(g, observed), S = node_flows(g, pred);
  std::vector<double> out(pred);
  for (size_t k = 0; k < g.records.size(); ++k) {
    const size_t i = size_t(g.records[k].origin);
    if (S.out[i] > 0) out[k] = O.out[i] * pred[k] / S.out[i];
  }
  return out;
}

double flow_between(const FlowGraph& g, const std::vector<double>& flow, const std::vector<char>& from,
                    const std::vector<char>& to) {
  double s = 0;
  for (size_t k = 0; k < g.records.size(); ++k)
    if (from[size_t(g.records[k].origin)] && to[size_t(g.records[k].destination)]) s += flow[k];
  return s;
}

}  // namespace migra::gnn
