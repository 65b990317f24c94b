// Task kind `ensemble`: paper 004's dynamics over an ensemble of random maps, scored against a
// reference rank-size curve (e.g. the 2010 US counties). Writes summary.json, rank_size.csv,
// dks.csv, the populations at tau and at the end, the positions, and two SVG figures.
#include <chrono>
#include <cstdio>
#include <map>

#include "host/io/csv.hpp"
#include "host/io/npy.hpp"
#include "host/report/svg.hpp"
#include "host/tasks/task_kinds.hpp"
#include "kernels/core/error.hpp"
#include "kernels/geo/albers.hpp"
#include "kernels/stats/window.hpp"
#include "models/sim_dynamics/top_sites_k.hpp"
#include "models/sim_dynamics/ensemble.hpp"

namespace migra::tasks {
namespace {

using job::ParamType;
using job::Params;

const std::map<std::string, sim::DynamicsModel> kModels = {
    {"gravity", sim::DynamicsModel::Gravity},     {"retail", sim::DynamicsModel::Retail},
    {"two-trip", sim::DynamicsModel::TwoTrip},    {"radiation", sim::DynamicsModel::Radiation},
    {"io", sim::DynamicsModel::InterveningOpportunities}};
const std::map<std::string, sim::InitialPopulation> kPopulations = {
    {"constant", sim::InitialPopulation::Constant},
    {"lognormal", sim::InitialPopulation::LogNormal},
    {"pareto", sim::InitialPopulation::Pareto}};
const std::map<std::string, sim::Layout> kLayouts = {{"uniform", sim::Layout::Uniform}, {"thomas", sim::Layout::Thomas}};

sim::EnsembleConfig config_of(const Params& p, std::uint64_t seed, std::size_t budget) {
  sim::EnsembleConfig c;
  const std::string model = p["model"];
  c.maps = p["maps"];
  c.steps = p["steps"];
  c.score_every = p["score-every"];
  c.seed = seed;
  c.memory_budget = budget;
  c.map.sites = p["sites"];
  c.map.side = p.contains("side") ? p["side"].get<double>() : 1000.0 * std::sqrt(c.map.sites / 1000.0);
  c.map.layout = kLayouts.at(p["layout"]);
  c.map.parents = p["parents"];
  c.map.cluster_sd = p["cluster-sd"];
  c.map.population = kPopulations.at(p["populations"]);
  c.map.q0 = p["q0"];
  c.map.sigma = p["sigma"];
  c.map.pareto_alpha = p["pareto-alpha"];
  c.dynamics.model = kModels.at(model);
  c.dynamics.beta = p.contains("beta") ? p["beta"].get<double>() : model == "two-trip" ? 0.025 : 0.023;
  c.dynamics.gamma = p["gamma"];
  c.dynamics.epsilon = p["epsilon"];
  c.dynamics.L = p.contains("L") ? p["L"].get<double>() : 0.0;
  c.dynamics.lambda = p["lambda"];
  c.dynamics.exclude_self = p["exclude-self"];
  c.dynamics.radiation_literal = p["radiation-literal"];
  return c;
}

/// A reference table: the `population` column and, when it has lon,lat, the positions
/// projected to km (Albers equal-area CONUS), e.g. data/us2010/counties.csv.
struct Reference {
  std::vector<double> q, x, y;
};

Reference read_reference(const std::string& path) {
  const io::CsvTable t = io::CsvTable::read(path);
  const int col = t.column("population");
  const bool located = t.has_column("lon") && t.has_column("lat");
  const int lon = located ? t.column("lon") : -1, lat = located ? t.column("lat") : -1;
  const geo::Albers albers = geo::Albers::conus_km();
  Reference ref;
  for (std::size_t r = 0; r < t.rows(); ++r) {
    const double q = t.number(r, col);
    MIGRA_THROW_IF_NOT_FMT(q >= 0, "%s: negative population %g", t.where(r, col).c_str(), q);
    ref.q.push_back(q);
    if (!located) continue;
    double x, y;
    albers.project(t.number(r, lon), t.number(r, lat), x, y);
    ref.x.push_back(x), ref.y.push_back(y);
  }
  return ref;
}

/// Paper 004's K200 curves (top_sites_k.hpp) at tau: per radius the median and quartiles over
/// the model maps and over the reference samples, all divided by the model median's maximum.
struct K200 {
  std::vector<double> r, model_q25, model_median, model_q75, ref_q25, ref_median, ref_q75, homogeneous;
  double chi2 = 0;
};

K200 top_sites_k(const sim::EnsembleConfig& cfg, const sim::EnsembleResult& res, const Reference& ref,
                 std::uint64_t seed, int samples) {
  const int n = cfg.map.sites, B = cfg.maps, top = std::min(200, n);
  const double L = cfg.map.side;
  K200 k;
  for (int i = 1; i <= 100; ++i) k.r.push_back(L / 200.0 * i);  // up to L/2 (spec §4.2, step 4)
  const auto square = stats::make_rect_window({0, 0, L, L});
  std::vector<std::vector<double>> model(k.r.size()), data(k.r.size());
  double r_m = 0;
  for (int m = 0; m < B; ++m) {
    const std::size_t o = std::size_t(m) * std::size_t(n);
    r_m += sim::mean_pairwise_distance(res.x.data() + o, res.y.data() + o, n) / B;
    const auto c = sim::corrected_top_counts(res.x.data() + o, res.y.data() + o, res.q_tau.data() + o, n, top, k.r,
                                             [&](double r) { return square->mean_disc_fraction(r); });
    for (std::size_t i = 0; i < k.r.size(); ++i) model[i].push_back(c[i]);
  }
  // The reference's window: the convex hull of all its sites; R_W tabulated in km.
  std::vector<double> hx, hy;
  stats::convex_hull(ref.x, ref.y, hx, hy);
  const auto hull = stats::make_polygon_window(hx, hy);
  std::vector<double> grid_r, grid_R;
  const auto sets = sim::reference_samples(int(ref.q.size()), n, samples, seed);
  std::vector<double> sx(static_cast<std::size_t>(n)), sy(sx), sq(sx), scale;
  const auto gather = [&](const std::vector<int>& set) {  // sample -> sx, sy, sq
    for (int i = 0; i < n; ++i) {
      const auto j = std::size_t(set[std::size_t(i)]);
      sx[std::size_t(i)] = ref.x[j], sy[std::size_t(i)] = ref.y[j], sq[std::size_t(i)] = ref.q[j];
    }
  };
  for (const auto& set : sets) {
    gather(set);
    scale.push_back(sim::mean_pairwise_distance(sx.data(), sy.data(), n) / r_m);  // km per model unit
  }
  const double r_max_km = k.r.back() * *std::max_element(scale.begin(), scale.end());
  constexpr int kGrid = 48;  // R_W is smooth in r: linear between 49 tabulated radii
  for (int g = 0; g <= kGrid; ++g) {
    grid_r.push_back(r_max_km * g / kGrid);
    grid_R.push_back(hull->mean_disc_fraction(grid_r.back()));
  }
  const auto R_us = [&](double r) {
    const double f = r / r_max_km * kGrid;
    const int g = std::min(kGrid - 1, int(f));
    return grid_R[std::size_t(g)] + (f - g) * (grid_R[std::size_t(g) + 1] - grid_R[std::size_t(g)]);
  };
  for (std::size_t s = 0; s < sets.size(); ++s) {
    gather(sets[s]);
    std::vector<double> radii_km;
    for (double r : k.r) radii_km.push_back(r * scale[s]);
    const auto c = sim::corrected_top_counts(sx.data(), sy.data(), sq.data(), n, top, radii_km, R_us);
    for (std::size_t i = 0; i < k.r.size(); ++i) data[i].push_back(c[i]);
  }
  double k_max = 0;
  for (auto& v : model) k_max = std::max(k_max, stats::quantile(v, 0.5));
  if (!(k_max > 0)) k_max = 1;
  for (std::size_t i = 0; i < k.r.size(); ++i) {
    k.model_q25.push_back(stats::quantile(model[i], 0.25) / k_max);
    k.model_median.push_back(stats::quantile(model[i], 0.5) / k_max);
    k.model_q75.push_back(stats::quantile(model[i], 0.75) / k_max);
    k.ref_q25.push_back(stats::quantile(data[i], 0.25) / k_max);
    k.ref_median.push_back(stats::quantile(data[i], 0.5) / k_max);
    k.ref_q75.push_back(stats::quantile(data[i], 0.75) / k_max);
    const double pi_r2 = 3.141592653589793 * k.r[i] * k.r[i];
    k.homogeneous.push_back(top * (top - 1) * pi_r2 / (L * L) / k_max);  // E[Count] / R under CSR
    double mean_m = 0, mean_d = 0, var_d = 0;
    for (double v : model[i]) mean_m += v / k_max / double(model[i].size());
    for (double v : data[i]) mean_d += v / k_max / double(data[i].size());
    for (double v : data[i]) var_d += (v / k_max - mean_d) * (v / k_max - mean_d) / std::max<double>(1, double(data[i].size()) - 1);
    if (var_d > 0) k.chi2 += (mean_m - mean_d) * (mean_m - mean_d) / var_d;
  }
  return k;
}

/// A run's state as CBOR (doubles stored exactly), and back.
std::string state_to_bytes(const sim::EnsembleState& st) {
  const auto& p = st.partial;
  const nlohmann::json j = {{"t", st.t}, {"Q", st.Q}, {"scored_steps", p.scored_steps}, {"d_ks", p.d_ks},
                            {"tau", p.tau}, {"d_ks_best", p.d_ks_best}, {"q_tau", p.q_tau},
                            {"conservation", p.max_rel_conservation_error}, {"floor", p.min_floor_ratio}};
  const std::vector<std::uint8_t> bytes = nlohmann::json::to_cbor(j);
  return std::string(bytes.begin(), bytes.end());
}

sim::EnsembleState state_from_bytes(const std::string& bytes) {
  const nlohmann::json j = nlohmann::json::from_cbor(bytes);
  sim::EnsembleState st;
  st.t = j.at("t");
  st.Q = j.at("Q").get<std::vector<double>>();
  auto& p = st.partial;
  p.scored_steps = j.at("scored_steps").get<std::vector<int>>();
  p.d_ks = j.at("d_ks").get<std::vector<double>>();
  p.tau = j.at("tau");
  p.d_ks_best = j.at("d_ks_best");
  p.q_tau = j.at("q_tau").get<std::vector<double>>();
  p.max_rel_conservation_error = j.at("conservation");
  p.min_floor_ratio = j.at("floor");
  return st;
}

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

void write_npy(job::TaskContext& ctx, const std::string& file, const std::vector<double>& v, long rows, long cols) {
  io::NpyWriter w(ctx.output_path(file), rows, cols);
  w.append_rows(v.data(), rows);
  ctx.add_output(file, w.commit());
}

void run(job::TaskContext& ctx) {
  const Params& p = ctx.params();
  const sim::EnsembleConfig cfg = config_of(p, ctx.seed(), ctx.backend().memory_budget());
  const int n = cfg.map.sites;
  if (ctx.team() && ctx.team()->rank() > 0) {  // a member rank: its share of the maps, nothing written
    sim::run_ensemble(cfg, nullptr, {}, nullptr, {}, ctx.team());
    return;
  }
  std::optional<stats::RankCurves> ref;
  Reference table;
  if (p.contains("reference")) {
    table = read_reference(p["reference"]);
    ref = sim::reference_curves(table.q, n, p["reference-samples"], ctx.seed());
  }
  Backend* device = ctx.backend().is_gpu() ? &ctx.backend() : nullptr;
  std::optional<sim::EnsembleState> resume;
  if (const std::string saved = ctx.load_checkpoint(); !saved.empty()) {
    try {
      resume = state_from_bytes(saved);
      ctx.log("resuming from the checkpoint at step " + std::to_string(resume->t));
    } catch (const std::exception& e) {
      ctx.log(std::string("ignoring an unreadable checkpoint (") + e.what() + "): starting again");
    }
  }
  auto last_save = std::chrono::steady_clock::now();
  const auto checkpoint = [&](const sim::EnsembleState& st) {
    const auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - last_save).count() < ctx.checkpoint_every_s()) return;
    ctx.save_checkpoint(state_to_bytes(st));
    last_save = now;
  };
  const sim::EnsembleResult r = sim::run_ensemble(cfg, ref ? &*ref : nullptr, [&](double f) { ctx.progress(f); },
                                                  resume ? &*resume : nullptr, checkpoint, ctx.team(), device);

