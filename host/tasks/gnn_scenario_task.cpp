// Task kind `gnn.scenario` (`migra gnn scenario`): paper 002's scenarios (spec §5) — scale chosen
// features of a node subset (raw values, then the training's frozen normalisation), re-predict
// every record with the trained ensemble in eval mode, and report node and set flows against
// the baseline: net flows, net outflows and their ratios, flow within the subset and across its
// boundary, and per region the flows to and from the subset.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <sstream>

#include "host/report/svg.hpp"
#include "host/tasks/gnn_io.hpp"
#include "host/tasks/task_kinds.hpp"
#include "kernels/core/error.hpp"
#include "models/graphsage_flows/node_flows.hpp"
#include "models/graphsage_flows/sector_groups.hpp"
#include "models/graphsage_flows/sage.hpp"
#include "models/torch_runtime.hpp"

namespace migra::tasks {
namespace {

using job::ParamType;
using job::Params;

/// "F02=2,F03=2" or "producer=2" (a sector group of the paper, gnn::sector_groups, unless the
/// model has a feature of that name) → (feature index, factor) pairs.
std::vector<std::pair<int, double>> parse_scale(const std::string& spec, const std::vector<std::string>& features) {
  std::vector<std::pair<int, double>> out;
  std::stringstream ss(spec);
  for (std::string item; std::getline(ss, item, ',');) {
    const size_t eq = item.find('=');
    MIGRA_THROW_IF_NOT_FMT(eq != std::string::npos, "'scale': '%s' is not FEATURE=FACTOR", item.c_str());
    const std::string name = item.substr(0, eq);
    char* end = nullptr;
    const double f = std::strtod(item.c_str() + eq + 1, &end);
    MIGRA_THROW_IF_NOT_FMT(end && *end == '\0' && eq + 1 < item.size() && std::isfinite(f) && f >= 0,
                           "'scale': factor of '%s' must be a number >= 0", name.c_str());
    const bool is_feature = std::find(features.begin(), features.end(), name) != features.end();
    const std::vector<std::string> members = is_feature ? std::vector<std::string>{name} : gnn::sector_group(name);
    MIGRA_THROW_IF_NOT_FMT(!members.empty(), "'scale': the model has no feature '%s' (sector groups: agriculture, "
                           "industry, consumer, producer, public)", name.c_str());
    for (const auto& m : members) {
      const auto it = std::find(features.begin(), features.end(), m);
      MIGRA_THROW_IF_NOT_FMT(it != features.end(), "'scale': sector group '%s' needs feature '%s', which the model lacks",
                             name.c_str(), m.c_str());
      const int index = int(it - features.begin());
      MIGRA_THROW_IF_NOT_FMT(std::none_of(out.begin(), out.end(), [&](const auto& e) { return e.first == index; }),
                             "'scale': feature '%s' is scaled twice", m.c_str());
      out.emplace_back(index, f);
    }
  }
  MIGRA_THROW_IF_NOT_FMT(!out.empty(), "'scale': no FEATURE=FACTOR given");
  return out;
}

nlohmann::json change(double base, double scen) {
  return {{"baseline", base}, {"scenario", scen}, {"change_pct", base != 0 ? 100.0 * (scen - base) / base : 0.0}};
}

void run(job::TaskContext& ctx) {
  const Params& p = ctx.params();
  const GnnModel model = read_model_file(p["model"]);
  const GnnData data = read_gnn_data(p["nodes"], p["flows"], model);
  const gnn::FlowGraph& g = data.graph;
  const int n = data.nodes.n(), d = data.nodes.d();
  const auto scale = parse_scale(p["scale"], model.features);
  const NodeGroups subset = read_node_groups(p["nodes-subset"], data.nodes);
  std::vector<char> in_set(size_t(n), 0), rest(size_t(n), 1);
  for (const auto& members : subset.members)
    for (int i : members) in_set[size_t(i)] = 1, rest[size_t(i)] = 0;

  std::vector<double> X = data.nodes.X;
  for (int i = 0; i < n; ++i)
    if (in_set[size_t(i)])
      for (const auto& [f, factor] : scale) X[size_t(i * d + f)] *= factor;
  std::string device = "cpu";
  if (ctx.backend().is_gpu() && models::torch_has_cuda()) device = ctx.backend().name();
  ctx.log("predicting " + std::to_string(g.records.size()) + " records, baseline and scenario");
  const gnn::SagePrediction base = gnn::predict_sage(model.net, g, model.standardizer.apply(data.nodes.X, n, d), d, device);
  ctx.progress(0.5);
  const gnn::SagePrediction scen = gnn::predict_sage(model.net, g, model.standardizer.apply(X, n, d), d, device);
  ctx.progress(1.0);
  const gnn::NodeFlows fb = gnn::node_flows(g, base.mean), fs = gnn::node_flows(g, scen.mean);

  double no_b = 0, no_s = 0, net_b = 0, net_s = 0;
  std::string csv = "id,in_subset,in_baseline,out_baseline,net_baseline,in_scenario,out_scenario,net_scenario,net_change,"
                    "net_outflow_ratio\n";
  char line[512];
  std::vector<std::pair<double, int>> moved;
  for (int i = 0; i < n; ++i) {
    if (in_set[size_t(i)]) {
      no_b += fb.net_outflow(i), no_s += fs.net_outflow(i), net_b += fb.net(i), net_s += fs.net(i);
      moved.emplace_back(-std::fabs(fs.net(i) - fb.net(i)), i);
    }
    const std::string ratio = fb.net_outflow(i) > 0 ? std::to_string(fs.net_outflow(i) / fb.net_outflow(i)) : "";
    std::snprintf(line, sizeof line, ",%d,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,", int(in_set[size_t(i)]),
                  fb.in[size_t(i)], fb.out[size_t(i)], fb.net(i), fs.in[size_t(i)], fs.out[size_t(i)], fs.net(i),
                  fs.net(i) - fb.net(i));
    csv += data.nodes.ids[size_t(i)] + line + ratio + "\n";
  }
  ctx.write_output("scenario.csv", csv);

  nlohmann::json scaled = nlohmann::json::object();
  for (const auto& [f, factor] : scale) scaled[model.features[size_t(f)]] = factor;
  nlohmann::json metrics = {
      {"scale", scaled}, {"subset_nodes", std::count(in_set.begin(), in_set.end(), 1)}, {"records", g.records.size()},
      {"negatives_clamped", {{"baseline", base.negatives}, {"scenario", scen.negatives}}},
      {"subset", {{"total_net_outflow", change(no_b, no_s)}, {"region_net_outflow", change(-net_b, -net_s)},
                  {"flow_within", change(gnn::flow_between(g, base.mean, in_set, in_set), gnn::flow_between(g, scen.mean, in_set, in_set))},
                  {"flow_with_rest", change(gnn::flow_between(g, base.mean, in_set, rest) + gnn::flow_between(g, base.mean, rest, in_set),
                                            gnn::flow_between(g, scen.mean, in_set, rest) + gnn::flow_between(g, scen.mean, rest, in_set))}}},
      {"total_flow", change(std::accumulate(base.mean.begin(), base.mean.end(), 0.0), std::accumulate(scen.mean.begin(), scen.mean.end(), 0.0))}};
  if (p.contains("regions")) {
    const NodeGroups regions = read_node_groups(p["regions"], data.nodes);
    for (size_t q = 0; q < regions.names.size(); ++q) {
      std::vector<char> r(size_t(n), 0);
      for (int i : regions.members[q])
        if (!in_set[size_t(i)]) r[size_t(i)] = 1;
      const double ib = gnn::flow_between(g, base.mean, r, in_set), is = gnn::flow_between(g, scen.mean, r, in_set);
      const double ob = gnn::flow_between(g, base.mean, in_set, r), os = gnn::flow_between(g, scen.mean, in_set, r);
      metrics["regions"][regions.names[q]] = {
          {"inflow_to_subset", change(ib, is)}, {"outflow_from_subset", change(ob, os)},
          {"net_inflow_ratio", {{"baseline", ob > 0 ? ib / ob : 0.0}, {"scenario", os > 0 ? is / os : 0.0}}}};
    }
  }
  ctx.write_output("metrics.json", metrics.dump(2) + "\n");

  std::sort(moved.begin(), moved.end());
  std::vector<std::string> labels;
  std::vector<double> values;
  for (size_t k = 0; k < std::min<size_t>(moved.size(), 30); ++k) {
    const int i = moved[k].second;
    labels.push_back(data.nodes.ids[size_t(i)]), values.push_back(fs.net(i) - fb.net(i));
  }
  ctx.write_output("scenario.svg", report::svg_bars(labels, values, "Scenario − baseline net flow (subset nodes, largest changes)",
                                                    "change of net inflow (flow units)"));
  ctx.result = {{"total_net_outflow_change_pct", metrics["subset"]["total_net_outflow"]["change_pct"]}, {"device", device}};
  std::snprintf(line, sizeof line, "subset of %d nodes: total net outflow %.6g -> %.6g (%+.2f %%), flow within %+.2f %%, with the rest %+.2f %%",
                int(metrics["subset_nodes"].get<long long>()), no_b, no_s,
                metrics["subset"]["total_net_outflow"]["change_pct"].get<double>(),
                metrics["subset"]["flow_within"]["change_pct"].get<double>(), metrics["subset"]["flow_with_rest"]["change_pct"].get<double>());
  ctx.summary.push_back(line);
}

}  // namespace

job::TaskKind gnn_scenario_task_kind() {
  job::TaskKind k;
  k.name = "gnn.scenario";
  k.summary = "Paper 002's scenarios: scale features of a node subset, re-predict with a trained GraphSAGE ensemble "
              "(frozen normalisation, eval mode), net flows and set flows against the baseline";
  k.gpu_capable = true;
  k.params = {
      {"nodes", ParamType::Path, "The gnn.train's node table", nullptr, {}, true},
      {"flows", ParamType::Path, "The gnn.train's flows (the records predicted)", nullptr, {}, true},
      {"model", ParamType::Path, "model.bin of the gnn.train", nullptr, {}, true},
      {"scale", ParamType::String, "FEATURE=FACTOR[,...] applied to the raw features of the subset; FEATURE may be a "
                                   "sector group of the paper (industry, consumer, producer, public, agriculture)", nullptr, {}, true},
      {"nodes-subset", ParamType::Path, "CSV id: the nodes whose features change", nullptr, {}, true},
      {"regions", ParamType::Path, "CSV id,group: regions whose flows to and from the subset are reported"},
  };
  k.outputs = [](const Params&) { return std::vector<std::string>{"metrics.json", "scenario.csv", "scenario.svg"}; };
  k.run = run;
  return k;
}

}  // namespace migra::tasks
