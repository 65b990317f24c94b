// Task kind `gnn.synth` (`migra gnn synth`): the synthetic city system of
// models/graphsage_flows/synthetic.hpp in gnn.train's input formats (the shipped
// data/synthetic366 is its default output).
#include <cstdio>

#include "host/tasks/task_kinds.hpp"
#include "kernels/core/error.hpp"
#include "models/graphsage_flows/synthetic.hpp"

namespace migra::tasks {
namespace {

using job::ParamType;
using job::Params;

gnn::SyntheticSystem system(const Params& p, std::uint64_t seed) {
  const int top_k = int(p["top-k"].get<long long>());
  const double extent = p["extent"];
  if (p["law"] == "sg") {
    gnn::SgConfig c;
    c.n = int(p["cities"].get<long long>());
    if (top_k > 0) c.top_k = top_k;
    if (extent > 0) c.width = extent * 4 / 3, c.height = extent;
    c.gamma = p["gamma"];
    c.noise = p["noise"];
    c.min_flow = p["min-flow"];
    c.seed = seed;
    return gnn::sg_system(c);
  }
  MIGRA_THROW_IF_NOT_FMT(double(p["gamma"]) == 1.0 && double(p["noise"]) == 0.0,
                         "'gamma' and 'noise' set the law of --law sg; the paper law has its own constants");
  gnn::SyntheticSystemConfig c;
  c.n = int(p["cities"].get<long long>());
  if (top_k > 0) c.top_k = top_k;
  if (extent > 0) c.extent = extent;
  c.min_flow = p["min-flow"];
  c.seed = seed;
  return gnn::synthetic_system(c);
}

void run(job::TaskContext& ctx) {
  const gnn::SyntheticSystem s = system(ctx.params(), ctx.seed());
  std::string nodes = "id,x,y";
  for (const auto& f : s.feature_names) nodes += "," + f;
  nodes += "\n";
  char b[64];
  const size_t d = s.feature_names.size();
  for (size_t i = 0; i < s.x.size(); ++i) {
    std::snprintf(b, sizeof b, "c%03zu,%.3f,%.3f", i, s.x[i], s.y[i]);
    nodes += b;
    for (size_t f = 0; f < d; ++f) std::snprintf(b, sizeof b, ",%.10g", s.X[i * d + f]), nodes += b;
    nodes += "\n";
  }
  std::string flows = "origin,destination,flow\n";
  for (const auto& f : s.flows) {
    std::snprintf(b, sizeof b, "c%03d,c%03d,%.4f\n", f.origin, f.destination, f.flow);
    flows += b;
  }
  ctx.write_output("nodes.csv", nodes);
  ctx.write_output("flows.csv", flows);
  ctx.result = {{"cities", s.x.size()}, {"records", s.flows.size()}, {"law", ctx.params()["law"]}, {"seed", ctx.seed()}};
  ctx.summary.push_back(std::to_string(s.x.size()) + " cities, " + std::to_string(s.flows.size()) + " OD records");
}

}  // namespace

job::TaskKind gnn_synth_task_kind() {
  job::TaskKind k;
  k.name = "gnn.synth";
  k.summary = "A synthetic city system like paper 002's (cities, 20 features, truncated flows from a known law)";
  k.uses_seed = true;
  k.params = {
      {"law", ParamType::String,
       "paper: a non-linear gravity-type law shaped like the paper's data (data/synthetic366); sg: the spec's test "
       "generator SG, t_ij = G P_i P_j d_ij^-gamma exp(noise N(0,1))", "paper", {"paper", "sg"}},
      {"cities", ParamType::Int, "Number of cities", 366, {}, false, 10.0},
      {"top-k", ParamType::Int, "Partners kept per city and direction; 0: the law's own (paper 10, sg 25)", 0, {}, false, 0.0},
      {"extent", ParamType::Real, "Side of the square (paper) or height of the 4:3 box (sg), km; 0: the law's own (3000)", 0.0, {}, false, 0.0},
      {"gamma", ParamType::Real, "sg: the distance exponent", 1.0, {}, false, 0.0},
      {"noise", ParamType::Real, "sg: sd of the log-normal noise on each flow", 0.0, {}, false, 0.0},
      {"min-flow", ParamType::Real, "Records below this daily flow are dropped (the paper: 10)", 10.0, {}, false, 0.0},
  };
  k.outputs = [](const Params&) { return std::vector<std::string>{"nodes.csv", "flows.csv"}; };
  k.run = run;
  return k;
}

}  // namespace migra::tasks
