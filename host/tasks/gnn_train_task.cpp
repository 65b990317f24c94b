// Task kind `gnn.train` (`migra gnn train`): paper 002's GraphSAGE edge regression trained on
// the OD records of a node table, beside the gravity baseline on the same 60/20/20 split; CPC,
// RMSE and Pearson per split for both.
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "host/io/csv.hpp"
#include "host/io/local_projection.hpp"
#include "host/report/svg.hpp"
#include "host/tasks/task_kinds.hpp"
#include "kernels/core/error.hpp"
#include "kernels/stats/flow_metrics.hpp"
#include "models/graphsage_flows/gravity_baseline.hpp"
#include "models/graphsage_flows/sage.hpp"
#include "models/torch_runtime.hpp"

namespace migra::tasks {
namespace {

using job::ParamType;
using job::Params;

struct Nodes {
  std::vector<std::string> ids;
  std::map<std::string, int> index;
  std::vector<double> x, y, X;  ///< X: n×d raw features
  std::vector<std::string> features;
  std::string coordinates;
};

Nodes read_nodes(const std::string& path, const std::string& feature_list) {
  const io::CsvTable t = io::CsvTable::read(path);
  const bool lonlat = t.has_column("lon") || t.has_column("lat");
  const int c_id = t.column("id"), c_x = t.column(lonlat ? "lon" : "x"), c_y = t.column(lonlat ? "lat" : "y");
  Nodes n;
  std::stringstream ss(feature_list);
  std::vector<int> cols;
  for (std::string f; std::getline(ss, f, ',');) n.features.push_back(f), cols.push_back(t.column(f));
  MIGRA_THROW_IF_NOT_FMT(!cols.empty(), "'features': no feature column named");
  for (size_t r = 0; r < t.rows(); ++r) {
    const std::string& id = t.text(r, c_id);
    MIGRA_THROW_IF_NOT_FMT(n.index.emplace(id, int(r)).second, "%s: duplicate id '%s'", t.where(r, c_id).c_str(), id.c_str());
    n.ids.push_back(id);
    n.x.push_back(t.number(r, c_x)), n.y.push_back(t.number(r, c_y));
    for (int c : cols) n.X.push_back(t.number(r, c));
  }
  n.coordinates = lonlat ? io::project_local_albers(n.x, n.y) : "x, y as given (km)";
  return n;
}

std::vector<gnn::Record> read_records(const std::string& path, const Nodes& nodes, double min_flow, long long& self) {
  const io::CsvTable t = io::CsvTable::read(path);
  const int c_o = t.column("origin"), c_d = t.column("destination"), c_f = t.column("flow");
  std::map<std::pair<int, int>, double> sum;
  self = 0;
  for (size_t r = 0; r < t.rows(); ++r) {
    int ends[2];
    for (int k = 0; k < 2; ++k) {
      const int c = k == 0 ? c_o : c_d;
      const auto it = nodes.index.find(t.text(r, c));
      MIGRA_THROW_IF_NOT_FMT(it != nodes.index.end(), "%s: unknown node id '%s'", t.where(r, c).c_str(), t.text(r, c).c_str());
      ends[k] = it->second;
    }
    const double f = t.number(r, c_f);
    MIGRA_THROW_IF_NOT_FMT(f >= 0, "%s: negative flow %g", t.where(r, c_f).c_str(), f);
    if (ends[0] == ends[1]) { ++self; continue; }
    sum[{ends[0], ends[1]}] += f;
  }
  std::vector<gnn::Record> recs;
  for (const auto& [k, f] : sum)
    if (f >= min_flow && f > 0) recs.push_back({k.first, k.second, f});
  return recs;
}

nlohmann::json scores(const gnn::FlowGraph& g, const std::vector<double>& pred) {
  nlohmann::json j;
  for (gnn::Split s : {gnn::Split::Train, gnn::Split::Val, gnn::Split::Test}) {
    stats::FlowMetricsAccumulator acc;
    for (size_t k = 0; k < g.records.size(); ++k)
      if (g.split[k] == s) acc.add(g.records[k].flow, pred[k]);
    const stats::FlowMetrics m = acc.metrics();
    j[gnn::split_name(s)] = {{"cpc", m.cpc}, {"rmse", m.rmse}, {"pearson", m.pearson}, {"records", m.pairs}};
  }
  return j;
}

void run(job::TaskContext& ctx) {
  const Params& p = ctx.params();
  const Nodes nodes = read_nodes(p["nodes"], p["features"]);
  long long self = 0;
  std::vector<gnn::Record> recs = read_records(p["flows"], nodes, p["min-flow"], self);
  const int n = int(nodes.ids.size()), d = int(nodes.features.size());
  const gnn::FlowGraph g = gnn::build_graph(nodes.x, nodes.y, std::move(recs),
                                            p["weights"] == "global-max" ? gnn::WeightNorm::GlobalMax : gnn::WeightNorm::Row,
                                            p["edges"] == "complete" ? gnn::EdgeSet::Complete : gnn::EdgeSet::Observed, 0);
  const gnn::Standardizer st = gnn::Standardizer::fit(nodes.X, n, d, p["log1p"]);
  gnn::SageConfig cfg;
  cfg.hidden = int(p["hidden"].get<long long>());
  cfg.steps = int(p["steps"].get<long long>());
  cfg.repeats = int(p["repeats"].get<long long>());
  cfg.dropout = p["dropout"];
  cfg.lr = p["lr"];
  cfg.aggregator = p["aggregator"];
  cfg.float64 = p["float64"];
  cfg.seed = ctx.seed();
  // The scheduler placed the task; LibTorch trains there when it can (Debian's LibTorch is CPU-only).
  if (ctx.backend().is_gpu() && models::torch_has_cuda()) cfg.device = ctx.backend().name();
  else if (ctx.backend().is_gpu()) ctx.log("placed on " + ctx.backend().name() + ", but this LibTorch has no CUDA: training on the CPU");
  cfg.log_every = std::max(1, cfg.steps / 100);
  ctx.log("training " + std::to_string(cfg.repeats) + " GraphSAGE repeat(s) on " + std::to_string(n) + " nodes, " +
          std::to_string(g.records.size()) + " records, " + std::to_string(cfg.steps) + " steps");
  const gnn::SageResult res = gnn::train_sage(g, st.apply(nodes.X, n, d), d, cfg, [&](double f) { ctx.progress(f); });
  std::vector<double> mass;
  for (int i = 0; i < n; ++i) mass.push_back(nodes.X[size_t(i * d)]);
  const gnn::GravityFit grav = gnn::fit_gravity_baseline(g, mass, nodes.x, nodes.y);

  nlohmann::json metrics = {
      {"gnn", scores(g, res.prediction)}, {"gravity", scores(g, grav.prediction)},
      {"gravity_coefficients", {{"c", grav.c}, {"a", grav.a}, {"b", grav.b}, {"g", grav.g},
                                {"law", "log t = c + a log m_i + b log m_j - g log d_ij, OLS on positive train records; m = " +
                                            nodes.features[0]}}},
      {"nodes", n}, {"records", g.records.size()}, {"self_flows_dropped", self}, {"features", nodes.features},
      {"coordinates", nodes.coordinates}, {"device", res.device}, {"seconds_per_step", res.seconds_per_step},
      {"config", {{"hidden", cfg.hidden}, {"steps", cfg.steps}, {"repeats", cfg.repeats}, {"dropout", cfg.dropout},
                  {"lr", cfg.lr}, {"aggregator", cfg.aggregator}, {"weights", p["weights"]}, {"edges", p["edges"]},
                  {"dtype", cfg.float64 ? "float64" : "float32"}, {"seed", cfg.seed}}}};
  ctx.write_output("metrics.json", metrics.dump(2) + "\n");
  std::string csv = "origin,destination,flow,split,gnn,gravity\n";
  char line[256];
  for (size_t k = 0; k < g.records.size(); ++k) {
    const auto& r = g.records[k];
    std::snprintf(line, sizeof line, ",%.17g,%s,%.17g,%.17g\n", r.flow, gnn::split_name(g.split[k]), res.prediction[k],
                  grav.prediction[k]);
    csv += nodes.ids[size_t(r.origin)] + "," + nodes.ids[size_t(r.destination)] + line;
  }
  ctx.write_output("predictions.csv", csv);
  std::string tr = "step,train_rmse,val_rmse\n";
  std::vector<double> steps;
  for (size_t k = 0; k < res.logged_step.size(); ++k) {
    std::snprintf(line, sizeof line, "%d,%.17g,%.17g\n", res.logged_step[k], res.train_rmse[k], res.val_rmse[k]);
    tr += line;
    steps.push_back(res.logged_step[k]);
  }
  ctx.write_output("training.csv", tr);
  std::vector<std::pair<double, double>> test_pts;
  for (size_t k = 0; k < g.records.size(); ++k)
    if (g.split[k] == gnn::Split::Test) test_pts.emplace_back(g.records[k].flow, res.prediction[k]);
  report::ScatterOptions so;
  so.title = "GraphSAGE: observed vs predicted flows (test records)";
  so.x_label = "observed";
  so.y_label = "predicted";
  ctx.write_output("observed_vs_predicted.svg", report::svg_scatter(test_pts, so));
  report::CurveOptions co;
  co.title = "Training (eval-mode RMSE, mean over repeats)";
  co.x_label = "step";
  co.y_label = "RMSE";
  co.log_y = true;
  ctx.write_output("training.svg", report::svg_curves({{"train", "#2a6fb0", steps, res.train_rmse, {}, {}},
                                                        {"validation", "#d62", steps, res.val_rmse, {}, {}}}, co));
  ctx.result = metrics;
  std::snprintf(line, sizeof line, "test CPC: GraphSAGE %.4f, gravity %.4f (%zu records, %d repeats, %.2f ms/step on %s)",
                metrics["gnn"]["test"]["cpc"].get<double>(), metrics["gravity"]["test"]["cpc"].get<double>(),
                g.records.size(), cfg.repeats, 1e3 * res.seconds_per_step, res.device.c_str());
  ctx.summary.push_back(line);
}

}  // namespace

job::TaskKind gnn_train_task_kind() {
  job::TaskKind k;
  k.name = "gnn.train";
  k.summary = "Paper 002's GraphSAGE model of OD flows (LibTorch; repeats trained as one batched ensemble) with the "
              "gravity baseline on the same split; CPC, RMSE, Pearson per split";
  k.uses_seed = true;
  k.gpu_capable = true;  // through LibTorch's CUDA, when it has it
  k.params = {
      {"nodes", ParamType::Path, "CSV id, lon,lat (degrees) or x,y (km), and feature columns", nullptr, {}, true},
      {"flows", ParamType::Path, "CSV origin,destination,flow (self-flows are dropped; duplicates add up)", nullptr, {}, true},
      {"features", ParamType::String, "Comma-separated feature columns; the first is the gravity baseline's mass",
       "population"},
      {"min-flow", ParamType::Real, "Records with a smaller flow are dropped (the paper: 10 per day)", 0.0, {}, false, 0.0},
      {"repeats", ParamType::Int, "Independent models averaged (the paper: 10)", 10, {}, false, 1.0},
      {"steps", ParamType::Int, "Full-batch Adam steps (the paper: 10000)", 10000, {}, false, 0.0},
      {"hidden", ParamType::Int, "Hidden width (the paper: 256)", 256, {}, false, 1.0},
      {"dropout", ParamType::Real, "Dropout on the hidden layers", 0.5, {}, false, 0.0},
      {"lr", ParamType::Real, "Adam learning rate", 1e-3, {}, false, 0.0},
      {"aggregator", ParamType::String, "Neighbour aggregation", "pool", {"pool", "mean"}},
      {"weights", ParamType::String, "Inverse-distance W: row-normalised, or d_min/d (symmetric)", "row", {"row", "global-max"}},
      {"edges", ParamType::String, "Message-passing edges: the observed records, or all pairs", "observed",
       {"observed", "complete"}},
      {"log1p", ParamType::Bool, "log1p of the features before their z-scores", false},
      {"float64", ParamType::Bool, "Train in double precision", false},
  };
  k.outputs = [](const Params&) {
    return std::vector<std::string>{"metrics.json", "predictions.csv", "training.csv", "observed_vs_predicted.svg", "training.svg"};
  };
  k.run = run;
  return k;
}

}  // namespace migra::tasks
