// Task kind `settle.fit` (`migra settle fit`): paper 003's three flow models fitted by least
// squares to each region's unit-to-unit flows, with bootstrap intervals, the LouBar eta* of
// the region, and the resettlement diagram (spatial gamma against eta*, spec §2.6).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "host/report/svg.hpp"
#include "host/io/csv.hpp"
#include "host/tasks/settle_io.hpp"
#include "host/tasks/task_kinds.hpp"
#include "kernels/core/error.hpp"
#include "models/settlement/bootstrap.hpp"
#include "models/settlement/spreading.hpp"

namespace migra::tasks {
namespace {

using job::ParamType;
using job::Params;
using settle::FlowModel;

const FlowModel kModels[] = {FlowModel::Baseline, FlowModel::Extended, FlowModel::Spatial};

/// Spearman's rank correlation (average ranks for ties).
double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  const auto ranks = [](const std::vector<double>& v) {
    std::vector<size_t> o(v.size());
    std::iota(o.begin(), o.end(), 0);
    std::sort(o.begin(), o.end(), [&](size_t x, size_t y) { return v[x] < v[y]; });
    std::vector<double> r(v.size());
    for (size_t s = 0; s < o.size();) {
      size_t e = s;
      while (e + 1 < o.size() && v[o[e + 1]] == v[o[s]]) ++e;
      for (size_t k = s; k <= e; ++k) r[o[k]] = 0.5 * double(s + e);
      s = e + 1;
    }
    return r;
  };
  const std::vector<double> ra = ranks(a), rb = ranks(b);
  const double m = 0.5 * double(a.size() - 1);
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i)
    sab += (ra[i] - m) * (rb[i] - m), saa += (ra[i] - m) * (ra[i] - m), sbb += (rb[i] - m) * (rb[i] - m);
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0.0;
}

struct RegionFit {
  settle::NestedFits fits;
  std::vector<settle::BootstrapSample> boot;
  settle::LouBar loubar, loubar_equal;
  std::vector<double> log_p, density;
  settle::PairGeometry geo;
};

nlohmann::json model_json(const settle::FitResult& f, const std::vector<settle::BootstrapSample>& boot,
                          double level) {
  nlohmann::json j = {{"mu", std::exp(f.params.log_mu)}, {"log_mu", f.params.log_mu}, {"r2", f.r2}, {"phi", f.phi},
                      {"iterations", f.iterations}, {"converged", f.converged}, {"stop", f.stop}};
  j["gamma"] = settle::has_gamma(f.model) ? nlohmann::json(f.params.gamma) : nlohmann::json(nullptr);
  for (const auto& b : boot)
    if (b.model == f.model) {
      const settle::Interval g = settle::percentile_interval(b.gamma, level);
      const settle::Interval m = settle::percentile_interval(b.log_mu, level);
      j["bootstrap"] = {{"replicates", b.gamma.size()}, {"not_converged", b.not_converged}, {"level", level},
                        {"mu_lo", std::exp(m.lo)}, {"mu_hi", std::exp(m.hi)}};
      if (settle::has_gamma(f.model))
        j["bootstrap"].update({{"gamma_mean", g.mean}, {"gamma_sd", g.sd}, {"gamma_lo", g.lo}, {"gamma_hi", g.hi}});
    }
  return j;
}

settle::BootstrapSample empty_sample(FlowModel m, int B) {
  settle::BootstrapSample s;
  s.model = m;
  s.gamma.assign(size_t(B), 0.0), s.log_mu.assign(size_t(B), 0.0), s.r2.assign(size_t(B), 0.0);
  s.iterations.assign(size_t(B), 0);
  return s;
}

/// Copies a chunk's samples into the full sample at replicate k.
void place(settle::BootstrapSample& all, const settle::BootstrapSample& part, int k) {
  std::copy(part.gamma.begin(), part.gamma.end(), all.gamma.begin() + k);
  std::copy(part.log_mu.begin(), part.log_mu.end(), all.log_mu.begin() + k);
  std::copy(part.r2.begin(), part.r2.end(), all.r2.begin() + k);
  std::copy(part.iterations.begin(), part.iterations.end(), all.iterations.begin() + k);
  all.not_converged += part.not_converged;
}

/// A checkpoint: the samples of the regions bootstrapped so far, the last of them up to `done`.
struct BootstrapResume {
  std::vector<std::vector<settle::BootstrapSample>> boot;
  int done = 0;
};

