// Task kind `pinn.scenario` (`migra pinn scenario`): paper 000's what-if (spec §4.3): scale one
// feature of chosen nodes (e.g. salary ×1.7), re-predict their λ with the explainer's XGBoost
// model, integrate the identified equation of motion (RK45) for the baseline and the scenario
// as one batched system, and report scenario − baseline in people. Nodes whose features are
// unchanged get the same λ in both, so their difference comes only through the coupling.
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

#include "host/io/csv.hpp"
#include "host/io/read_file.hpp"
#include "host/report/svg.hpp"
#include "host/tasks/pinn_io.hpp"
#include "host/tasks/task_kinds.hpp"
#include "kernels/core/error.hpp"
#include "models/pinn_migration/motion.hpp"
#include "models/pinn_migration/regression.hpp"
#include "models/torch_runtime.hpp"

namespace migra::tasks {
namespace {

using job::ParamType;
using job::Params;

void run(job::TaskContext& ctx) {
  const Params& p = ctx.params();
  const MigrationNodes nodes = read_migration_nodes(p["nodes"]);
  const FeatureTable ft = read_features(p["features"], nodes);
  const LambdaSeries ls = read_lambda_series(p["series"], nodes);
  const nlohmann::json co = io::read_json_file(p["coefficients"]), design = io::read_json_file(p["design"]);
  const int m = int(nodes.ids.size()), n = m + 1;
  const std::string cpath = p["coefficients"];
  MIGRA_THROW_IF_NOT_FMT(co.contains("K") && co["K"].size() == size_t(n * n) && co["G"].size() == size_t(n * n) &&
                             co["a"].size() == size_t(n) && co["scale"].size() == size_t(n),
                         "%s: K, G, a and scale for %d nodes (the nodes table + the external one) expected", cpath.c_str(), n);
  pinn::Coefficients c;
  c.K = co["K"].get<std::vector<double>>(), c.G = co["G"].get<std::vector<double>>();
  c.c_a = co["c_a"], c.c_e = co["c_e"];
  const std::vector<double> a = co["a"], scale = co["scale"];
  const std::vector<std::string> cols = design["columns"];
  MIGRA_THROW_IF_NOT_FMT(design["features"].get<std::vector<std::string>>() == ft.names,
                         "%s: the features table's columns differ from those the model was trained on",
                         p["features"].get<std::string>().c_str());
  const bool with_year = design["year_feature"];
  const int F = int(ft.names.size()), ncol = int(cols.size());

  // The change: feature × factor at the target nodes.
  const std::string feature = p["feature"];
  int fi = -1;
  for (int i = 0; i < F; ++i)
    if (ft.names[size_t(i)] == feature) fi = i;
  MIGRA_THROW_IF_NOT_FMT(fi >= 0, "'feature': '%s' is not a column of the features table", feature.c_str());
  const double factor = p["factor"];
  std::set<int> targets;
  std::stringstream ss(p["targets"].get<std::string>());
  for (std::string id; std::getline(ss, id, ',');) {
    const auto it = nodes.index.find(id);
    MIGRA_THROW_IF_NOT_FMT(it != nodes.index.end(), "'targets': unknown node '%s'", id.c_str());
    targets.insert(it->second);
  }
  const size_t P = ls.years.size();
  const std::vector<double> X = pinn::design_matrix(ft.X, m, ft.years, F, ls.years, with_year);
  std::vector<double> Xs = X;
  for (int u : targets)
    for (size_t q = 0; q < P; ++q) Xs[(size_t(u) * P + q) * size_t(ncol) + size_t(fi)] *= factor;
  const pinn::BoostedTrees model = pinn::BoostedTrees::from_json(io::read_file(p["model"]), ncol);
  const std::vector<double> lb = model.predict(X), lsn = model.predict(Xs);
  // B = 2 systems: baseline, scenario; λ of the external node (no features) from the PINN in both.
  std::vector<double> lam(2 * size_t(n) * P);
  for (int b = 0; b < 2; ++b) {
    for (size_t k = 0; k < size_t(m) * P; ++k) lam[size_t(b) * size_t(n) * P + k] = (b == 0 ? lb : lsn)[k];
    for (size_t q = 0; q < P; ++q) lam[(size_t(b) * size_t(n) + size_t(m)) * P + q] = ls.lambda[size_t(m) * P + q];
  }
  pinn::MotionOptions mo;
  mo.method = p["method"];
  if (ctx.backend().is_gpu() && models::torch_has_cuda()) {  // spec §4.3: batched RK4 for GPU scenarios
    mo.method = "rk4", mo.device = ctx.backend().name();
    ctx.log("integrating on " + mo.device + " by batched RK4 (dt " + io::exact_text(mo.dt, 3) + ")");
  }
  const std::vector<double> R = pinn::integrate_motion(c, a, ls.t, lam, 2, ls.t, mo);

  std::string csv = "node,year,lambda_baseline,lambda_scenario,R_baseline,R_scenario,difference_people\n";
  nlohmann::json per_node = nlohmann::json::array();
  double untouched_dlam = 0;
  std::vector<report::Series> curves;
  static const char* colours[] = {"#d62", "#2a6fb0", "#2a2", "#a3c", "#c90"};
  for (int u = 0; u < n; ++u) {
    const std::string id = u < m ? nodes.ids[size_t(u)] : "external";
    report::Series s{id, colours[curves.size() % 5], {}, {}, {}, {}};
    for (size_t q = 0; q < P; ++q) {
      const double l0 = lam[size_t(u) * P + q], l1 = lam[(size_t(n) + size_t(u)) * P + q];
      const double r0 = R[size_t(u) * P + q], r1 = R[(size_t(n) + size_t(u)) * P + q];
      const double dp = scale[size_t(u)] * (r1 - r0);
      if (!targets.count(u)) untouched_dlam = std::max(untouched_dlam, std::fabs(l1 - l0));
      csv += io::csv_field(id) + "," + io::exact_text(ls.years[q]) + "," + io::exact_text(l0) + "," + io::exact_text(l1) + "," +
             io::exact_text(r0) + "," + io::exact_text(r1) + "," + io::exact_text(dp) + "\n";
      s.x.push_back(ls.years[q]), s.y.push_back(dp);
    }
    per_node.push_back({{"node", id}, {"target", targets.count(u) > 0}, {"difference_people_end", s.y.back()}});
    if (targets.count(u) && curves.size() < 5) curves.push_back(s);
  }
  report::CurveOptions o;
  o.title = "Scenario − baseline: " + feature + " ×" + io::exact_text(factor, 4) + " (people)";
  o.x_label = "year";
  o.y_label = "migration balance difference";
  const nlohmann::json metrics = {{"feature", feature}, {"factor", factor}, {"targets", p["targets"]},
                                  {"nodes", per_node}, {"max_abs_lambda_change_untargeted", untouched_dlam},
                                  {"method", mo.method}, {"device", mo.device.empty() ? "cpu" : mo.device}};
  ctx.write_output("metrics.json", metrics.dump(2) + "\n");
  ctx.write_output("scenario.csv", csv);
  ctx.write_output("scenario.svg", report::svg_curves(curves, o));
  double total = 0;
  for (int u : targets) total += per_node[size_t(u)]["difference_people_end"].get<double>();
  ctx.result = {{"difference_people_end_targets", total}};
  char line[200];
  std::snprintf(line, sizeof line, "scenario %s ×%g at %zu node(s): %+.0f people by %g (targets)", feature.c_str(), factor,
                targets.size(), total, ls.years.back());
  ctx.summary.push_back(line);
}

}  // namespace

job::TaskKind pinn_scenario_task_kind() {
  job::TaskKind k;
  k.name = "pinn.scenario";
  k.summary = "Paper 000's what-if: scale a feature of chosen nodes, re-predict λ (XGBoost), integrate the identified "
              "equation of motion, report scenario − baseline in people";
  k.gpu_capable = true;  // the batched RK4 through LibTorch's CUDA
  k.params = {
      {"nodes", ParamType::Path, "CSV id,lat,lon,mean_age (the fit's nodes)", nullptr, {}, true},
      {"features", ParamType::Path, "CSV node,year,<features> (the explainer's)", nullptr, {}, true},
      {"series", ParamType::Path, "series.csv of the pinn.fit (the grid, and the external node's λ)", nullptr, {}, true},
      {"coefficients", ParamType::Path, "coefficients.json of the pinn.fit", nullptr, {}, true},
      {"model", ParamType::Path, "model.json of the pinn.explain", nullptr, {}, true},
      {"design", ParamType::Path, "design.json of the pinn.explain", nullptr, {}, true},
      {"feature", ParamType::String, "The feature to change", nullptr, {}, true},
      {"factor", ParamType::Real, "Its multiplier (1.7: +70 %)", 1.7, {}, false, 0.0},
      {"targets", ParamType::String, "Comma-separated node ids whose feature changes", nullptr, {}, true},
      {"method", ParamType::String, "Integrator on the CPU: adaptive Dormand–Prince or RK4 at dt 1e-3 (on a GPU: batched RK4)",
       "rk45", {"rk45", "rk4"}},
  };
  k.outputs = [](const Params&) { return std::vector<std::string>{"metrics.json", "scenario.csv", "scenario.svg"}; };
  k.run = run;
  return k;
}

}  // namespace migra::tasks
