// Task kind `settle.spread` (`migra settle spread`): the spreading index eta(rho) of each
// region's units, its LouBar threshold rho* and eta* (spec §2.5), and the hotspot map (Fig. 5).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "host/report/svg.hpp"
#include "host/io/csv.hpp"
#include "host/tasks/settle_io.hpp"
#include "host/tasks/task_kinds.hpp"
#include "kernels/core/error.hpp"
#include "models/settlement/spreading.hpp"

namespace migra::tasks {
namespace {

using job::ParamType;
using job::Params;

void run(job::TaskContext& ctx) {
  const Params& p = ctx.params();
  const UnitsTable units = read_units(p["units"]);
  const std::vector<Region> regions = regions_of(units, p["min-density"].get<double>());
  const bool scaled = p["distance"] == "scaled";
  const auto weights = p["loubar"] == "equal" ? settle::LouBarWeights::Equal : settle::LouBarWeights::Area;
  std::string eta_csv = "region,threshold,eta,hotspots,hotspot_area_share\n";
  std::string hot_csv = "region,id,x_km,y_km,density,hotspot\n";
  nlohmann::json jr = nlohmann::json::array();
  std::vector<report::Series> curves;
  report::PointGroup hot{"hotspot (rho >= rho*)", "#2a6fb0", {}, {}, {}, 4}, cold{"other units", "#e8b400", {}, {}, {}, 4};
  const char* colours[] = {"#2a6fb0", "#d62", "#3a3", "#a3a", "#c90", "#555"};
  for (size_t g = 0; g < regions.size(); ++g) {
    const Region& r = regions[g];
    MIGRA_THROW_IF_NOT_FMT(!r.ids.empty(), "region '%s': no unit at or above %g persons/km²", r.name.c_str(),
                           p["min-density"].get<double>());
    const settle::PairGeometry geo = settle::pair_geometry(r.city);
    const std::vector<double>& D = scaled ? geo.d : geo.D;
    const std::vector<double> rho = r.city.densities();
    const settle::SpreadingCurve c = settle::spreading_curve(D, r.city.area, rho);
    const settle::LouBar lb = settle::loubar(D, r.city.area, rho, weights);
    const settle::LouBar other = settle::loubar(D, r.city.area, rho,
        weights == settle::LouBarWeights::Area ? settle::LouBarWeights::Equal : settle::LouBarWeights::Area);
    for (size_t t = 0; t < c.threshold.size(); ++t)
      eta_csv += r.name + "," + io::exact_text(c.threshold[t]) + "," + io::exact_text(c.eta[t]) + "," + std::to_string(c.hotspots[t]) + "," +
                 io::exact_text(c.hotspot_area_share[t]) + "\n";
    for (size_t i = 0; i < r.ids.size(); ++i) {
      hot_csv += r.name + "," + r.ids[i] + "," + io::exact_text(r.city.x[i]) + "," + io::exact_text(r.city.y[i]) + "," + io::exact_text(rho[i]) + "," +
                 (lb.hotspot[i] ? "1" : "0") + "\n";
      report::PointGroup& grp = lb.hotspot[i] ? hot : cold;
      grp.x.push_back(r.city.x[i]), grp.y.push_back(r.city.y[i]);
    }
    int n_hot = 0;
    for (bool h : lb.hotspot) n_hot += h;
    const auto lbj = [](const settle::LouBar& l) {
      return nlohmann::json{{"f_star", l.f_star}, {"rho_star", l.rho_star}, {"eta_star", l.eta_star}};
    };
    jr.push_back({{"region", r.name}, {"units", r.ids.size()}, {"dropped_below_min_density", r.dropped},
                  {"hotspots", n_hot}, {"rho_star", lb.rho_star}, {"eta_star", lb.eta_star}, {"f_star", lb.f_star},
                  {weights == settle::LouBarWeights::Area ? "loubar_equal_weights" : "loubar_area_weights", lbj(other)}});
    const std::string name = r.name.empty() ? "eta(rho)" : r.name;
    curves.push_back({name, colours[(2 * g) % 6], c.threshold, c.eta, {}, {}});
    curves.push_back({name + ": rho*", colours[(2 * g + 1) % 6], {lb.rho_star, lb.rho_star}, {0.0, lb.eta_star}, {}, {}});
  }
  const nlohmann::json metrics = {
      {"units", ctx.declared()["units"]}, {"coordinates", units.coordinates}, {"min_density", p["min-density"]},
      {"distance", scaled ? "d = D (S_i S_k)^(-1/4)" : "D, centroid distance in km"},
      {"loubar", p["loubar"]}, {"regions", jr}};
  ctx.write_output("metrics.json", metrics.dump(2) + "\n");
  if (p.contains("cutoff-sweep")) {
    std::string sweep = "region,cutoff,units,rho_star,eta_star\n";
    std::stringstream ss(p["cutoff-sweep"].get<std::string>());
    for (std::string item; std::getline(ss, item, ',');) {
      char* end = nullptr;
      const double cut = std::strtod(item.c_str(), &end);
      MIGRA_THROW_IF_NOT_FMT(end != item.c_str() && *end == '\0' && cut >= 0, "'cutoff-sweep': '%s' is not a density",
                             item.c_str());
      for (const Region& r : regions_of(units, cut)) {
        if (r.ids.empty()) continue;
        const settle::PairGeometry geo = settle::pair_geometry(r.city);
        const settle::LouBar lb = settle::loubar(scaled ? geo.d : geo.D, r.city.area, r.city.densities(), weights);
        sweep += r.name + "," + io::exact_text(cut) + "," + std::to_string(r.ids.size()) + "," + io::exact_text(lb.rho_star) +
                 "," + io::exact_text(lb.eta_star) + "\n";
      }
    }
    ctx.write_output("cutoff_sweep.csv", sweep);
  }
  ctx.write_output("eta.csv", eta_csv);
  ctx.write_output("hotspots.csv", hot_csv);
  report::CurveOptions co;
  co.title = "Spreading index eta(rho) and the LouBar threshold";
  co.x_label = "density threshold rho (persons/km²)";
  co.y_label = "eta";
  co.log_x = true;
  ctx.write_output("eta.svg", report::svg_curves(curves, co));
  report::PointsOptions mo;
  mo.title = "Hotspots at the LouBar threshold";
  mo.x_label = "x (km)";
  mo.y_label = "y (km)";
  mo.equal_aspect = true;
  ctx.write_output("hotspot_map.svg", report::svg_points({hot, cold}, mo));
  ctx.result = metrics;
  for (const auto& r : jr) {
    char line[200];
    std::snprintf(line, sizeof line, "%s%d units: rho* = %.4g /km², %d hotspots, eta* = %.4f",
                  r["region"].get<std::string>().empty() ? "" : (r["region"].get<std::string>() + ": ").c_str(),
                  r["units"].get<int>(), r["rho_star"].get<double>(), r["hotspots"].get<int>(), r["eta_star"].get<double>());
    ctx.summary.push_back(line);
  }
}

}  // namespace

job::TaskKind settle_spread_task_kind() {
  job::TaskKind k;
  k.name = "settle.spread";
  k.summary = "Spreading index eta(rho) of each region, its LouBar threshold rho* and eta*, and the hotspot map";
  k.params = {
      {"units", ParamType::Path, "CSV id,population,area_km2 and lon,lat (degrees) or x,y (km); optional region", nullptr, {}, true},
      {"min-density", ParamType::Real, "Units below this density (persons/km²) are left out (spec §1.4)", 10.0, {}, false, 0.0},
      {"loubar", ParamType::String, "Lorenz curve of the threshold: area-weighted, or equal weights (variant A)", "area",
       {"area", "equal"}},
      {"distance", ParamType::String, "raw centroid distance D, or scaled d = D (S_i S_k)^(-1/4)", "raw", {"raw", "scaled"}},
      {"cutoff-sweep", ParamType::String, "Comma-separated density cut-offs: eta* at each (the plateau check of "
                                          "supp. Fig. 9), written to cutoff_sweep.csv"},
  };
  k.outputs = [](const Params& p) {
    std::vector<std::string> o{"metrics.json", "eta.csv", "hotspots.csv", "eta.svg", "hotspot_map.svg"};
    if (p.contains("cutoff-sweep")) o.push_back("cutoff_sweep.csv");
    return o;
  };
  k.run = run;
  return k;
}

}  // namespace migra::tasks