  // Tables.
  std::string rs = "rank,model_mean,model_sd,model_q25,model_median,model_q75";
  if (ref) rs += ",reference_mean,reference_sd,reference_q25,reference_median,reference_q75,residual_pct";
  rs += "\n";
  for (int k = 0; k < n; ++k) {
    const auto& a = r.at_tau;
    const auto i = std::size_t(k);
    char line[512];
    std::snprintf(line, sizeof line, "%d,%.17g,%.17g,%.17g,%.17g,%.17g", k + 1, a.mean[i], a.sd[i], a.q25[i],
                  a.median[i], a.q75[i]);
    rs += line;
    if (ref) {
      std::snprintf(line, sizeof line, ",%.17g,%.17g,%.17g,%.17g,%.17g,%.17g", ref->mean[i], ref->sd[i], ref->q25[i],
                    ref->median[i], ref->q75[i], 100.0 * (a.mean[i] - ref->mean[i]) / ref->mean[i]);
      rs += line;
    }
    rs += "\n";
  }
  ctx.write_output("rank_size.csv", rs);
  if (ref) {
    std::string d = "step,d_ks\n";
    for (std::size_t k = 0; k < r.d_ks.size(); ++k) d += std::to_string(r.scored_steps[k]) + "," + fmt("%.17g", r.d_ks[k]) + "\n";
    ctx.write_output("dks.csv", d);
  }
  write_npy(ctx, "populations_tau.npy", r.q_tau, cfg.maps, n);
  write_npy(ctx, "populations_final.npy", r.q_final, cfg.maps, n);
  std::vector<double> xy(std::size_t(cfg.maps) * std::size_t(n) * 2);
  for (std::size_t k = 0; k < r.x.size(); ++k) xy[2 * k] = r.x[k], xy[2 * k + 1] = r.y[k];
  write_npy(ctx, "positions.npy", xy, long(r.x.size()), 2);

