// Task kind `gnn.explain` (`migra gnn explain`): GNNExplainer node-feature masks of a trained
// GraphSAGE ensemble (paper 002 §4): per node a feature mask, its row z-scores (the paper's
// beeswarm), a signed finite-difference sensitivity, and the features ranked over the nodes.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "host/report/svg.hpp"
#include "host/tasks/gnn_io.hpp"
#include "host/tasks/task_kinds.hpp"
#include "kernels/core/error.hpp"
#include "models/graphsage_flows/explainer.hpp"
#include "models/torch_runtime.hpp"

namespace migra::tasks {
namespace {

using job::ParamType;
using job::Params;

void run(job::TaskContext& ctx) {
  const Params& p = ctx.params();
  const GnnModel model = read_model_file(p["model"]);
  const GnnData data = read_gnn_data(p["nodes"], p["flows"], model);
  const int n = data.nodes.n(), d = data.nodes.d();
  gnn::ExplainConfig cfg;
  cfg.epochs = int(p["epochs"].get<long long>());
  cfg.batch = int(p["batch"].get<long long>());
  cfg.models = int(p["models"].get<long long>());
  cfg.lr = p["lr"];
  cfg.seed = ctx.seed();
  if (ctx.backend().is_gpu() && models::torch_has_cuda()) cfg.device = ctx.backend().name();
  if (p.contains("explain-nodes"))
    for (const auto& members : read_node_groups(p["explain-nodes"], data.nodes).members)
      cfg.nodes.insert(cfg.nodes.end(), members.begin(), members.end());
  const size_t count = cfg.nodes.empty() ? size_t(n) : cfg.nodes.size();
  ctx.log("explaining " + std::to_string(count) + " nodes, " + std::to_string(cfg.epochs) + " epochs each");
  const gnn::Explanation ex = gnn::explain_sage(model.net, data.graph, model.standardizer.apply(data.nodes.X, n, d), d, cfg,
                                                [&](double f) { ctx.progress(f); });
  const size_t m = ex.nodes.size();

  std::string csv = "id,feature,mask,importance,sensitivity\n";
  char line[256];
  std::vector<double> mean_z(static_cast<size_t>(d), 0.0), mean_abs_s(mean_z), mean_s(mean_z);
  std::vector<int> top(static_cast<size_t>(d), 0);
  for (size_t k = 0; k < m; ++k) {
    int best = 0;
    for (int f = 0; f < d; ++f) {
      const size_t at = k * size_t(d) + size_t(f);
      std::snprintf(line, sizeof line, ",%.17g,%.17g,%.17g\n", ex.mask[at], ex.importance[at], ex.sensitivity[at]);
      csv += data.nodes.ids[size_t(ex.nodes[k])] + "," + model.features[size_t(f)] + line;
      mean_z[size_t(f)] += ex.importance[at] / double(m);
      mean_s[size_t(f)] += ex.sensitivity[at] / double(m);
      mean_abs_s[size_t(f)] += std::fabs(ex.sensitivity[at]) / double(m);
      if (ex.importance[at] > ex.importance[k * size_t(d) + size_t(best)]) best = f;
    }
    ++top[size_t(best)];
  }
  ctx.write_output("importance.csv", csv);
  std::vector<int> order(static_cast<size_t>(d));
  for (int f = 0; f < d; ++f) order[size_t(f)] = f;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return mean_z[size_t(a)] > mean_z[size_t(b)]; });
  nlohmann::json ranking = nlohmann::json::array();
  for (int f : order)
    ranking.push_back({{"feature", model.features[size_t(f)]}, {"mean_importance", mean_z[size_t(f)]},
                       {"top_share", double(top[size_t(f)]) / double(m)}, {"mean_sensitivity", mean_s[size_t(f)]},
                       {"mean_abs_sensitivity", mean_abs_s[size_t(f)]}});
  double loss = 0;
  for (double l : ex.final_loss) loss += l / double(m);
  const nlohmann::json metrics = {{"nodes_explained", m}, {"models_explained", ex.models}, {"epochs", cfg.epochs},
                                  {"lr", cfg.lr}, {"mean_final_loss", loss}, {"ranking", ranking},
                                  {"note", "importance: row z-scores of the unsigned masks (more or less important than the "
                                           "node's average feature); sensitivity: d|z_i|/dx_if in standardised units, signed"}};
  ctx.write_output("metrics.json", metrics.dump(2) + "\n");

