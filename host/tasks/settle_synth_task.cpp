// Task kind `settle.synth` (`migra settle synth`): synthetic cities with known flow-model
// parameters (models/settlement/synthetic.hpp), one region per layout, written in the input
// formats of settle.fit / settle.spread so that recovery can be checked end to end.
#include <cmath>
#include <sstream>

#include "host/io/csv.hpp"
#include "host/tasks/settle_io.hpp"
#include "host/tasks/task_kinds.hpp"
#include "kernels/core/error.hpp"
#include "models/settlement/synthetic.hpp"

namespace migra::tasks {
namespace {

using job::ParamType;
using job::Params;

std::vector<settle::CityLayout> layouts_of(const std::string& text) {
  std::vector<settle::CityLayout> v;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');) v.push_back(settle::parse_layout(item));
  MIGRA_THROW_IF_NOT_FMT(!v.empty(), "'layouts': no layout given");
  return v;
}

void run(job::TaskContext& ctx) {
  const Params& p = ctx.params();
  std::string units = "id,population,x,y,area_km2,region\n", flows = "origin,destination,flow\n", truth = "region,id,u\n";
  nlohmann::json regions = nlohmann::json::array();
  const auto layouts = layouts_of(p["layouts"]);
  for (size_t c = 0; c < layouts.size(); ++c) {
    settle::SyntheticConfig cfg;
    cfg.layout = layouts[c];
    cfg.side = int(p["side"].get<long long>());
    cfg.cell_km = p["cell-km"];
    cfg.mean_population = p["mean-population"];
    cfg.gamma = p["gamma"], cfg.u_sd = p["u-sd"], cfg.u_density = p["u-density"], cfg.flow_share = p["flow-share"];
    cfg.poisson = !p["noise-free"].get<bool>();
    cfg.seed = ctx.seed();
    cfg.city = std::uint32_t(c);
    const settle::SyntheticCity s = settle::synthetic_city(cfg);
    const std::string region = settle::layout_name(layouts[c]) + (std::count(layouts.begin(), layouts.end(), layouts[c]) > 1
                                                                     ? "-" + std::to_string(c) : std::string());
    const size_t n = size_t(s.city.size());
    const auto id = [&](size_t i) { return region + "-" + std::to_string(i); };
    for (size_t i = 0; i < n; ++i) {
      units += id(i) + "," + io::exact_text(s.city.population[i]) + "," + io::exact_text(s.city.x[i]) + "," +
               io::exact_text(s.city.y[i]) + "," + io::exact_text(s.city.area[i]) + "," + region + "\n";
      truth += region + "," + id(i) + "," + io::exact_text(s.truth.u[i]) + "\n";
      for (size_t k = 0; k < n; ++k)
        if (k != i && s.T[i * n + k] > 0) flows += id(i) + "," + id(k) + "," + io::exact_text(s.T[i * n + k]) + "\n";
    }
    regions.push_back({{"region", region}, {"layout", settle::layout_name(layouts[c])}, {"units", n},
                       {"gamma", s.truth.gamma}, {"mu", std::exp(s.truth.log_mu)}, {"log_mu", s.truth.log_mu}});
  }
  const nlohmann::json meta = {{"regions", regions}, {"poisson", !p["noise-free"].get<bool>()}, {"seed", ctx.seed()},
                               {"model", "T_ik ~ Poisson(mu P_i P_k exp(u_k - u_i - gamma d_ik))"}};
  ctx.write_output("units.csv", units);
  ctx.write_output("flows.csv", flows);
  ctx.write_output("truth.csv", truth);
  ctx.write_output("truth.json", meta.dump(2) + "\n");
  ctx.result = meta;
  ctx.summary.push_back(std::to_string(layouts.size()) + " synthetic cities of " +
                        std::to_string(p["side"].get<long long>() * p["side"].get<long long>()) + " units");
}

}  // namespace

job::TaskKind settle_synth_task_kind() {
  job::TaskKind k;
  k.name = "settle.synth";
  k.summary = "Synthetic cities (random, monocentric, polycentric) with flows drawn from the extended model";
  k.uses_seed = true;
  k.params = {
      {"layouts", ParamType::String, "Comma-separated layouts, one region each: random, monocentric, polycentric",
       "monocentric,polycentric"},
      {"side", ParamType::Int, "Lattice side L (L² units per city)", 12, {}, false, 2.0},
      {"cell-km", ParamType::Real, "Cell side in km", 1.0, {}, false, 1e-9},
      {"mean-population", ParamType::Real, "Mean population per unit", 8000.0, {}, false, 1.0},
      {"gamma", ParamType::Real, "True relocation impedance", 0.8},
      {"u-sd", ParamType::Real, "Standard deviation of the random part of u", 0.3, {}, false, 0.0},
      {"u-density", ParamType::Real, "Slope of u on the standardised log density (negative: centre repels)", 0.0},
      {"flow-share", ParamType::Real, "Total flow as a share of total population", 0.25, {}, false, 1e-12},
      {"noise-free", ParamType::Bool, "Write the model flows themselves instead of Poisson counts", false},
  };
  k.outputs = [](const Params&) { return std::vector<std::string>{"units.csv", "flows.csv", "truth.csv", "truth.json"}; };
  k.run = run;
  return k;
}

}  // namespace migra::tasks