  // Figures.
  std::vector<double> ranks;
  for (int k = 1; k <= n; ++k) ranks.push_back(k);
  const std::string model = p["model"];
  std::vector<report::Series> curves = {{model, "#2a6fb0", ranks, r.at_tau.median, r.at_tau.q25, r.at_tau.q75}};
  if (ref) curves.push_back({"reference", "#c33", ranks, ref->median, ref->q25, ref->q75});
  report::CurveOptions co;
  co.title = model + ": population by rank at t = " + std::to_string(r.tau) + (ref ? " (D_KS " + fmt("%.4f", r.d_ks_best) + ")" : "");
  co.x_label = "rank";
  co.y_label = "population (median; band: quartiles)";
  co.log_x = co.log_y = true;
  ctx.write_output("rank_size.svg", report::svg_curves(curves, co));
  if (ref) {
    std::vector<double> steps(r.scored_steps.begin(), r.scored_steps.end());
    report::CurveOptions dk;
    dk.title = model + ": D_KS against the reference by step";
    dk.x_label = "step";
    dk.y_label = "D_KS";
    ctx.write_output("dks.svg", report::svg_curves({{"D_KS", "#2a6fb0", steps, r.d_ks, {}, {}}}, dk));
  }

  // Paper 004's K200 of the largest sites, when the reference has positions.
  std::optional<K200> k200;
  if (ref && !table.x.empty()) {
    k200 = top_sites_k(cfg, r, table, ctx.seed(), p["reference-samples"]);
    std::string csv = "r,model_q25,model_median,model_q75,reference_q25,reference_median,reference_q75,homogeneous\n";
    for (std::size_t i = 0; i < k200->r.size(); ++i) {
      char line[400];
      std::snprintf(line, sizeof line, "%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", k200->r[i],
                    k200->model_q25[i], k200->model_median[i], k200->model_q75[i], k200->ref_q25[i],
                    k200->ref_median[i], k200->ref_q75[i], k200->homogeneous[i]);
      csv += line;
    }
    ctx.write_output("k200.csv", csv);
    report::CurveOptions ko;
    ko.title = model + ": K of the 200 largest sites at t = " + std::to_string(r.tau);
    ko.x_label = "r (model units)";
    ko.y_label = "K / max model median (band: quartiles)";
    const std::string svg = report::svg_curves(
        {{model, "#2a6fb0", k200->r, k200->model_median, k200->model_q25, k200->model_q75},
         {"reference", "#c33", k200->r, k200->ref_median, k200->ref_q25, k200->ref_q75},
         {"homogeneous", "#888", k200->r, k200->homogeneous, {}, {}}},
        ko);
    ctx.write_output("k200.svg", svg);
  }