nlohmann::json sample_json(const settle::BootstrapSample& s) {
  return {{"model", int(s.model)}, {"gamma", s.gamma}, {"log_mu", s.log_mu}, {"r2", s.r2},
          {"iterations", s.iterations}, {"not_converged", s.not_converged}};
}

settle::BootstrapSample sample_from(const nlohmann::json& j) {
  settle::BootstrapSample s;
  s.model = FlowModel(j.at("model").get<int>());
  s.gamma = j.at("gamma").get<std::vector<double>>(), s.log_mu = j.at("log_mu").get<std::vector<double>>();
  s.r2 = j.at("r2").get<std::vector<double>>(), s.iterations = j.at("iterations").get<std::vector<int>>();
  s.not_converged = j.at("not_converged");
  return s;
}

void run(job::TaskContext& ctx) {
  const Params& p = ctx.params();
  BootstrapResume resume;
  if (const std::string saved = ctx.load_checkpoint(); !saved.empty()) {
    try {
      const nlohmann::json j = nlohmann::json::parse(saved);
      for (const auto& region : j.at("boot")) {
        resume.boot.emplace_back();
        for (const auto& m : region) resume.boot.back().push_back(sample_from(m));
      }
      resume.done = j.at("done");
      ctx.log("resuming the bootstrap of region " + std::to_string(resume.boot.size()) + " at replicate " +
              std::to_string(resume.done));
      ctx.result["resumed_from_replicate"] = resume.done;
    } catch (const std::exception& e) {
      resume = {};
      ctx.log(std::string("ignoring an unreadable checkpoint (") + e.what() + "): starting again");
    }
  }
  auto last_save = std::chrono::steady_clock::now();
  const auto checkpoint = [&](const std::vector<RegionFit>& fits, size_t g, int done) {
    const auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - last_save).count() < ctx.checkpoint_every_s()) return;
    nlohmann::json j = {{"done", done}, {"boot", nlohmann::json::array()}};
    for (size_t r = 0; r <= g; ++r) {
      nlohmann::json region = nlohmann::json::array();
      for (const auto& s : fits[r].boot) region.push_back(sample_json(s));
      j["boot"].push_back(region);
    }
    ctx.save_checkpoint(j.dump());
    last_save = now;
  };
  const UnitsTable units = read_units(p["units"]);
  std::vector<Region> regions = regions_of(units, p["min-density"].get<double>());
  const FlowStats fs = read_region_flows(p["flows"], units, regions);
  const std::string which = p["model"];
  std::vector<FlowModel> models;
  for (FlowModel m : kModels)
    if (which == "all" || which == settle::model_name(m)) models.push_back(m);
  settle::FitConfig cfg;
  cfg.max_iter = int(p["max-iter"].get<long long>());
  const int B = int(p["bootstrap"].get<long long>());
  const double level = p["confidence"];

  std::vector<RegionFit> out(regions.size());
  for (size_t g = 0; g < regions.size(); ++g) {
    const Region& r = regions[g];
    const std::string label = r.name.empty() ? std::string(p["units"].get<std::string>()) : "region '" + r.name + "'";
    MIGRA_THROW_IF_NOT_FMT(r.ids.size() >= 3, "%s: %zu unit(s) at or above %g persons/km² (at least 3 are needed)",
                           label.c_str(), r.ids.size(), p["min-density"].get<double>());
    RegionFit& f = out[g];
    f.geo = settle::pair_geometry(r.city);
    const bool origin_totals = p["population"] == "origin-totals";
    for (int i = 0; i < r.city.size(); ++i) {
      // P_i of eq. (1): the census count, or the start-of-period population Σ_k T_ik + T_ii (spec §5 gap 1)
      double P = r.city.population[size_t(i)];
      if (origin_totals) {
        P = r.stayers[size_t(i)];
        for (size_t k = 0; k < r.ids.size(); ++k) P += r.T[size_t(i) * r.ids.size() + k];
        MIGRA_THROW_IF_NOT_FMT(P > 0, "%s: unit '%s' has no outflow and no stayers: no origin-total population",
                               label.c_str(), r.ids[size_t(i)].c_str());
      }
      f.log_p.push_back(std::log(P)), f.density.push_back(r.city.density(i));
    }
    const settle::FitProblem prob{r.city.size(), r.T.data(), f.log_p.data(), f.geo.d.data(), nullptr};
    ctx.log("fitting " + label + ": " + std::to_string(r.ids.size()) + " units");
    f.fits = settle::fit_nested(prob, cfg, p["profile-step"].get<double>());
    f.loubar = settle::loubar(f.geo.D, r.city.area, f.density);
    f.loubar_equal = settle::loubar(f.geo.D, r.city.area, f.density, settle::LouBarWeights::Equal);
    if (B > 0) {
      settle::BootstrapConfig bc;
      bc.kind = p["bootstrap-kind"] == "pairs" ? settle::BootstrapKind::Pairs : settle::BootstrapKind::Poisson;
      bc.seed = ctx.seed() + g;
      bc.fit = cfg;
      std::vector<settle::FitResult> start;
      for (FlowModel m : models) start.push_back(f.fits.get(m));
      // Chunks of replicates, checkpointed: a killed run continues where it stopped, and draws
      // are keyed by replicate index, so the samples are those of one uninterrupted call.
      int k = 0;
      if (g < resume.boot.size()) {
        f.boot = resume.boot[g];
        k = g + 1 < resume.boot.size() ? B : resume.done;
      } else {
        for (FlowModel m : models) f.boot.push_back(empty_sample(m, B));
      }
      const int chunk = ctx.backend().is_gpu() ? 1000 : 100;
      const double fits = double(B) * double(start.size());
      for (; k < B; k += chunk) {
        bc.first = k;
        bc.replicates = std::min(chunk, B - k);
        const auto part = settle::bootstrap(ctx.backend(), prob, start, bc, [&](int done) {
          ctx.progress((double(g) + (double(k) * double(start.size()) + done) / fits) / double(regions.size()));
        });
        for (size_t m = 0; m < part.size(); ++m) place(f.boot[m], part[m], k);
        if (k + bc.replicates < B) checkpoint(out, g, k + bc.replicates);
      }
    }
    ctx.progress(double(g + 1) / double(regions.size()));
  }

  // metrics.json
  nlohmann::json jr = nlohmann::json::array();
  std::string fits_csv = "region,model,units,gamma,mu,r2,phi,iterations,converged";
  if (B > 0) fits_csv += ",gamma_sd,gamma_lo,gamma_hi";
  fits_csv += "\n";
  std::string pot_csv = "region,id,population,area_km2,density,u_baseline,u_extended,hotspot\n";
  std::string flow_csv = "region,origin,destination,observed,baseline,extended,spatial\n";
  std::string boot_csv = "region,replicate,model,gamma,mu,r2,iterations\n";
  std::vector<std::pair<double, double>> ofit;  // observed vs extended-model flows, for the plot
  for (size_t g = 0; g < regions.size(); ++g) {
    const Region& r = regions[g];
    const RegionFit& f = out[g];
    nlohmann::json jm = nlohmann::json::object();
    for (FlowModel m : models) {
      const settle::FitResult& fit = f.fits.get(m);
      jm[settle::model_name(m)] = model_json(fit, f.boot, level);
      fits_csv += r.name + "," + settle::model_name(m) + "," + std::to_string(r.ids.size()) + "," +
                  (settle::has_gamma(m) ? io::exact_text(fit.params.gamma) : "") + "," + io::exact_text(std::exp(fit.params.log_mu)) + "," +
                  io::exact_text(fit.r2) + "," + io::exact_text(fit.phi) + "," + std::to_string(fit.iterations) + "," +
                  (fit.converged ? "true" : "false");
      if (B > 0) {
        const auto& b = jm[settle::model_name(m)]["bootstrap"];
        fits_csv += settle::has_gamma(m) ? "," + io::exact_text(b["gamma_sd"]) + "," + io::exact_text(b["gamma_lo"]) + "," + io::exact_text(b["gamma_hi"]) : ",,,";
      }
      fits_csv += "\n";
    }
    const size_t n = r.ids.size();
    double total = 0, zeros = 0;
    for (size_t i = 0; i < n; ++i)
      for (size_t k = 0; k < n; ++k)
        if (i != k) total += r.T[i * n + k], zeros += r.T[i * n + k] == 0;
    const std::vector<double>& ue = f.fits.extended.params.u;
    jr.push_back({{"region", r.name}, {"units", n}, {"dropped_below_min_density", r.dropped}, {"pairs", n * (n - 1)},
                  {"zero_pairs", zeros}, {"total_flow", total}, {"models", jm},
                  {"gamma_profile_min", f.fits.profile.best_gamma},
                  {"loubar", {{"f_star", f.loubar.f_star}, {"rho_star", f.loubar.rho_star}, {"eta_star", f.loubar.eta_star}}},
                  {"loubar_equal_weights", {{"f_star", f.loubar_equal.f_star}, {"rho_star", f.loubar_equal.rho_star},
                                            {"eta_star", f.loubar_equal.eta_star}}},
                  {"spearman_u_extended_density", spearman(ue, f.density)}});
    const auto& ub = f.fits.baseline.params.u;
    for (size_t i = 0; i < n; ++i)
      pot_csv += r.name + "," + r.ids[i] + "," + io::exact_text(r.city.population[i]) + "," + io::exact_text(r.city.area[i]) + "," +
                 io::exact_text(f.density[i]) + "," + io::exact_text(ub[i]) + "," + io::exact_text(ue[i]) + "," + (f.loubar.hotspot[i] ? "1" : "0") + "\n";
    const settle::FitProblem prob{int(n), r.T.data(), f.log_p.data(), f.geo.d.data(), nullptr};
    const auto tb = settle::model_flows(prob, FlowModel::Baseline, f.fits.baseline.params);
    const auto te = settle::model_flows(prob, FlowModel::Extended, f.fits.extended.params);
    const auto ts = settle::model_flows(prob, FlowModel::Spatial, f.fits.spatial.params);
    for (size_t i = 0; i < n; ++i)
      for (size_t k = 0; k < n; ++k)
        if (i != k) {
          flow_csv += r.name + "," + r.ids[i] + "," + r.ids[k] + "," + io::exact_text(r.T[i * n + k]) + "," + io::exact_text(tb[i * n + k]) +
                      "," + io::exact_text(te[i * n + k]) + "," + io::exact_text(ts[i * n + k]) + "\n";
          ofit.emplace_back(r.T[i * n + k], te[i * n + k]);
        }
    for (const auto& b : f.boot)
      for (size_t k = 0; k < b.gamma.size(); ++k)
        boot_csv += r.name + "," + std::to_string(k) + "," + settle::model_name(b.model) + "," +
                    (settle::has_gamma(b.model) ? io::exact_text(b.gamma[k]) : "") + "," + io::exact_text(std::exp(b.log_mu[k])) + "," +
                    io::exact_text(b.r2[k]) + "," + std::to_string(b.iterations[k]) + "\n";
  }
  nlohmann::json metrics = {{"units", ctx.declared()["units"]}, {"flows", ctx.declared()["flows"]},
                            {"coordinates", units.coordinates}, {"min_density", p["min-density"]},
                            {"population", p["population"]},
                            {"distance", "d_ik = D_ik (S_i S_k)^(-1/4), D the centroid distance in km"},
                            {"flow_records", {{"read", fs.records}, {"self", fs.self}, {"between_regions", fs.cross_region},
                                              {"touching_filtered_units", fs.filtered}, {"kept_total", fs.kept_total}}},
                            {"regions", jr}};
  if (regions.size() == 1) metrics["models"] = jr[0]["models"];
  if (B > 0) metrics["bootstrap"] = {{"replicates", B}, {"kind", p["bootstrap-kind"]}, {"seed", ctx.seed()}};
  ctx.write_output("metrics.json", metrics.dump(2) + "\n");
  ctx.write_output("fits.csv", fits_csv);
  ctx.write_output("potentials.csv", pot_csv);
  ctx.write_output("flows_fitted.csv", flow_csv);
  if (B > 0) ctx.write_output("bootstrap.csv", boot_csv);

  // Plots: observed vs fitted (extended), u against density, the resettlement diagram.
  std::vector<report::PointGroup> u_groups, diagram;
  const char* colours[] = {"#2a6fb0", "#d62", "#3a3", "#a3a", "#c90", "#555"};
  report::PointGroup dg{"regions", "#2a6fb0", {}, {}, {}, 5};
  for (size_t g = 0; g < regions.size(); ++g) {
    const size_t n = regions[g].ids.size();
    report::PointGroup ug{regions[g].name.empty() ? "units" : regions[g].name, colours[g % 6], {}, {}, {}, 3};
    for (size_t i = 0; i < n; ++i) ug.x.push_back(std::log10(out[g].density[i])), ug.y.push_back(out[g].fits.extended.params.u[i]);
    u_groups.push_back(ug);
    dg.x.push_back(out[g].fits.spatial.params.gamma);
    dg.y.push_back(out[g].loubar.eta_star);
    dg.labels.push_back(regions[g].name.empty() ? "city" : regions[g].name);
  }
  diagram.push_back(dg);
  report::ScatterOptions so;
  so.title = "Observed vs extended-model flows";
  so.x_label = "observed T_ik";
  so.y_label = "fitted T_ik";
  ctx.write_output("observed_vs_fitted.svg", report::svg_scatter(ofit, so));
  report::PointsOptions uo;
  uo.title = "Attractiveness u (extended model) against density";
  uo.x_label = "log10 density (persons/km²)";
  uo.y_label = "u - min u";
  ctx.write_output("u_vs_density.svg", report::svg_points(u_groups, uo));
  report::PointsOptions dopt;
  dopt.title = "Resettlement diagram";
  dopt.x_label = "relocation impedance gamma (spatial model)";
  dopt.y_label = "spreading index eta*";
  dopt.box = true;
  dopt.box_x0 = 0.68, dopt.box_x1 = 0.92, dopt.box_y0 = 0.26, dopt.box_y1 = 0.54;
  dopt.box_label = "paper 003: monocentric cluster";
  ctx.write_output("resettlement_diagram.svg", report::svg_points(diagram, dopt));

  const nlohmann::json resumed = ctx.result.value("resumed_from_replicate", nlohmann::json());
  ctx.result = metrics;  // the manifest's copy; metrics.json itself is the same for a resumed run
  if (!resumed.is_null()) ctx.result["resumed_from_replicate"] = resumed;
  ctx.drop_checkpoint();
  for (size_t g = 0; g < regions.size(); ++g) {
    const auto& f = out[g].fits;
    char line[320];
    std::snprintf(line, sizeof line, "%s%zu units: gamma %.4f (spatial) %.4f (extended); R² %.3f base, %.3f ext, %.3f spatial; eta* %.3f",
                  regions[g].name.empty() ? "" : (regions[g].name + ": ").c_str(), regions[g].ids.size(),
                  f.spatial.params.gamma, f.extended.params.gamma, f.baseline.r2, f.extended.r2, f.spatial.r2,
                  out[g].loubar.eta_star);
    ctx.summary.push_back(line);
  }
}

}  // namespace

