// Task kind `gnn.synth` (`migra gnn synth`): the synthetic city system of
// models/graphsage_flows/synthetic.hpp in gnn.train's input formats (the shipped
// data/synthetic366 is its default output).
#include <cstdio>

#include "host/tasks/task_kinds.hpp"
#include "models/graphsage_flows/synthetic.hpp"

namespace migra::tasks {
namespace {

using job::ParamType;
using job::Params;

void run(job::TaskContext& ctx) {
  const Params& p = ctx.params();
  gnn::SyntheticSystemConfig cfg;
  cfg.n = int(p["cities"].get<long long>());
  cfg.top_k = int(p["top-k"].get<long long>());
  cfg.extent = p["extent"];
  cfg.min_flow = p["min-flow"];
  cfg.seed = ctx.seed();
  const gnn::SyntheticSystem s = gnn::synthetic_system(cfg);
  std::string nodes = "id,x,y";
  for (const auto& f : s.feature_names) nodes += "," + f;
  nodes += "\n";
  char b[64];
  const size_t d = s.feature_names.size();
  for (size_t i = 0; i < s.x.size(); ++i) {
    std::snprintf(b, sizeof b, "c%03zu,%.3f,%.3f", i, s.x[i], s.y[i]);
    nodes += b;
    for (size_t f = 0; f < d; ++f) std::snprintf(b, sizeof b, ",%.0f", s.X[i * d + f]), nodes += b;
    nodes += "\n";
  }
  std::string flows = "origin,destination,flow\n";
  for (const auto& f : s.flows) {
    std::snprintf(b, sizeof b, "c%03d,c%03d,%.4f\n", f.origin, f.destination, f.flow);
    flows += b;
  }
  ctx.write_output("nodes.csv", nodes);
  ctx.write_output("flows.csv", flows);
  ctx.result = {{"cities", s.x.size()}, {"records", s.flows.size()}, {"seed", cfg.seed}};
  ctx.summary.push_back(std::to_string(s.x.size()) + " cities, " + std::to_string(s.flows.size()) + " OD records");
}

}  // namespace

job::TaskKind gnn_synth_task_kind() {
  job::TaskKind k;
  k.name = "gnn.synth";
  k.summary = "A synthetic city system like paper 002's (cities, 20 features, truncated flows from a known law)";
  k.uses_seed = true;
  k.params = {
      {"cities", ParamType::Int, "Number of cities", 366, {}, false, 10.0},
      {"top-k", ParamType::Int, "Partners kept per city and direction (the paper's data: 10)", 10, {}, false, 1.0},
      {"extent", ParamType::Real, "Side of the square, km", 3000.0, {}, false, 1.0},
      {"min-flow", ParamType::Real, "Records below this daily flow are dropped (the paper: 10)", 10.0, {}, false, 0.0},
  };
  k.outputs = [](const Params&) { return std::vector<std::string>{"nodes.csv", "flows.csv"}; };
  k.run = run;
  return k;
}

}  // namespace migra::tasks
