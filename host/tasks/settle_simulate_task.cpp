// Task kind `settle.simulate` (`migra settle simulate`): the population dynamics implied by a
// fitted flow model (spec §2.7, not in the paper): deterministic RK4, or tau-leaping replicates
// with integer populations, optionally with the density closure u = kappa rho − sigma rho² + delta.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "host/io/csv.hpp"
#include "host/io/read_file.hpp"
#include "host/report/svg.hpp"
#include "host/tasks/settle_io.hpp"
#include "host/tasks/task_kinds.hpp"
#include "kernels/core/error.hpp"
#include "models/settlement/dynamics.hpp"

namespace migra::tasks {
namespace {

using job::ParamType;
using job::Params;

/// mu and gamma of `model` for `region` from a settle.fit metrics.json.
std::pair<double, double> fitted_law(const std::string& path, const std::string& region, const std::string& model) {
  const nlohmann::json m = io::read_json_file(path);
  MIGRA_THROW_IF_NOT_FMT(m.contains("regions") && m["regions"].is_array(), "%s: no 'regions' (is it settle.fit's metrics.json?)",
                         path.c_str());
  for (const auto& r : m["regions"]) {
    if (r.value("region", "") != region) continue;
    MIGRA_THROW_IF_NOT_FMT(r["models"].contains(model), "%s: region '%s' has no fitted %s model (fit with model = all)",
                           path.c_str(), region.c_str(), model.c_str());
    const auto& f = r["models"][model];
    return {f["mu"].get<double>(), f["gamma"].is_null() ? 0.0 : f["gamma"].get<double>()};
  }
  MIGRA_THROW_FMT("%s: no region '%s'", path.c_str(), region.c_str());
}

void run(job::TaskContext& ctx) {
  const Params& p = ctx.params();
  const UnitsTable units = read_units(p["units"]);
  const std::string model = p["model"];
  // The simulated units are the fit's: potentials.csv lists them per region, in order.
  const io::CsvTable pot = io::CsvTable::read(p["potentials"]);
  const int c_region = pot.column("region"), c_id = pot.column("id");
  const int c_u = model == "spatial" ? -1 : pot.column(model == "baseline" ? "u_baseline" : "u_extended");
  std::string region = p.value("region", std::string());
  if (!p.contains("region")) {
    MIGRA_THROW_IF_NOT_FMT(pot.rows() > 0, "%s: no units", pot.path().c_str());
    region = pot.text(0, c_region);
    for (size_t r = 0; r < pot.rows(); ++r)
      MIGRA_THROW_IF_NOT_FMT(pot.text(r, c_region) == region, "%s: several regions ('%s', '%s'): choose one with 'region'",
                             pot.where(r, c_region).c_str(), region.c_str(), pot.text(r, c_region).c_str());
  }
  std::vector<int> rows;
  std::vector<std::string> ids;
  settle::Attractiveness attract;
  for (size_t r = 0; r < pot.rows(); ++r) {
    if (pot.text(r, c_region) != region) continue;
    const auto it = units.index.find(pot.text(r, c_id));
    MIGRA_THROW_IF_NOT_FMT(it != units.index.end(), "%s: unit '%s' is not in %s", pot.where(r, c_id).c_str(),
                           pot.text(r, c_id).c_str(), p["units"].get<std::string>().c_str());
    rows.push_back(it->second);
    ids.push_back(pot.text(r, c_id));
    attract.u.push_back(c_u >= 0 ? pot.number(r, c_u) : 0.0);
  }
  MIGRA_THROW_IF_NOT_FMT(rows.size() >= 2, "%s: region '%s' has %zu unit(s)", pot.path().c_str(), region.c_str(), rows.size());
  const settle::City city = settle::subset(units.city, rows);
  const auto [mu, gamma] = fitted_law(p["fit"], region, model);
  attract.closure = p["closure"] == "density";
  if (attract.closure) {  // delta_i makes u(rho at t = 0) equal the fitted u
    attract.kappa = p["kappa"], attract.sigma = p["sigma"];
    for (size_t i = 0; i < rows.size(); ++i) {
      const double rho = city.density(int(i));
      attract.u[i] -= attract.kappa * rho - attract.sigma * rho * rho;
    }
  }
  const settle::PairGeometry geo = settle::pair_geometry(city);
  const std::vector<double> W = settle::deterrence_matrix(geo.d, city.size(), gamma);
  const double dt = p["dt"];
  const int steps = int(p["steps"].get<long long>()), every = int(p["record-every"].get<long long>());
  const bool stochastic = p["stochastic"];
  const int R = stochastic ? int(p["replicates"].get<long long>()) : 1;
  std::vector<settle::Trajectory> runs;
  if (!stochastic) {
    runs.push_back(settle::simulate_mean_field(W, mu, city.area, city.population, attract, dt, steps, every));
  } else {
    runs.resize(size_t(R));
    for (int r = 0; r < R; ++r) {
      runs[size_t(r)] = settle::simulate_tau_leap(W, mu, city.area, city.population, attract, dt, steps, ctx.seed(),
                                                  std::uint32_t(r), every);
      ctx.progress(double(r + 1) / R);
    }
  }
  const size_t T = runs[0].time.size(), n = rows.size();
  std::string csv = stochastic ? "time,id,mean,sd,min,max\n" : "time,id,population\n";
  double P0 = 0, drift = 0;
  for (double v : city.population) P0 += stochastic ? std::round(v) : v;
  long long capped = 0;
  for (const auto& tr : runs) {
    capped += tr.capped;
    for (const auto& row : tr.population) {
      double tot = 0;
      for (double v : row) tot += v;
      drift = std::max(drift, std::fabs(tot - P0));
    }
  }
  std::vector<std::vector<double>> mean(T, std::vector<double>(n, 0.0));
  for (size_t t = 0; t < T; ++t)
    for (size_t i = 0; i < n; ++i) {
      double s = 0, ss = 0, lo = 1e300, hi = -1e300;
      for (const auto& tr : runs) {
        const double v = tr.population[t][i];
        s += v, ss += v * v, lo = std::min(lo, v), hi = std::max(hi, v);
      }
      mean[t][i] = s / R;
      csv += io::exact_text(runs[0].time[t]) + "," + ids[i] + "," + io::exact_text(mean[t][i]);
      if (stochastic)
        csv += "," + io::exact_text(R > 1 ? std::sqrt(std::max(0.0, (ss - s * s / R) / (R - 1))) : 0.0) + "," + io::exact_text(lo) +
               "," + io::exact_text(hi);
      csv += "\n";
    }
  // The six units that change most, relative to their start.
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  const auto change = [&](size_t i) { return std::fabs(mean[T - 1][i] / std::max(mean[0][i], 1.0) - 1); };
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return change(a) > change(b); });
  std::vector<report::Series> series;
  const char* colours[] = {"#2a6fb0", "#d62", "#3a3", "#a3a", "#c90", "#555"};
  for (size_t s = 0; s < std::min<size_t>(6, n); ++s) {
    report::Series se{ids[order[s]], colours[s], runs[0].time, {}, {}, {}};
    for (size_t t = 0; t < T; ++t) se.y.push_back(mean[t][order[s]] / mean[0][order[s]]);
    series.push_back(se);
  }
  const nlohmann::json metrics = {
      {"region", region}, {"model", model}, {"mu", mu}, {"gamma", gamma}, {"units", n}, {"dt", dt}, {"steps", steps},
      {"closure", attract.closure ? nlohmann::json{{"kappa", attract.kappa}, {"sigma", attract.sigma}} : nlohmann::json(nullptr)},
      {"method", stochastic ? "tau-leaping" : "RK4 mean field"}, {"replicates", R},
      {"total_population", P0}, {"max_total_drift", drift}, {"capped_origins", capped}};
  ctx.write_output("trajectory.csv", csv);
  ctx.write_output("metrics.json", metrics.dump(2) + "\n");
  report::CurveOptions co;
  co.title = "Populations relative to the start (units that change most)";
  co.x_label = "time (census periods)";
  co.y_label = "P(t) / P(0)";
  ctx.write_output("trajectory.svg", report::svg_curves(series, co));
  ctx.result = metrics;
  char line[200];
  std::snprintf(line, sizeof line, "%zu units, %d steps of %g (%s, %d replicate(s)); total population drift %.3g",
                n, steps, dt, stochastic ? "tau-leaping" : "RK4", R, drift);
  ctx.summary.push_back(line);
}

}  // namespace