job::TaskKind settle_fit_task_kind() {
  job::TaskKind k;
  k.name = "settle.fit";
  k.summary = "Paper 003's flow models (baseline u_k-u_i, extended u_k-u_i-gamma d, spatial -gamma d) fitted by least "
              "squares per region, with bootstrap intervals, eta* and the resettlement diagram";
  k.uses_seed = true;
  k.gpu_capable = true;  // the bootstrap's batched fits
  k.params = {
      {"units", ParamType::Path, "CSV id,population,area_km2 and lon,lat (degrees) or x,y (km); optional region", nullptr, {}, true},
      {"flows", ParamType::Path, "CSV origin,destination,flow between unit ids (self-flows are ignored)", nullptr, {}, true},
      {"model", ParamType::String, "Which models to report", "all", {"all", "baseline", "extended", "spatial"}},
      {"min-density", ParamType::Real, "Units below this density (persons/km²) are left out (spec §1.4)", 10.0, {}, false, 0.0},
      {"bootstrap", ParamType::Int, "Bootstrap replicates for confidence intervals (0: none)", 0, {}, false, 0.0},
      {"bootstrap-kind", ParamType::String, "poisson: resample flows from the fit; pairs: resample OD pairs", "poisson",
       {"poisson", "pairs"}},
      {"confidence", ParamType::Real, "Level of the percentile intervals", 0.95, {}, false, 0.0},
      {"profile-step", ParamType::Real, "Grid step of the spatial model's gamma profile on [0, 3] (then polished)", 0.01, {}, false, 1e-6},
      {"max-iter", ParamType::Int, "Levenberg-Marquardt iteration cap", 1000, {}, false, 1.0},
      {"population", ParamType::String, "P_i in the flow law: the units' population column, or the origin totals "
                                        "sum_k T_ik + T_ii (the start-of-period population)", "census",
       {"census", "origin-totals"}},
  };
  k.outputs = [](const Params& p) {
    std::vector<std::string> o{"metrics.json", "fits.csv", "potentials.csv", "flows_fitted.csv", "observed_vs_fitted.svg",
                               "u_vs_density.svg", "resettlement_diagram.svg"};
    if (p.value("bootstrap", 0LL) > 0) o.push_back("bootstrap.csv");
    return o;
  };
  k.check = [](const Params& p) {
    std::vector<std::string> problems;
    const double c = p.value("confidence", 0.95);
    if (!(c > 0 && c < 1)) problems.push_back("'confidence' must lie strictly between 0 and 1");
    return problems;
  };
  k.run = run;
  return k;
}

}  // namespace migra::tasks