  // Summary.
  nlohmann::json s = {{"model", model}, {"maps", cfg.maps}, {"sites", n}, {"steps", cfg.steps},
                      {"side", cfg.map.side}, {"lambda", cfg.dynamics.lambda}, {"seed", ctx.seed()},
                      {"tau_best", r.tau}, {"max_rel_conservation_error", r.max_rel_conservation_error},
                      {"min_floor_ratio", r.min_floor_ratio}, {"zipf_slope", stats::zipf_slope(r.at_tau.mean)}};
  if (model != "radiation" && model != "io") s["beta"] = cfg.dynamics.beta;
  if (model == "two-trip") s["gamma"] = cfg.dynamics.gamma;
  if (model == "retail") s["epsilon"] = cfg.dynamics.epsilon;
  if (model == "radiation") s["reading"] = cfg.dynamics.radiation_literal ? "literal" : "standard";
  if (ref) {
    s["d_ks_best"] = r.d_ks_best;
    s["chi2_rank"] = stats::chi2_rank(r.at_tau.mean, ref->mean, ref->sd);
    if (k200) s["chi2_k200"] = k200->chi2;
    s["reference"] = {{"file", ctx.declared()["reference"]}, {"samples", p["reference-samples"]}, {"size", n}};
  }
  ctx.write_output("summary.json", s.dump(2) + "\n");
  ctx.drop_checkpoint();
  ctx.result = s;
  if (resume) ctx.result["resumed_from_step"] = resume->t;
  if (ctx.team()) ctx.result["mpi_ranks"] = ctx.team()->size();  // the maps were split over them
  ctx.summary.push_back(model + ": " + std::to_string(cfg.maps) + " maps x " + std::to_string(n) + " sites x " +
                        std::to_string(cfg.steps) + " steps");
  if (ref)
    ctx.summary.push_back("best D_KS " + fmt("%.4f", r.d_ks_best) + " at tau = " + std::to_string(r.tau) +
                          ", chi2_rank " + fmt("%.4g", s["chi2_rank"].get<double>()));
  ctx.summary.push_back("largest site " + fmt("%.4g", r.at_tau.mean[0]) + " (mean over maps), Zipf slope " +
                        fmt("%.3f", s["zipf_slope"].get<double>()) + ", conservation error " +
                        fmt("%.2g", r.max_rel_conservation_error));
}

