// Task kind `pinn.synth` (`migra pinn synth`): a synthetic migration data set shaped like paper
// 000's US experiment (the stand-in for census series we cannot ship): the nodes of a
// table with lon/lat (the 50 states + DC at their 2010 centres of population), 13 annual
// balances from the equation of motion with known coefficients, and ten per-capita features
// that drive λ (models/pinn_migration/synthetic.hpp). Written in pinn.fit's input formats.
#include <cmath>
#include <cstdio>

#include "host/io/csv.hpp"
#include "host/tasks/task_kinds.hpp"
#include "kernels/core/error.hpp"
#include "models/pinn_migration/synthetic.hpp"

namespace migra::tasks {
namespace {

using job::ParamType;
using job::Params;

void run(job::TaskContext& ctx) {
  const Params& p = ctx.params();
  const io::CsvTable t = io::CsvTable::read(p["sites"]);
  const int c_id = t.column(t.has_column("name") ? "name" : "id"), c_lat = t.column("lat"), c_lon = t.column("lon"),
            c_pop = t.column("population");
  std::vector<std::string> ids, lat_text, lon_text;
  std::vector<double> pop;
  pinn::SyntheticOptions so;
  for (size_t r = 0; r < t.rows(); ++r) {
    ids.push_back(t.text(r, c_id)), lat_text.push_back(t.text(r, c_lat)), lon_text.push_back(t.text(r, c_lon));
    so.lat.push_back(t.number(r, c_lat)), so.lon.push_back(t.number(r, c_lon)), pop.push_back(t.number(r, c_pop));
    MIGRA_THROW_IF_NOT_FMT(pop.back() > 0, "%s: population must be positive", t.where(r, c_pop).c_str());
  }
  so.n = int(ids.size());
  so.seed = ctx.seed();
  so.features = true;
  so.age_lo = 34, so.age_hi = 44;
  const pinn::SyntheticSystem s = pinn::synthetic_system(so);
  const int years = int(p["years"].get<long long>()), y0 = int(p["first-year"].get<long long>());
  std::vector<double> t_data;
  for (int k = 0; k < years; ++k) t_data.push_back(double(k) / (years - 1));
  const std::vector<double> R = s.solve(t_data);
  const double per_person = p["balance-per-capita"];

  std::string nodes = "id,lat,lon,mean_age,population\n", bal = "node,year,balance\n", feat = "node,year";
  for (const auto& f : s.feature_names) feat += "," + f;
  feat += "\n";
  nlohmann::json lam = nlohmann::json::array(), scale = nlohmann::json::array();
  for (int u = 0; u < s.n; ++u) {
    const double people = per_person * pop[size_t(u)];  // people per unit of R
    nodes += io::csv_field(ids[size_t(u)]) + "," + lat_text[size_t(u)] + "," + lon_text[size_t(u)] + "," + io::exact_text(std::round(10 * s.age[size_t(u)]) / 10, 4) +
             "," + io::exact_text(pop[size_t(u)]) + "\n";
    nlohmann::json lu = nlohmann::json::array();
    for (int k = 0; k < years; ++k) {
      bal += io::csv_field(ids[size_t(u)]) + "," + std::to_string(y0 + k) + "," + io::exact_text(std::round(people * R[size_t(u * years + k)])) + "\n";
      feat += io::csv_field(ids[size_t(u)]) + "," + std::to_string(y0 + k);
      for (int i = 0; i < int(s.feature_names.size()); ++i) feat += "," + io::exact_text(s.feature(u, i, t_data[size_t(k)]));
      feat += "\n";
      lu.push_back(s.lambda(u, t_data[size_t(k)]));
    }
    lam.push_back(lu), scale.push_back(people);
  }
  const nlohmann::json truth = {
      {"model", "R'' = c_e lambda(t) - G R' - K R - c_a a, K = c_r F + c_d D, R(0) = R'(0) = 0, t = (year - first)/(last - first)"},
      {"lambda_law", "3 tanh(1.5 z1) + 1.5 z2^2 - 1.5 + 2 sin(z3) + z4 z5, z_i = log(feature_i / m_i) / 0.3"},
      {"balance", "round(people_per_unit * R)"}, {"people_per_unit", scale},
      {"c_r", s.truth.c_r}, {"c_d", s.truth.c_d}, {"c_a", s.truth.c_a}, {"c_e", s.truth.c_e},
      {"K", s.truth.K}, {"G", s.truth.G}, {"F", s.F}, {"a", s.a}, {"lambda", lam}, {"nodes", ids}, {"seed", ctx.seed()}};
  ctx.write_output("nodes.csv", nodes);
  ctx.write_output("balances.csv", bal);
  ctx.write_output("features.csv", feat);
  ctx.write_output("truth.json", truth.dump(1) + "\n");
  ctx.summary.push_back("synthetic migration set: " + std::to_string(s.n) + " nodes, " + std::to_string(years) + " years, " +
                        std::to_string(s.feature_names.size()) + " features");
}

}  // namespace

job::TaskKind pinn_synth_task_kind() {
  job::TaskKind k;
  k.name = "pinn.synth";
  k.summary = "A synthetic migration-balance data set with known equation of motion and feature-driven λ "
              "(shaped like paper 000's US experiment)";
  k.uses_seed = true;
  k.params = {
      {"sites", ParamType::Path, "CSV with id or name, lat, lon, population (e.g. data/us2010/states.csv)", nullptr, {}, true},
      {"years", ParamType::Int, "Annual points", 13, {}, false, 3.0},
      {"first-year", ParamType::Int, "First year", 2010},
      {"balance-per-capita", ParamType::Real, "People per unit of the model's R, per inhabitant", 0.004, {}, false, 0.0},
  };
  k.outputs = [](const Params&) {
    return std::vector<std::string>{"nodes.csv", "balances.csv", "features.csv", "truth.json"};
  };
  k.run = run;
  return k;
}

}  // namespace migra::tasks
