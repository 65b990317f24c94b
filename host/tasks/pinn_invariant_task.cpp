// Task kind `pinn.invariant` (`migra pinn invariant`): the random-walk transfer operator of
// paper 000 (spec §4.2) on the real nodes: the closed-form invariant density for the
// inverse-distance and the |correlation| weights, and power iteration from the four initial
// densities with its L1/L2 error traces.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "host/io/csv.hpp"
#include "host/report/svg.hpp"
#include "host/tasks/pinn_io.hpp"
#include "host/tasks/task_kinds.hpp"
#include "kernels/core/error.hpp"
#include "models/pinn_migration/transfer.hpp"

namespace migra::tasks {
namespace {

using job::ParamType;
using job::Params;

void run(job::TaskContext& ctx) {
  const Params& p = ctx.params();
  const MigrationNodes nodes = read_migration_nodes(p["nodes"]);
  const pinn::Balances bal = read_balances(p["balances"], nodes);
  const int m = bal.nodes() - 1, T = bal.years_count();
  const std::vector<double> R(bal.R.begin(), bal.R.begin() + long(m) * T);  // the real nodes only (spec §7.12)
  const std::vector<double> F = pinn::correlation_matrix(R, m, T);
  // μ0 (b): the named year, else the year with the largest total |R| (the paper's 2020 peak)
  int year = -1;
  if (p.contains("year")) {
    const double y = p["year"].get<long long>();
    for (int k = 0; k < T; ++k)
      if (bal.years[size_t(k)] == y) year = k;
    MIGRA_THROW_IF_NOT_FMT(year >= 0, "'year': %g is not among the balances' years", y);
  } else {
    double best = -1;
    for (int k = 0; k < T; ++k) {
      double s = 0;
      for (int u = 0; u < m; ++u) s += std::fabs(R[size_t(u * T + k)]);
      if (s > best) best = s, year = k;
    }
  }
  const double c = p["threshold"];
  const int K = int(p["iterations"].get<long long>());
  struct Weighting {
    std::string name;
    std::vector<double> w;
  };
  const std::vector<Weighting> weightings = {
      {"inverse_distance", pinn::inverse_distance_weights(pinn::distance_km(nodes.lat, nodes.lon), m)},
      {"correlation", pinn::correlation_weights(F, m)}};
  const std::vector<std::pair<std::string, std::vector<double>>> starts = {
      {"uniform", pinn::density_uniform(m)}, {"year", pinn::density_year(R, m, T, year)},
      {"mean", pinn::density_mean(R, m, T)}, {"correlation", pinn::density_correlation(F, m, c)}};

  std::string dens = "node";
  for (const auto& wt : weightings) dens += ",pi_" + wt.name + ",power_" + wt.name;
  dens += "\n";
  std::string traces = "weights,start,k,l1,l2\n";
  nlohmann::json metrics = {{"year_density", bal.years[size_t(year)]}, {"threshold", c}, {"iterations", K}, {"nodes", m}};
  std::vector<std::vector<double>> pis, powers;
  for (const auto& wt : weightings) {
    const std::vector<double> pi = pinn::invariant_density(wt.w, m);
    nlohmann::json per_start;
    std::vector<double> power;
    for (const auto& [name, mu0] : starts) {
      const pinn::PowerTrace tr = pinn::power_iteration(wt.w, m, mu0, pi, K);
      for (int k = 0; k <= K; ++k)
        traces += wt.name + "," + name + "," + std::to_string(k) + "," + io::exact_text(tr.l1[size_t(k)]) + "," + io::exact_text(tr.l2[size_t(k)]) + "\n";
      per_start[name] = {{"l1_final", tr.l1.back()}, {"l2_final", tr.l2.back()}};
      if (name == "uniform") power = tr.final;
    }
    std::vector<int> order(static_cast<size_t>(m));
    for (int u = 0; u < m; ++u) order[size_t(u)] = u;
    std::sort(order.begin(), order.end(), [&](int a, int b) { return pi[size_t(a)] < pi[size_t(b)]; });
    nlohmann::json lowest = nlohmann::json::array(), highest = nlohmann::json::array();
    for (int k = 0; k < std::min(m, 5); ++k) {
      lowest.push_back({{"node", nodes.ids[size_t(order[size_t(k)])]}, {"pi", pi[size_t(order[size_t(k)])]}});
      const int h = order[size_t(m - 1 - k)];
      highest.push_back({{"node", nodes.ids[size_t(h)]}, {"pi", pi[size_t(h)]}});
    }
    double check = 0;
    const std::vector<double> Ppi = pinn::transfer_step(wt.w, m, pi);
    for (int u = 0; u < m; ++u) check = std::max(check, std::fabs(Ppi[size_t(u)] - pi[size_t(u)]));
    metrics[wt.name] = {{"lowest", lowest}, {"highest", highest}, {"starts", per_start}, {"max_abs_P_pi_minus_pi", check}};
    pis.push_back(pi), powers.push_back(power);
  }
  for (int u = 0; u < m; ++u) {
    dens += io::csv_field(nodes.ids[size_t(u)]);
    for (size_t w = 0; w < weightings.size(); ++w) dens += "," + io::exact_text(pis[w][size_t(u)]) + "," + io::exact_text(powers[w][size_t(u)]);
    dens += "\n";
  }
  ctx.write_output("metrics.json", metrics.dump(2) + "\n");
  ctx.write_output("invariant.csv", dens);
  ctx.write_output("traces.csv", traces);
  ctx.write_output("invariant.svg", report::svg_bars(nodes.ids, pis[0], "Invariant density, inverse-distance weights", "π"));
  ctx.write_output("invariant_correlation.svg", report::svg_bars(nodes.ids, pis[1], "Invariant density, |correlation| weights", "π"));
  ctx.result = metrics;
  ctx.summary.push_back("lowest invariant density (1/distance): " + metrics["inverse_distance"]["lowest"][0]["node"].get<std::string>() +
                        ", " + metrics["inverse_distance"]["lowest"][1]["node"].get<std::string>());
}

}  // namespace

job::TaskKind pinn_invariant_task_kind() {
  job::TaskKind k;
  k.name = "pinn.invariant";
  k.summary = "Paper 000's transfer operator: invariant densities of random walks on the nodes (1/distance and "
              "|correlation| weights), power iteration from four initial densities";
  k.params = {
      {"nodes", ParamType::Path, "CSV id,lat,lon,mean_age", nullptr, {}, true},
      {"balances", ParamType::Path, "CSV node,year,balance", nullptr, {}, true},
      {"year", ParamType::Int, "Year of the one-year initial density (default: the year of largest total |balance|)", nullptr},
      {"threshold", ParamType::Real, "|correlation| threshold c of the correlation initial density", 0.5},
      {"iterations", ParamType::Int, "Power iterations K", 50, {}, false, 1.0},
  };
  k.outputs = [](const Params&) {
    return std::vector<std::string>{"metrics.json", "invariant.csv", "traces.csv", "invariant.svg", "invariant_correlation.svg"};
  };
  k.run = run;
  return k;
}

}  // namespace migra::tasks
