// Task kind `gnn.train` (`migra gnn train`): paper 002's GraphSAGE edge regression trained on
// the OD records of a node table, beside its baselines on the same 60/20/20 split — the
// singly constrained gravity model, the log-linear gravity fit, Deep Gravity's MLP and the null
// model; CPC, RMSE and Pearson per split for each, and CPCs within node subsets.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <optional>

#include "host/io/csv.hpp"
#include "host/report/svg.hpp"
#include "host/tasks/gnn_io.hpp"
#include "host/tasks/fit_checkpointing.hpp"
#include "host/tasks/task_kinds.hpp"
#include "kernels/core/error.hpp"
#include "kernels/stats/flow_metrics.hpp"
#include "models/graphsage_flows/deep_gravity.hpp"
#include "models/graphsage_flows/gravity_baseline.hpp"
#include "models/graphsage_flows/node_flows.hpp"
#include "models/graphsage_flows/sage.hpp"
#include "models/torch_runtime.hpp"

namespace migra::tasks {
namespace {

using job::ParamType;
using job::Params;

/// The `top` largest observed records on a map, the GNN's predictions for the same pairs drawn
/// over them; places sized by the first feature (the gravity models' mass).
std::string top_flows_map(const gnn::FlowGraph& g, const GnnNodes& nodes, const std::vector<double>& pred, size_t top) {
  std::vector<size_t> order(g.records.size());
  std::iota(order.begin(), order.end(), size_t(0));
  const size_t k = std::min(top, order.size());
  std::partial_sort(order.begin(), order.begin() + std::ptrdiff_t(k), order.end(),
                    [&](size_t a, size_t b) { return g.records[a].flow > g.records[b].flow; });
  report::FlowLayer observed{"observed", "#999", {}, {}, {}}, gnn{"GraphSAGE", "#2a6fb0", {}, {}, {}};
  for (size_t q = 0; q < k; ++q) {
    const gnn::Record& r = g.records[order[q]];
    for (report::FlowLayer* l : {&observed, &gnn}) l->origin.push_back(r.origin), l->destination.push_back(r.destination);
    observed.value.push_back(r.flow);
    gnn.value.push_back(pred[order[q]]);
  }
  std::vector<double> mass;
  for (int i = 0; i < nodes.n(); ++i) mass.push_back(nodes.X[size_t(i) * size_t(nodes.d())]);
  return report::svg_flow_map(nodes.x, nodes.y, mass, {observed, gnn},
                              "The " + std::to_string(k) + " largest observed flows and GraphSAGE's predictions");
}

/// CPC, RMSE, Pearson of a prediction over the records `keep` accepts.
template <class Keep>
nlohmann::json score(const gnn::FlowGraph& g, const std::vector<double>& pred, Keep keep) {
  const stats::FlowMetrics m = gnn::record_metrics(g, pred.data(), keep);
  return {{"cpc", m.cpc}, {"rmse", m.rmse}, {"pearson", m.pearson}, {"records", m.pairs}};
}

nlohmann::json scores(const gnn::FlowGraph& g, const std::vector<double>& pred) {
  nlohmann::json j;
  for (gnn::Split s : {gnn::Split::Train, gnn::Split::Val, gnn::Split::Test})
    j[gnn::split_name(s)] = score(g, pred, [&](size_t k) { return g.split[k] == s; });
  j["all"] = score(g, pred, [](size_t) { return true; });
  return j;
}

/// Spec §3.4: per group, the share of the observed flow on records with both ends in it, and
/// each model's CPC there (test records and all records).
nlohmann::json subset_scores(const gnn::FlowGraph& g, const NodeGroups& groups,
                             const std::vector<std::pair<std::string, const std::vector<double>*>>& models) {
  nlohmann::json out = nlohmann::json::object();
  double total = 0;
  for (const auto& r : g.records) total += r.flow;
  for (size_t q = 0; q < groups.names.size(); ++q) {
    std::vector<char> in(size_t(g.n), 0);
    for (int i : groups.members[q]) in[size_t(i)] = 1;
    const auto inside = [&](size_t k) { return in[size_t(g.records[k].origin)] && in[size_t(g.records[k].destination)]; };
    double flow = 0;
    long long n = 0;
    for (size_t k = 0; k < g.records.size(); ++k)
      if (inside(k)) flow += g.records[k].flow, ++n;
    nlohmann::json j = {{"nodes", groups.members[q].size()}, {"records", n}, {"flow_share", total > 0 ? flow / total : 0.0}};
    for (const auto& [name, pred] : models)
      j[name] = {{"test_cpc", score(g, *pred, [&](size_t k) { return inside(k) && g.split[k] == gnn::Split::Test; })["cpc"]},
                 {"all_cpc", score(g, *pred, inside)["cpc"]}};
    out[groups.names[q]] = j;
  }
  return out;
}

/// The gravity baselines on the first feature column, fitted before the GNN (they take
/// moments). A column they cannot use (a mass <= 0; no spread for the log-linear fit) skips
/// them with a notice that names it, rather than failing the task after hours of training.
struct Baselines {
  std::optional<gnn::ConstrainedGravityFit> grav;
  std::optional<gnn::GravityFit> loglin;
};

Baselines fit_baselines(job::TaskContext& ctx, const gnn::FlowGraph& g, const GnnNodes& nodes) {
  std::vector<double> mass;
  for (int i = 0; i < nodes.n(); ++i) mass.push_back(nodes.X[size_t(i) * size_t(nodes.d())]);
  const std::string column = "column '" + nodes.features[0] + "' (the gravity models' mass, the first of --features)";
  for (int i = 0; i < nodes.n(); ++i)
    if (!(mass[size_t(i)] > 0)) {
      ctx.log("gravity baselines skipped: " + column + " is not positive at node '" + nodes.ids[size_t(i)] + "'");
      return {};
    }
  Baselines b;
  b.grav = gnn::fit_constrained_gravity(g, mass, nodes.x, nodes.y);
  try {
    b.loglin = gnn::fit_gravity_baseline(g, mass, nodes.x, nodes.y);
  } catch (const Error& e) {
    ctx.log(std::string("log-linear gravity baseline skipped (") + column + "): " + e.what());
  }
  return b;
}

void run(job::TaskContext& ctx) {
  const Params& p = ctx.params();
  GraphOptions go;
  go.weights = p["weights"] == "global-max" ? gnn::WeightNorm::GlobalMax : gnn::WeightNorm::Row;
  go.edges = p["edges"] == "complete" ? gnn::EdgeSet::Complete : gnn::EdgeSet::Observed;
  go.min_flow = p["min-flow"];
  const GnnData data = read_gnn_data(p["nodes"], p["flows"], p["features"], go);
  const GnnNodes& nodes = data.nodes;
  const gnn::FlowGraph& g = data.graph;
  const int n = nodes.n(), d = nodes.d();
  const gnn::Standardizer st = gnn::Standardizer::fit(nodes.X, n, d, p["log1p"]);
  const std::vector<double> Xs = st.apply(nodes.X, n, d);
  gnn::SageConfig cfg;
  cfg.hidden = int(p["hidden"].get<long long>());
  cfg.embedding = int(p["embedding"].get<long long>());
  cfg.directed = p["decoder"] == "directed";
  cfg.learn_power = p["weight-power"] == "learned";
  cfg.learn_decay = p["distance-decay"] == "learned";
  cfg.steps = int(p["steps"].get<long long>());
  cfg.repeats = int(p["repeats"].get<long long>());
  cfg.dropout = p["dropout"];
  cfg.lr = p["lr"];
  cfg.loss = p["loss"];
  cfg.aggregator = p["aggregator"];
  cfg.weight_before_pool = p["weight-before-pool"];
  cfg.final_bn_relu = p["final-bn-relu"];
  cfg.keep_best = p["keep"] == "best";
  cfg.float64 = p["float64"];
  cfg.seed = ctx.seed();
  cfg.log_every = int(p["val-every"].get<long long>());
  cfg.fanout = int(p["fanout"].get<long long>());
  // The scheduler placed the task; LibTorch trains there when it can (Debian's LibTorch is CPU-only).
  if (ctx.backend().is_gpu() && models::torch_has_cuda()) cfg.device = ctx.backend().name();
  else if (ctx.backend().is_gpu()) ctx.log("placed on " + ctx.backend().name() + ", but this LibTorch has no CUDA: training on the CPU");

  const models::Checkpointing ck = fit_checkpointing(ctx, cfg.log_every);  // saves at most every checkpoint_every_s()
  const int mlp_epochs = int(p["mlp-epochs"].get<long long>());
  const double gnn_share = mlp_epochs > 0 ? 0.8 : 1.0;  // of the progress bar
  ctx.log("training " + std::to_string(cfg.repeats) + " GraphSAGE repeat(s) on " + std::to_string(n) + " nodes, " +
          std::to_string(g.records.size()) + " records, " + std::to_string(cfg.steps) + " steps");
  const Baselines base = fit_baselines(ctx, g, nodes);
  const gnn::SageResult res = gnn::train_sage(g, Xs, d, cfg, [&](double f) { ctx.progress(gnn_share * f); }, ck);
  const auto log_per_repeat = [&](const std::string& what, const std::vector<double>& values) {
    std::string line;
    for (double v : values) line += (line.empty() ? "" : ", ") + io::exact_text(v, 4);
    ctx.log("decoder " + what + " per repeat: " + line);
  };
  if (cfg.learn_power) log_per_repeat("power theta", res.power);
  if (cfg.learn_decay) log_per_repeat("distance decay kappa", res.decay);
  if (res.negatives) ctx.log(std::to_string(res.negatives) + " negative predictions clamped to 0 (of " +
                             std::to_string(g.records.size() * size_t(cfg.repeats)) + ")");

  double mean_train = 0, n_train = 0;
  for (size_t k = 0; k < g.records.size(); ++k)
    if (g.split[k] == gnn::Split::Train) mean_train += g.records[k].flow, ++n_train;
  const std::vector<double> null_pred(g.records.size(), mean_train / std::max(1.0, n_train));
  gnn::DeepGravityResult mlp;
  if (mlp_epochs > 0) {
    gnn::DeepGravityConfig dc;
    dc.epochs = mlp_epochs;
    dc.patience = int(p["mlp-patience"].get<long long>());
    dc.lr = p["mlp-lr"];
    dc.seed = cfg.seed;
    dc.device = cfg.device;
    ctx.log("training the Deep Gravity MLP (up to " + std::to_string(mlp_epochs) + " epochs)");
    mlp = gnn::fit_deep_gravity(g, Xs, d, nodes.x, nodes.y, dc, [&](double f) { ctx.progress(gnn_share + (1 - gnn_share) * f); });
  }

  // Per-repeat test CPC (spec §3.1: mean ± sd beside the ensemble's).
  const size_t m = g.records.size();
  std::vector<double> rep_cpc;
  for (int r = 0; r < cfg.repeats; ++r) {
    const std::vector<double> pr(res.per_repeat.begin() + std::ptrdiff_t(size_t(r) * m),
                                 res.per_repeat.begin() + std::ptrdiff_t(size_t(r + 1) * m));
    rep_cpc.push_back(score(g, pr, [&](size_t k) { return g.split[k] == gnn::Split::Test; })["cpc"].get<double>());
  }
  double cm = 0, cv = 0;
  for (double c : rep_cpc) cm += c / double(rep_cpc.size());
  for (double c : rep_cpc) cv += (c - cm) * (c - cm) / double(std::max<size_t>(1, rep_cpc.size() - 1));

  nlohmann::json metrics = {
      {"gnn", scores(g, res.prediction)},
      {"gnn_repeats", {{"test_cpc", rep_cpc}, {"test_cpc_mean", cm}, {"test_cpc_sd", std::sqrt(cv)},
                       {"kept_step", res.best_step}, {"negatives_clamped", res.negatives},
                       {"weight_power", res.power}, {"distance_decay", res.decay}}},
      {"gnn_outflows_given", scores(g, gnn::with_observed_outflows(g, res.prediction))},
      {"null", scores(g, null_pred)},
      {"nodes", n}, {"records", m}, {"self_flows_dropped", data.self_flows}, {"features", nodes.features},
      {"coordinates", nodes.coordinates},
      {"config", {{"hidden", cfg.hidden}, {"embedding", cfg.embedding}, {"decoder", p["decoder"]},
                  {"weight_power", p["weight-power"]}, {"distance_decay", p["distance-decay"]}, {"steps", cfg.steps}, {"repeats", cfg.repeats}, {"dropout", cfg.dropout},
                  {"lr", cfg.lr}, {"loss", cfg.loss}, {"aggregator", cfg.aggregator}, {"weight_before_pool", cfg.weight_before_pool},
                  {"final_bn_relu", cfg.final_bn_relu}, {"keep", p["keep"]}, {"val_every", cfg.log_every}, {"fanout", cfg.fanout},
                  {"weights", p["weights"]}, {"edges", p["edges"]}, {"dtype", cfg.float64 ? "float64" : "float32"},
                  {"seed", cfg.seed}}}};
  std::vector<std::pair<std::string, const std::vector<double>*>> preds{{"gnn", &res.prediction}};
  if (const auto& f = base.grav) {
    metrics["gravity"] = scores(g, f->prediction);
    metrics["gravity_fit"] = {{"beta", f->beta}, {"gamma", f->gamma}, {"iterations", f->iterations}, {"converged", f->converged},
                              {"law", "t_ij = O_i P_j^beta d_ij^-gamma / sum_k P_k^beta d_ik^-gamma (singly constrained), "
                                      "multinomial likelihood on train records; P = " + nodes.features[0]}};
    preds.emplace_back("gravity", &f->prediction);
  }
  if (const auto& f = base.loglin) {
    metrics["gravity_loglinear"] = scores(g, f->prediction);
    metrics["gravity_loglinear_fit"] = {{"c", f->c}, {"a", f->a}, {"b", f->b}, {"g", f->g},
                                        {"law", "log t = c + a log m_i + b log m_j - g log d_ij, OLS on positive train records"}};
    preds.emplace_back("gravity_loglinear", &f->prediction);
  }
  if (mlp_epochs > 0) {
    metrics["mlp"] = scores(g, mlp.prediction);
    metrics["mlp_fit"] = {{"epochs_run", mlp.val_cpc.size()}, {"best_epoch", mlp.best_epoch}, {"val_cpc", mlp.val_cpc}};
    preds.emplace_back("mlp", &mlp.prediction);
  }
  if (p.contains("subsets"))
    metrics["subsets"] = subset_scores(g, read_node_groups(p["subsets"], nodes), preds);
  ctx.write_output("metrics.json", metrics.dump(2) + "\n");

  std::string csv = "origin,destination,flow,split";
  for (const auto& pr : preds) csv += "," + pr.first;
  csv += "\n";
  char line[256];
  for (size_t k = 0; k < m; ++k) {
    const auto& r = g.records[k];
    csv += nodes.ids[size_t(r.origin)] + "," + nodes.ids[size_t(r.destination)];
    std::snprintf(line, sizeof line, ",%.17g,%s", r.flow, gnn::split_name(g.split[k]));
    csv += line;
    for (const auto& pr : preds) std::snprintf(line, sizeof line, ",%.17g", (*pr.second)[k]), csv += line;
    csv += "\n";
  }
  ctx.write_output("predictions.csv", csv);
  GnnModel model{nodes.features, st, go, metrics["config"], res.net};
  ctx.write_output("model.bin", model_file_bytes(model));

  std::string tr = "step,train_rmse,val_rmse,val_cpc\n";
  std::vector<double> steps;
  for (size_t k = 0; k < res.logged_step.size(); ++k) {
    std::snprintf(line, sizeof line, "%d,%.17g,%.17g,%.17g\n", res.logged_step[k], res.train_rmse[k], res.val_rmse[k],
                  res.val_cpc[k]);
    tr += line;
    steps.push_back(res.logged_step[k]);
  }
  ctx.write_output("training.csv", tr);
  std::vector<std::pair<double, double>> test_pts;
  for (size_t k = 0; k < m; ++k)
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
  ctx.write_output("top_flows.svg", top_flows_map(g, nodes, res.prediction, 50));
  ctx.drop_checkpoint();
  // Timings, device and the resume point go to the manifest, so that metrics.json is the same
  // for a resumed fit as for an uninterrupted one.
  ctx.result = {{"gnn_test_cpc", metrics["gnn"]["test"]["cpc"]}, {"device", res.device}, {"seconds_per_step", res.seconds_per_step}, {"resumed_at_step", res.resumed_at}};
  if (base.grav) ctx.result["gravity_test_cpc"] = metrics["gravity"]["test"]["cpc"];
  if (mlp_epochs > 0) ctx.result["mlp_test_cpc"] = metrics["mlp"]["test"]["cpc"], ctx.result["mlp_seconds_per_epoch"] = mlp.seconds_per_epoch;
  std::snprintf(line, sizeof line,
                "test CPC: GraphSAGE %.4f (%.4f given the outflows), gravity %s%s (%zu records, %d repeats, %.2f ms/step on %s)",
                metrics["gnn"]["test"]["cpc"].get<double>(), metrics["gnn_outflows_given"]["test"]["cpc"].get<double>(),
                base.grav ? std::to_string(metrics["gravity"]["test"]["cpc"].get<double>()).substr(0, 6).c_str() : "skipped",
                mlp_epochs > 0 ? (", MLP " + std::to_string(metrics["mlp"]["test"]["cpc"].get<double>()).substr(0, 6)).c_str() : "",
                m, cfg.repeats, 1e3 * res.seconds_per_step, res.device.c_str());
  ctx.summary.push_back(line);
}

}  // namespace

job::TaskKind gnn_train_task_kind() {
  job::TaskKind k;
  k.name = "gnn.train";
  k.summary = "Paper 002's GraphSAGE model of OD flows (LibTorch; repeats trained as one batched ensemble) beside the "
              "constrained and log-linear gravity models, Deep Gravity's MLP and the null model; CPC, RMSE, Pearson per split";
  k.uses_seed = true;
  k.gpu_capable = true;  // through LibTorch's CUDA, when it has it
  k.params = {
      {"nodes", ParamType::Path, "CSV id, lon,lat (degrees) or x,y (km), and feature columns", nullptr, {}, true},
      {"flows", ParamType::Path, "CSV origin,destination,flow (self-flows are dropped; duplicates add up)", nullptr, {}, true},
      {"features", ParamType::String, "Comma-separated feature columns; the first is the gravity models' mass",
       "population"},
      {"min-flow", ParamType::Real, "Records with a smaller flow are dropped (the paper: 10 per day)", 0.0, {}, false, 0.0},
      {"repeats", ParamType::Int, "Independent models averaged (the paper: 10)", 10, {}, false, 1.0},
      {"steps", ParamType::Int, "Full-batch Adam steps (the paper: 10000)", 10000, {}, false, 0.0},
      {"hidden", ParamType::Int, "Hidden width (the paper: 256)", 256, {}, false, 1.0},
      {"embedding", ParamType::Int, "Width k of the node output z; the decoder is t_ij = w_ij <z_i, z_j> (the paper: 1)",
       1, {}, false, 1.0},
      {"decoder", ParamType::String, "symmetric: the paper's t_ij = w_ij <z_i, z_j>; directed: z_i = (a_i, b_i) and "
                                     "t_ij = w_ij <a_i, b_j>, a node's origin and destination roles apart", "symmetric",
       {"symmetric", "directed"}},
      {"weight-power", ParamType::String, "The decoder's t_ij = w_ij^theta <z_i, z_j>: fixed theta = 1 (the paper), or "
                                          "learned, one theta per repeat trained from 1 (a deterrence d^-theta the data choose)",
       "fixed", {"fixed", "learned"}},
      {"distance-decay", ParamType::String, "none: the paper's decoder; learned: t_ij also times exp(-kappa (d_ij / d_m - 1)), "
                                            "one kappa per repeat trained from 0 (d_m the train records' mean distance; with "
                                            "a learned power, the deterrence d^-theta e^(-kappa d / d_m))",
       "none", {"none", "learned"}},
      {"dropout", ParamType::Real, "Dropout on the hidden layers", 0.5, {}, false, 0.0},
      {"lr", ParamType::Real, "Adam learning rate", 1e-3, {}, false, 0.0},
      {"loss", ParamType::String, "Training loss on the train records, and what validation keeps the lowest of: the RMSE "
                                  "(the paper), or the mean absolute error, closest to CPC = 1 - sum|t - t~| / (sum t + sum t~)",
       "rmse", {"rmse", "mae"}},
      {"aggregator", ParamType::String, "Neighbour aggregation", "pool", {"pool", "mean"}},
      {"weight-before-pool", ParamType::Bool, "The paper's literal Eq. 1: w_ji scales h_j before the pool MLP (DGL: after)",
       false},
      {"final-bn-relu", ParamType::Bool, "The literal stack: BatchNorm + ReLU after the last layer, decoder scaled by "
                                         "mean(t_train)/mean(w_train)", false},
      {"keep", ParamType::String, "Weights each repeat keeps: its lowest validation loss, or the final ones", "best",
       {"best", "final"}},
      {"fanout", ParamType::Int, "Neighbour sampling: in-edges per node drawn each training step (0: all; "
                                 "evaluation always uses all)", 0, {}, false, 0.0},
      {"val-every", ParamType::Int, "Steps between validations (and chances to checkpoint)", 100, {}, false, 1.0},
      {"weights", ParamType::String, "Inverse-distance W: row-normalised, or d_min/d (symmetric)", "row", {"row", "global-max"}},
      {"edges", ParamType::String, "Message-passing edges: the observed records, or all pairs", "observed",
       {"observed", "complete"}},
      {"log1p", ParamType::Bool, "log1p of the features before their z-scores", false},
      {"float64", ParamType::Bool, "Train in double precision", false},
      {"mlp-epochs", ParamType::Int, "Deep Gravity MLP baseline: most epochs (0: no MLP)", 2000, {}, false, 0.0},
      {"mlp-patience", ParamType::Int, "Deep Gravity: epochs without a better validation CPC before stopping", 20, {}, false, 1.0},
      {"mlp-lr", ParamType::Real, "Deep Gravity: RMSprop learning rate", 5e-6, {}, false, 0.0},
      {"subsets", ParamType::Path, "CSV id[,group]: CPC within each group of nodes (agglomerations, spec §3.4)"},
  };
  k.outputs = [](const Params&) {
    return std::vector<std::string>{"metrics.json", "predictions.csv", "model.bin", "training.csv", "observed_vs_predicted.svg",
                                    "training.svg", "top_flows.svg"};
  };
  k.run = run;
  return k;
}

}  // namespace migra::tasks