std::vector<std::string> check(const Params& p) {
  std::vector<std::string> problems = check_model_parameters(p);
  if (p.value("lambda", 0.01) <= 0 || p.value("lambda", 0.01) > 1) problems.push_back("'lambda' must be in (0, 1]");
  if (p.value("populations", "") == "pareto" && p.value("pareto-alpha", 2.0) <= 1)
    problems.push_back("'pareto-alpha' must be > 1 (a finite mean)");
  return problems;
}

}  // namespace

job::TaskKind ensemble_task_kind() {
  job::TaskKind k;
  k.name = "ensemble";
  k.summary = "Paper 004's dynamic spatial interaction models over an ensemble of random maps, "
              "scored by rank-size D_KS against a reference (e.g. the 2010 US counties)";
  k.uses_seed = true;
  k.gpu_capable = true;
  k.splits_members = true;
  k.params = {
      {"model", ParamType::String, "Dynamics", nullptr, keys(kModels), true},
      {"maps", ParamType::Int, "Random maps in the ensemble", 100, {}, false, 1.0},
      {"sites", ParamType::Int, "Sites per map", 1000, {}, false, 2.0},
      {"steps", ParamType::Int, "Euler steps (dt = 1)", 2000, {}, false, 0.0},
      {"lambda", ParamType::Real, "Relocating fraction of the flow per step", 0.01},
      {"beta", ParamType::Real, "Deterrence exp(-beta r) [default: 0.023, two-trip 0.025]", nullptr, {}, false, 0.0},
      {"gamma", ParamType::Real, "Two-Trip range exp(-gamma r)", 1.0, {}, false, 0.0},
      {"epsilon", ParamType::Real, "Retail gravity: D = Q^(1 + epsilon)", 0.1},
      {"L", ParamType::Real, "IO: L per unit population [default: 1 / total population]", nullptr, {}, false, 0.0},
      {"side", ParamType::Real, "Square side [default: 1000 sqrt(sites / 1000), the paper's density]", nullptr, {}, false, 0.0},
      {"layout", ParamType::String, "Site positions", "uniform", keys(kLayouts)},
      {"parents", ParamType::Int, "thomas: cluster centres", 50, {}, false, 1.0},
      {"cluster-sd", ParamType::Real, "thomas: displacement s.d.", 20.0, {}, false, 0.0},
      {"populations", ParamType::String, "Initial populations", "constant", keys(kPopulations)},
      {"q0", ParamType::Real, "Initial (mean) population", 1e5, {}, false, 0.0},
      {"sigma", ParamType::Real, "lognormal: s.d. of log Q", 1.0, {}, false, 0.0},
      {"pareto-alpha", ParamType::Real, "pareto: tail exponent (> 1)", 2.0},
      {"exclude-self", ParamType::Bool, "Gravity family: leave k = i out of the sums", false},
      {"radiation-literal", ParamType::Bool, "Radiation: paper 004's literal reading", false},
      {"reference", ParamType::Path, "CSV with a population column to score against (e.g. data/us2010/counties.csv)"},
      {"reference-samples", ParamType::Int, "Reference curves: samples of `sites` values without replacement", 100, {}, false, 1.0},
      {"score-every", ParamType::Int, "Score D_KS every k steps", 1, {}, false, 1.0},
  };
  k.outputs = [](const Params& p) {
    std::vector<std::string> o = {"summary.json", "rank_size.csv", "populations_tau.npy", "populations_final.npy",
                                  "positions.npy", "rank_size.svg"};
    if (p.contains("reference")) o.insert(o.end(), {"dks.csv", "dks.svg", "k200.csv", "k200.svg"});
    return o;
  };
  k.check = check;
  k.run = run;
  return k;
}

}  // namespace migra::tasks
