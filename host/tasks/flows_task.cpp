// Task kind `flows`: one static spatial-interaction model on a sites table, optionally fitted
// to and scored against observed flows. Writes flows.npy (streamed in row blocks), flows.csv
// and, with observed flows, metrics.json.
#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <map>
#include <memory>

#include "host/io/npy.hpp"
#include "host/io/sites_io.hpp"
#include "host/report/svg.hpp"
#include "host/tasks/task_kinds.hpp"
#include "kernels/core/error.hpp"
#include "models/sim_dynamics/static_flows.hpp"

namespace migra::tasks {
namespace {

using job::ParamType;
using job::Params;

const std::map<std::string, sim::FlowModel> kModels = {
    {"gravity", sim::FlowModel::Gravity},
    {"radiation", sim::FlowModel::Radiation},
    {"io", sim::FlowModel::InterveningOpportunities},
    {"two-trip", sim::FlowModel::TwoTrip}};
const std::map<std::string, flows::Constraint> kConstraints = {
    {"none", flows::Constraint::None},
    {"production", flows::Constraint::Production},
    {"attraction", flows::Constraint::Attraction},
    {"doubly", flows::Constraint::Doubly}};
const std::map<std::string, flows::Deterrence> kDeterrence = {{"exp", flows::Deterrence::Exp},
                                                              {"power", flows::Deterrence::Power}};

constexpr int kCsvDefaultMaxSites = 5000;

std::optional<double> opt_real(const Params& p, const char* key) {
  return p.contains(key) ? std::optional<double>(p[key].get<double>()) : std::nullopt;
}

sim::StaticFlowConfig config_of(const Params& p) {
  sim::StaticFlowConfig cfg;
  cfg.model = kModels.at(p["model"]);
  cfg.constraint = kConstraints.at(p["constraint"]);
  cfg.deterrence = kDeterrence.at(p["deterrence"]);
  cfg.beta = opt_real(p, "beta");
  cfg.gamma = p["gamma"];
  cfg.L = opt_real(p, "L");
  cfg.self_flows = p["self-flows"];
  cfg.radiation_literal = p["radiation-literal"];
  cfg.min_distance = p["min-distance"];
  cfg.balance = {p["tol"].get<double>(), p["max-iter"].get<int>()};
  return cfg;
}

nlohmann::json metrics_json(const stats::FlowMetrics& m) {
  return {{"cpc", m.cpc}, {"rmse", m.rmse}, {"r2", m.r2}, {"pearson", m.pearson},
          {"pairs", m.pairs}, {"observed_total", m.observed_total}, {"model_total", m.model_total}};
}

nlohmann::json parameters_json(const Params& p, const sim::StaticFlowResult& r) {
  const std::string model = p["model"], deterrence = p["deterrence"], constraint = p["constraint"];
  nlohmann::json j;
  j["model"] = model;
  if (model == "gravity") j["constraint"] = constraint;
  if (model == "gravity" || model == "two-trip") j["deterrence"] = deterrence;
  if (r.beta) j[deterrence == "power" ? "alpha" : "beta"] = *r.beta;
  if (model == "two-trip") j["gamma"] = p["gamma"];
  if (r.L) j["L"] = *r.L;
  if (model == "gravity" && constraint == "none") j["K"] = r.K;
  if (model == "radiation") j["reading"] = p["radiation-literal"].get<bool>() ? "literal" : "standard";
  j["self_flows"] = p["self-flows"].get<bool>() || (model == "radiation" && p["radiation-literal"].get<bool>());
  if (r.fit.fitted)
    j["fit"] = {{"parameter", r.fit.parameter}, {"value", r.fit.value},
                {"poisson_deviance", r.fit.deviance}, {"evaluations", r.fit.evaluations},
                {"at_bound", r.fit.at_bound}};
  if (model == "gravity" && constraint == "doubly")
    j["balancing"] = {{"iterations", r.balance.iterations}, {"margin_error", r.balance.margin_error},
                      {"converged", r.balance.converged}, {"tolerance", p["tol"]}};
  return j;
}

std::string line(const char* f, ...) __attribute__((format(printf, 1, 2)));
std::string line(const char* f, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, f);
  std::vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return buf;
}

std::vector<std::string> summary_of(const Params& p, const sim::StaticFlowResult& r, int n) {
  const std::string model = p["model"];
  std::vector<std::string> s;
  s.push_back(line("%s on %d sites", model.c_str(), n));
  if (r.fit.fitted)
    s.push_back(line("fitted %s = %.6g (Poisson deviance %.6g, %d evaluations%s)", r.fit.parameter.c_str(),
                     r.fit.value, r.fit.deviance, r.fit.evaluations, r.fit.at_bound ? ", AT THE SEARCH BOUND" : ""));
  else if (r.beta)
    s.push_back(line("%s = %.6g", p["deterrence"] == "power" ? "alpha" : "beta", *r.beta));
  if (model == "gravity" && p["constraint"] == "doubly")
    s.push_back(line("balancing: %d iterations, margin error %.3g%s", r.balance.iterations,
                     r.balance.margin_error, r.balance.converged ? "" : " (NOT CONVERGED)"));
  if (r.metrics)
    s.push_back(line("CPC %.4f  RMSE %.6g  R2 %.4f  Pearson %.4f  over %zu pairs", r.metrics->cpc,
                     r.metrics->rmse, r.metrics->r2, r.metrics->pearson, r.metrics->pairs));
  s.push_back(line("total flow %.6g", r.total_flow));
  return s;
}

void run(job::TaskContext& ctx) {
  const Params& p = ctx.params();
  const sim::StaticFlowConfig cfg = config_of(p);
  const io::SiteTable sites = io::read_sites(p["sites"], p.value("coords", ""));
  std::optional<std::vector<sim::ObservedFlow>> observed;
  if (p.contains("observed")) observed = io::read_flows(p["observed"], sites);
  const int n = int(sites.sites.size());
  const std::string csv_mode = p["csv"];
  const bool write_csv = csv_mode == "always" || (csv_mode == "auto" && n <= kCsvDefaultMaxSites);

  io::NpyWriter npy(ctx.output_path("flows.npy"), n, n);
  std::unique_ptr<io::AtomicFile> csv;
  if (write_csv) {
    csv = std::make_unique<io::AtomicFile>(ctx.output_path("flows.csv"));
    csv->write("origin,destination,flow\n");
  }
  // (observed, model) per observed pair, for the figure; observed sorted by origin row.
  std::vector<sim::ObservedFlow> by_row = observed ? *observed : std::vector<sim::ObservedFlow>{};
  std::stable_sort(by_row.begin(), by_row.end(), [](const auto& a, const auto& b) { return a.origin < b.origin; });
  std::vector<std::pair<double, double>> scatter;
  size_t next = 0;
  const auto sink = [&](int r0, int r1, const double* rows) {
    npy.append_rows(rows, r1 - r0);
    for (; next < by_row.size() && by_row[next].origin < r1; ++next) {
      const auto& f = by_row[next];
      if (f.origin != f.destination || cfg.self_flows)
        scatter.emplace_back(f.flow, rows[size_t(f.origin - r0) * size_t(n) + size_t(f.destination)]);
    }
    if (!csv) return;
    std::string buf;
    char num[40];
    for (int i = r0; i < r1; ++i)
      for (int j = 0; j < n; ++j) {
        const double v = rows[size_t(i - r0) * size_t(n) + size_t(j)];
        if (v == 0.0) continue;
        std::snprintf(num, sizeof num, ",%.17g\n", v);
        buf += sites.ids[size_t(i)] + "," + sites.ids[size_t(j)] + num;
      }
    csv->write(buf);
  };
  const sim::StaticFlowResult res = sim::run_static_flows(
      ctx.backend(), sites.sites, cfg, observed ? &*observed : nullptr, sink, [&](double f) { ctx.progress(f); });

  ctx.add_output("flows.npy", npy.commit());
  if (csv) ctx.add_output("flows.csv", csv->commit());
  const nlohmann::json params = parameters_json(p, res);
  if (res.metrics) {
    const nlohmann::json mj = {{"parameters", params}, {"metrics", metrics_json(*res.metrics)},
                               {"sites", ctx.declared()["sites"]}, {"observed", ctx.declared()["observed"]}};
    ctx.write_output("metrics.json", mj.dump(2) + "\n");
    ctx.result["metrics"] = metrics_json(*res.metrics);
    report::ScatterOptions so;
    so.title = std::string(p["model"]) + ": model vs observed flows (CPC " + line("%.3f", res.metrics->cpc) + ")";
    so.x_label = "observed flow";
    so.y_label = "model flow";
    ctx.write_output("observed_vs_model.svg", report::svg_scatter(scatter, so));
  }
  ctx.result["parameters"] = params;
  ctx.result["n_sites"] = n;
  ctx.result["row_blocks"] = res.row_blocks;
  ctx.summary = summary_of(p, res, n);
}

}  // namespace

