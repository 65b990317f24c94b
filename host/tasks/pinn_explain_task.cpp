// Task kind `pinn.explain` (`migra pinn explain`): paper 000's regression of the learned force λ
// on socio-economic features (spec §4.1): XGBoost (250 trees of depth 2) over 200 random 80/20
// splits, Table-1 metrics (train "reconstruction", test "prediction", mean ± std), the linear
// baseline and a node-grouped split on the same protocol, and TreeSHAP on all rows with the
// additivity check.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "host/io/csv.hpp"
#include "host/report/svg.hpp"
#include "host/tasks/pinn_io.hpp"
#include "host/tasks/task_kinds.hpp"
#include "kernels/core/error.hpp"
#include "models/pinn_migration/regression.hpp"

namespace migra::tasks {
namespace {

using job::ParamType;
using job::Params;

nlohmann::json table(const pinn::ProtocolResult& r) {
  const auto ms = [](const pinn::MeanStd& m) { return nlohmann::json{{"mean", m.mean}, {"std", m.std}}; };
  return {{"reconstruction_r2", ms(r.train_r2)}, {"reconstruction_rmse", ms(r.train_rmse)},
          {"prediction_r2", ms(r.test_r2)}, {"prediction_rmse", ms(r.test_rmse)}, {"splits", r.splits}};
}

void run(job::TaskContext& ctx) {
  const Params& p = ctx.params();
  const MigrationNodes nodes = read_migration_nodes(p["nodes"]);
  const FeatureTable ft = read_features(p["features"], nodes);
  const LambdaSeries ls = read_lambda_series(p["series"], nodes);
  const bool with_year = p["year-feature"];
  const int m = int(nodes.ids.size()), F = int(ft.names.size()), cols = F + (with_year ? 1 : 0);
  const size_t P = ls.years.size();
  MIGRA_THROW_IF_NOT_FMT(ls.years.front() >= ft.years.front() - 1e-9 && ls.years.back() <= ft.years.back() + 1e-9,
                         "%s: features cover %g–%g, but λ runs %g–%g (PCHIP does not extrapolate here)",
                         p["features"].get<std::string>().c_str(), ft.years.front(), ft.years.back(), ls.years.front(),
                         ls.years.back());
  const std::vector<double> X = pinn::design_matrix(ft.X, m, ft.years, F, ls.years, with_year);
  std::vector<double> y(ls.lambda.begin(), ls.lambda.begin() + long(size_t(m) * P));  // real nodes only
  std::vector<int> groups;
  for (int u = 0; u < m; ++u) groups.insert(groups.end(), P, u);
  std::vector<std::string> names = ft.names;
  if (with_year) names.push_back("year");

  pinn::TreeConfig tc;
  tc.trees = int(p["trees"].get<long long>()), tc.depth = int(p["depth"].get<long long>()), tc.seed = ctx.seed();
  const int splits = int(p["splits"].get<long long>());
  const double share = p["test-share"];
  ctx.log("XGBoost on " + std::to_string(y.size()) + " rows × " + std::to_string(cols) + " features, " +
          std::to_string(splits) + " splits");
  const pinn::ProtocolResult trees = pinn::split_protocol(X, y, cols, pinn::Regressor::Trees, tc, splits, share, ctx.seed());
  ctx.progress(0.5);
  const pinn::ProtocolResult grouped =
      pinn::split_protocol(X, y, cols, pinn::Regressor::Trees, tc, std::max(1, splits / 10), share, ctx.seed(), groups);
  const pinn::ProtocolResult linear = pinn::split_protocol(X, y, cols, pinn::Regressor::Linear, tc, splits, share, ctx.seed());
  // λ max-abs scaled to [-1, 1] (spec §7.13): R² is unchanged, RMSE divides by the scale.
  double lam_scale = 0;
  for (double v : y) lam_scale = std::max(lam_scale, std::fabs(v));
  ctx.progress(0.8);

  // SHAP: one model on all rows, explaining all rows.
  const pinn::BoostedTrees all = pinn::BoostedTrees::fit(X, y, cols, [&] { auto t = tc; t.threads = 0; return t; }());
  const std::vector<double> pred = all.predict(X), phi = all.contributions(X);
  double additivity = 0, pred_top = 0;
  for (double v : pred) pred_top = std::max(pred_top, std::fabs(v));
  std::vector<double> mean_abs(size_t(cols), 0.0);
  for (size_t r = 0; r < y.size(); ++r) {
    double s = 0;
    for (int c = 0; c <= cols; ++c) s += phi[r * size_t(cols + 1) + size_t(c)];
    additivity = std::max(additivity, std::fabs(s - pred[r]));
    for (int c = 0; c < cols; ++c) mean_abs[size_t(c)] += std::fabs(phi[r * size_t(cols + 1) + size_t(c)]) / double(y.size());
  }
  std::vector<int> order(static_cast<size_t>(cols));
  for (int c = 0; c < cols; ++c) order[size_t(c)] = c;
  std::sort(order.begin(), order.end(), [&](int a, int b) { return mean_abs[size_t(a)] > mean_abs[size_t(b)]; });
  nlohmann::json ranking = nlohmann::json::array();
  std::string imp = "rank,feature,mean_abs_shap\n";
  for (int k = 0; k < cols; ++k) {
    const int c = order[size_t(k)];
    ranking.push_back({{"feature", names[size_t(c)]}, {"mean_abs_shap", mean_abs[size_t(c)]}});
    imp += std::to_string(k + 1) + "," + io::csv_field(names[size_t(c)]) + "," + io::exact_text(mean_abs[size_t(c)]) + "\n";
  }
  std::string shap = "node,year,lambda,prediction";
  for (const auto& n : names) shap += ",value_" + n;
  for (const auto& n : names) shap += ",shap_" + n;
  shap += ",bias\n";
  for (int u = 0; u < m; ++u)
    for (size_t q = 0; q < P; ++q) {
      const size_t r = size_t(u) * P + q;
      shap += io::csv_field(nodes.ids[size_t(u)]) + "," + io::exact_text(ls.years[q]) + "," + io::exact_text(y[r]) + "," +
              io::exact_text(pred[r]);
      for (int c = 0; c < cols; ++c) shap += "," + io::exact_text(X[r * size_t(cols) + size_t(c)]);
      for (int c = 0; c <= cols; ++c) shap += "," + io::exact_text(phi[r * size_t(cols + 1) + size_t(c)]);
      shap += "\n";
    }
  // Beeswarm-style summary: one row per feature (most important on top), SHAP on x, colour
  // by the feature value's tercile within its column.
  std::vector<report::PointGroup> swarm = {{"low value", "#2a6fb0", {}, {}, {}, 2},
                                           {"middle", "#999", {}, {}, {}, 2},
                                           {"high value", "#d62", {}, {}, {}, 2}};
  for (int k = 0; k < cols; ++k) {
    const int c = order[size_t(k)];
    std::vector<double> v;
    for (size_t r = 0; r < y.size(); ++r) v.push_back(X[r * size_t(cols) + size_t(c)]);
    std::vector<double> sorted = v;
    std::sort(sorted.begin(), sorted.end());
    const double t1 = sorted[sorted.size() / 3], t2 = sorted[2 * sorted.size() / 3];
    for (size_t r = 0; r < y.size(); r += std::max<size_t>(1, y.size() / 600)) {
      const int g = v[r] < t1 ? 0 : (v[r] < t2 ? 1 : 2);
      const double jitter = 0.3 * (double((r * 2654435761u) % 1000) / 1000.0 - 0.5);
      swarm[size_t(g)].x.push_back(phi[r * size_t(cols + 1) + size_t(c)]);
      swarm[size_t(g)].y.push_back(double(cols - k) + jitter);
    }
  }
  report::PointsOptions po;
  po.title = "SHAP values of λ, features by mean |SHAP|";
  po.x_label = "SHAP value (λ units)";
  po.y_label = "";
  for (int k = 0; k < cols; ++k) po.y_ticks.emplace_back(double(cols - k), names[size_t(order[size_t(k)])]);

  const nlohmann::json metrics = {
      {"xgboost", table(trees)}, {"xgboost_node_grouped", table(grouped)}, {"linear", table(linear)},
      {"lambda_max_abs", lam_scale},
      {"prediction_rmse_scaled", trees.test_rmse.mean / (lam_scale > 0 ? lam_scale : 1.0)},
      {"reconstruction_rmse_scaled", trees.train_rmse.mean / (lam_scale > 0 ? lam_scale : 1.0)},
      {"shap", {{"ranking", ranking}, {"additivity_max_abs_error", additivity},
                // XGBoost sums in float32: relative to the largest |prediction| it is ~1e-7
                {"additivity_max_rel_error", additivity / std::max(1e-300, pred_top)}}},
      {"rows", y.size()}, {"features", names},
      {"config", {{"trees", tc.trees}, {"depth", tc.depth}, {"splits", splits}, {"test_share", share},
                  {"year_feature", with_year}, {"seed", ctx.seed()}, {"eta", 0.3}, {"tree_method", "hist"}}}};
  const nlohmann::json design = {{"features", ft.names}, {"year_feature", with_year}, {"columns", names}};
  ctx.write_output("metrics.json", metrics.dump(2) + "\n");
  ctx.write_output("importance.csv", imp);
  ctx.write_output("shap.csv", shap);
  ctx.write_output("shap.svg", report::svg_points(swarm, po));
  ctx.write_output("model.json", all.to_json());
  ctx.write_output("design.json", design.dump(1) + "\n");
  ctx.result = {{"prediction_r2", trees.test_r2.mean}, {"reconstruction_r2", trees.train_r2.mean}, {"top_feature", names[size_t(order[0])]}};
  char line[200];
  std::snprintf(line, sizeof line, "XGBoost λ ~ features: reconstruction R² %.3f ± %.3f, prediction R² %.3f ± %.3f (linear %.3f); top SHAP: %s",
                trees.train_r2.mean, trees.train_r2.std, trees.test_r2.mean, trees.test_r2.std, linear.test_r2.mean,
                names[size_t(order[0])].c_str());
  ctx.summary.push_back(line);
}

}  // namespace

job::TaskKind pinn_explain_task_kind() {
  job::TaskKind k;
  k.name = "pinn.explain";
  k.summary = "Paper 000's regression of the PINN's λ on features: XGBoost over random 80/20 splits (Table 1 metrics), "
              "the linear baseline, TreeSHAP importance";
  k.uses_seed = true;
  k.params = {
      {"series", ParamType::Path, "series.csv of a pinn.fit (its λ on the collocation grid)", nullptr, {}, true},
      {"features", ParamType::Path, "CSV node,year,<feature columns> (per capita; every node in every year)", nullptr, {}, true},
      {"nodes", ParamType::Path, "CSV id,lat,lon,mean_age (the fit's nodes)", nullptr, {}, true},
      {"splits", ParamType::Int, "Random 80/20 splits (the paper: 200)", 200, {}, false, 1.0},
      {"test-share", ParamType::Real, "Share of rows held out", 0.2, {}, false, 0.0},
      {"trees", ParamType::Int, "Boosting rounds (the paper: 250)", 250, {}, false, 1.0},
      {"depth", ParamType::Int, "Tree depth (the paper: 2)", 2, {}, false, 1.0},
      {"year-feature", ParamType::Bool, "The year as a feature (the paper's US experiment)", true},
  };
  k.outputs = [](const Params&) {
    return std::vector<std::string>{"metrics.json", "importance.csv", "shap.csv", "shap.svg", "model.json", "design.json"};
  };
  k.run = run;
  return k;
}

}  // namespace migra::tasks