  // Beeswarm (Fig. 4): one row per feature (ranked), one dot per node at its z-score, coloured
  // by the node's feature value (terciles: blue low, grey middle, red high).
  std::vector<report::PointGroup> groups{{"low value", "#2a6fb0", {}, {}, {}, 2.5},
                                         {"middle", "#999", {}, {}, {}, 2.5},
                                         {"high value", "#d62", {}, {}, {}, 2.5}};
  report::PointsOptions po;
  po.title = "GNNExplainer feature importance (row z-scores of the masks)";
  po.x_label = "importance (z-score)";
  po.y_label = "";
  for (size_t row = 0; row < order.size(); ++row) {
    const int f = order[row];
    std::vector<double> v;
    for (size_t k = 0; k < m; ++k) v.push_back(data.nodes.X[size_t(ex.nodes[k]) * size_t(d) + size_t(f)]);
    std::vector<double> sorted = v;
    std::sort(sorted.begin(), sorted.end());
    const double lo = sorted[m / 3], hi = sorted[(2 * m) / 3];
    for (size_t k = 0; k < m; ++k) {
      const int tier = v[k] < lo ? 0 : (v[k] >= hi ? 2 : 1);
      const double jitter = 0.6 * (double((k * 2654435761u) % 1000) / 1000.0 - 0.5);
      groups[size_t(tier)].x.push_back(ex.importance[k * size_t(d) + size_t(f)]);
      groups[size_t(tier)].y.push_back(-double(row) + jitter);
    }
    po.y_ticks.emplace_back(-double(row), model.features[size_t(f)]);
  }
  ctx.write_output("importance.svg", report::svg_points(groups, po));
  std::vector<std::string> labels;
  std::vector<double> values;
  for (int f : order) labels.push_back(model.features[size_t(f)]), values.push_back(mean_z[size_t(f)]);
  ctx.write_output("ranking.svg", report::svg_bars(labels, values, "Mean feature importance over the nodes", "mean z-score"));
  ctx.result = {{"top_feature", model.features[size_t(order[0])]}, {"device", cfg.device}};
  std::string top_list;
  for (size_t k = 0; k < std::min<size_t>(3, order.size()); ++k) {
    std::snprintf(line, sizeof line, "%s%s (%.2f)", k ? ", " : "", model.features[size_t(order[k])].c_str(), mean_z[size_t(order[k])]);
    top_list += line;
  }
  std::snprintf(line, sizeof line, "%zu nodes explained; mean importance: %s", m, top_list.c_str());
  ctx.summary.push_back(line);
}

}  // namespace

job::TaskKind gnn_explain_task_kind() {
  job::TaskKind k;
  k.name = "gnn.explain";
  k.summary = "Paper 002's GNNExplainer: node-feature masks of a trained GraphSAGE ensemble, their row z-scores, a "
              "finite-difference sensitivity and the features ranked";
  k.uses_seed = true;
  k.gpu_capable = true;
  k.params = {
      {"nodes", ParamType::Path, "The gnn.train's node table", nullptr, {}, true},
      {"flows", ParamType::Path, "The gnn.train's flows (the graph)", nullptr, {}, true},
      {"model", ParamType::Path, "model.bin of the gnn.train", nullptr, {}, true},
      {"epochs", ParamType::Int, "Adam epochs per node (PyG's default: 100)", 100, {}, false, 1.0},
      {"lr", ParamType::Real, "Adam learning rate (PyG's default: 0.01)", 0.01, {}, false, 0.0},
      {"batch", ParamType::Int, "Nodes explained at once (masked copies of a model)", 32, {}, false, 1.0},
      {"models", ParamType::Int, "Explain the first K models of the ensemble (0: all)", 0, {}, false, 0.0},
      {"explain-nodes", ParamType::Path, "CSV id: explain only these nodes (default: all)"},
  };
  k.outputs = [](const Params&) {
    return std::vector<std::string>{"metrics.json", "importance.csv", "importance.svg", "ranking.svg"};
  };
  k.run = run;
  return k;
}

}  // namespace migra::tasks