job::TaskKind flows_task_kind() {
  job::TaskKind k;
  k.name = "flows";
  k.summary = "Flow matrix of a spatial interaction model (gravity, radiation, intervening "
              "opportunities, Two-Trip) on a sites table; fitted to observed flows if given";
  k.gpu_capable = true;
  k.params = {
      {"model", ParamType::String, "Model", nullptr, keys(kModels), true},
      {"sites", ParamType::Path, "Sites CSV: id,population and lon,lat or x,y", nullptr, {}, true},
      {"observed", ParamType::Path, "Observed flows CSV: origin,destination,flow (fits the parameter, scores CPC)"},
      {"constraint", ParamType::String, "Gravity constraint", "production", keys(kConstraints)},
      {"deterrence", ParamType::String, "Deterrence f(d): exp = e^(-beta d), power = d^-alpha", "exp", keys(kDeterrence)},
      {"beta", ParamType::Real, "Deterrence parameter (beta, or alpha for power); fitted if observed is given and beta is not"},
      {"gamma", ParamType::Real, "Two-Trip range parameter gamma", 1.0, {}, false, 0.0},
      {"L", ParamType::Real, "Intervening-opportunities parameter L (per unit population); fitted if unset", nullptr, {}, false, 0.0},
      {"coords", ParamType::String, "Coordinates: lonlat (haversine km) or xy (Euclidean); default from the header", nullptr, {"lonlat", "xy"}},
      {"self-flows", ParamType::Bool, "Include i -> i flows (produced and scored)", false},
      {"radiation-literal", ParamType::Bool, "Radiation: paper 004's literal reading (origin in s_ij, T_ii = O_i/2)", false},
      {"min-distance", ParamType::Real, "Power law: f = max(d, d_min)^-alpha", 1.0, {}, false, 0.0},
      {"tol", ParamType::Real, "Doubly constrained: margin tolerance", 1e-12, {}, false, 0.0},
      {"max-iter", ParamType::Int, "Doubly constrained: iteration cap", 10000, {}, false, 1.0},
      {"csv", ParamType::String, "flows.csv: auto (when N <= 5000), always or never", "auto", {"auto", "always", "never"}},
  };
  k.outputs = [](const Params& p) {
    std::vector<std::string> o = {"flows.npy"};
    if (p.value("csv", "auto") != "never") o.push_back("flows.csv");
    if (p.contains("observed")) {
      o.push_back("metrics.json");
      o.push_back("observed_vs_model.svg");
    }
    return o;
  };
  k.check = check_model_parameters;
  k.run = run;
  return k;
}

}  // namespace migra::tasks