job::TaskKind settle_simulate_task_kind() {
  job::TaskKind k;
  k.name = "settle.simulate";
  k.summary = "Population dynamics implied by a fitted flow model (paper 003 spec §2.7): RK4 mean field or "
              "tau-leaping, optional density closure";
  k.uses_seed = true;
  k.params = {
      {"units", ParamType::Path, "The units CSV the fit used", nullptr, {}, true},
      {"fit", ParamType::Path, "metrics.json of settle.fit (mu and gamma)", nullptr, {}, true},
      {"potentials", ParamType::Path, "potentials.csv of settle.fit (the units and their u)", nullptr, {}, true},
      {"region", ParamType::String, "Region to simulate [default: the only one]"},
      {"model", ParamType::String, "Flow model whose law drives the dynamics", "extended", {"extended", "baseline", "spatial"}},
      {"steps", ParamType::Int, "Time steps", 10, {}, false, 0.0},
      {"dt", ParamType::Real, "Step length in census periods", 0.1, {}, false, 1e-12},
      {"record-every", ParamType::Int, "Write every k-th step (and the last)", 1, {}, false, 1.0},
      {"closure", ParamType::String, "none: u fixed; density: u = kappa rho - sigma rho^2 + delta", "none", {"none", "density"}},
      {"kappa", ParamType::Real, "Closure: linear density coefficient (per persons/km²)", 0.0},
      {"sigma", ParamType::Real, "Closure: quadratic density coefficient", 0.0},
      {"stochastic", ParamType::Bool, "Tau-leaping with integer populations instead of the mean field", false},
      {"replicates", ParamType::Int, "Stochastic replicates", 1, {}, false, 1.0},
  };
  k.outputs = [](const Params&) { return std::vector<std::string>{"trajectory.csv", "metrics.json", "trajectory.svg"}; };
  k.check = [](const Params& p) {
    std::vector<std::string> problems;
    if (p.value("closure", "none") != "density" && (p.contains("kappa") || p.contains("sigma")) &&
        (p.value("kappa", 0.0) != 0 || p.value("sigma", 0.0) != 0))
      problems.push_back("'kappa' and 'sigma' need closure = \"density\"");
    if (!p.value("stochastic", false) && p.value("replicates", 1LL) > 1)
      problems.push_back("'replicates' needs 'stochastic'");
    return problems;
  };
  k.run = run;
  return k;
}

}  // namespace migra::tasks
