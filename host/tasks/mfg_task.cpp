// Task kind `mfg`: paper 001's two-population mean-field game on a network coupled with
// entropic OT (models/city_mfg). Writes the densities and value functions over time (.npy,
// (N_T + 1) x nodes), nodes.csv (where each node lies), residuals.csv, metrics.json (the
// spec's regime metrics) and SVG pictures of the final densities on the network and of the
// fixed-point residuals.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "host/io/npy.hpp"
#include "host/report/svg.hpp"
#include "host/tasks/fit_checkpointing.hpp"
#include "host/tasks/mfg_config.hpp"
#include "host/tasks/task_kinds.hpp"
#include "kernels/core/error.hpp"
#include "models/city_mfg/chain_mc.hpp"

namespace migra::tasks {
namespace {

using job::ParamType;
using job::Params;

std::string write_npy(job::TaskContext& ctx, const std::string& file, const std::vector<double>& v, int rows, int cols) {
  io::NpyWriter w(ctx.output_path(file), rows, cols);
  w.append_rows(v.data(), rows);
  return w.commit();
}

/// Densities m = M / |C| from masses, (N_T + 1) x N.
std::vector<double> densities(const mfg::Grid& g, const std::vector<double>& M) {
  std::vector<double> m(M.size());
  const size_t N = size_t(g.nodes());
  for (size_t k = 0; k < M.size(); ++k) m[k] = M[k] / g.measure[k % N];
  return m;
}

/// The solver's first iterate from an earlier run's densities (guess-w, guess-f): masses
/// m |C| on this grid, which must be the earlier run's ((N_T + 1) x nodes).
mfg::MfgGuess read_guess(const Params& p, const mfg::Grid& g, int NT) {
  mfg::MfgGuess guess;
  for (const auto& [key, masses] : {std::pair{"guess-w", &guess.Mw}, std::pair{"guess-f", &guess.Mf}}) {
    const std::string path = p[key];
    const io::NpyMatrix m = io::read_npy_matrix(path);
    MIGRA_THROW_IF_NOT_FMT(m.rows == NT + 1 && m.cols == g.nodes(),
                           "mfg: %s (%s) is %lld x %lld; this grid needs %d x %d (N_T + 1 times by nodes): the guess "
                           "must come from a run with the same network, dx, dt and T",
                           key, path.c_str(), (long long)m.rows, (long long)m.cols, NT + 1, g.nodes());
    masses->resize(m.data.size());
    for (size_t k = 0; k < m.data.size(); ++k) {
      MIGRA_THROW_IF_NOT_FMT(std::isfinite(m.data[k]) && m.data[k] >= 0.0, "mfg: %s (%s) holds %g at row %zu, node %zu",
                             key, path.c_str(), m.data[k], k / size_t(g.nodes()), k % size_t(g.nodes()));
      (*masses)[k] = m.data[k] * g.measure[k % size_t(g.nodes())];
    }
  }
  return guess;
}

/// Spec test 14 on one population of the solve: `particles` draws of the discrete chain with the
/// last iteration's controls against its FP masses (binomial z-scores) and its HJ value.
nlohmann::json chain_check(const mfg::Grid& g, const mfg::MfgConfig& cfg, const mfg::PopulationConfig& pop,
                           const mfg::Controls& ctl, const std::vector<double>& G, const std::vector<double>& M,
                           const std::vector<double>& U, int NT, long long particles, std::uint64_t seed) {
  const size_t N = size_t(g.nodes());
  const std::vector<double> M0(M.begin(), M.begin() + long(N));
  const std::vector<double> fp = mfg::solve_fp(g, pop.sl, cfg.dt, NT, ctl, M0);
  const mfg::ChainSample s = mfg::sample_chain(g, pop.sl, cfg.controls, cfg.dt, NT, ctl, G, M0, particles, seed);
  const mfg::ChainAgreement a = mfg::compare_chain(s, fp, NT, int(N));
  double mass = 0.0, value = 0.0;
  for (size_t q = 0; q < N; ++q) mass += M0[q], value += M0[q] * U[q];
  value /= mass;
  const double se = s.cost_sd / std::sqrt(double(particles));
  return {{"particles", particles}, {"cells_scored", a.cells}, {"max_abs_z", a.max_abs_z}, {"mean_z2", a.mean_z2},
          {"particles_where_fp_has_no_mass", a.impossible}, {"chain_mean_cost", s.mean_cost},
          {"chain_cost_standard_error", se}, {"hj_value", value}, {"cost_z", se > 0.0 ? (s.mean_cost - value) / se : 0.0}};
}

/// What s does to the arclength walk's parameter, in words.
std::string walk_parameter(const mfg::MfgConfig& cfg) {
  return cfg.arclength_parameter == "C" ? "overcrowding coefficients C s"
         : cfg.arclength_parameter == "b" ? "overcrowding thresholds b / s"
                                          : "viscosities nu / s";
}

/// The arclength solver's branch: branch.csv (a point per line: its s, residual, corrector
/// steps, step, whether s turned back there, and the regime metrics of its final densities),
/// branch_{w,f}.npy (each point's final densities, points x nodes) and branch.svg. Returns the
/// folds: the points where s turns back.
int write_branch(job::TaskContext& ctx, const mfg::Grid& g, const mfg::MfgConfig& cfg, const mfg::MfgResult& r) {
  if (r.branch.empty()) return 0;
  const size_t N = size_t(g.nodes()), P = r.branch.size();
  std::string csv = "point,s,residual,corrector_steps,step,fold,overlap,peak_w,peak_f,clusters_w,clusters_f\n";
  std::vector<double> s, ov, pw, pf, mw(P * N), mf(P * N);
  int folds = 0;
  char line[320];
  for (size_t k = 0; k < P; ++k) {
    const auto& b = r.branch[k];
    const mfg::RegimeMetrics m =
        mfg::regime_metrics(g, r.branch_w.data() + k * N, r.branch_f.data() + k * N, r.mass_w, r.mass_f);
    const bool fold = k > 0 && k + 1 < P && (r.branch[k + 1].scale - b.scale) * (b.scale - r.branch[k - 1].scale) < 0.0;
    folds += fold;
    std::snprintf(line, sizeof line, "%zu,%.17g,%.17g,%d,%.17g,%d,%.17g,%.17g,%.17g,%d,%d\n", k, b.scale, b.residual,
                  b.corrector_steps, b.ds, int(fold), m.overlap, m.peak_w, m.peak_f, m.clusters_w, m.clusters_f);
    csv += line;
    s.push_back(b.scale), ov.push_back(m.overlap), pw.push_back(m.peak_w), pf.push_back(m.peak_f);
    for (size_t q = 0; q < N; ++q)
      mw[k * N + q] = r.branch_w[k * N + q] / g.measure[q], mf[k * N + q] = r.branch_f[k * N + q] / g.measure[q];
  }
  ctx.write_output("branch.csv", csv);
  ctx.add_output("branch_w.npy", write_npy(ctx, "branch_w.npy", mw, int(P), int(N)));
  ctx.add_output("branch_f.npy", write_npy(ctx, "branch_f.npy", mf, int(P), int(N)));
  report::CurveOptions o;
  o.title = "Branch of fixed points (" + std::to_string(folds) + " folds)";
  o.x_label = "s (" + walk_parameter(cfg) + ")";
  o.log_x = true;
  o.y_label = "peak ratio, overlap";
  ctx.write_output("branch.svg", report::svg_curves({{"peak, workers", "#2a6fb0", s, pw, {}, {}},
                                                     {"peak, firms", "#d2482b", s, pf, {}, {}},
                                                     {"overlap", "#444444", s, ov, {}, {}}}, o));
  return folds;
}

/// The task's config as `migra validate` sees it: read when the file is there (not another
/// task's output still to be written), else none. Throws migra::Error for its problems.
std::optional<mfg::MfgConfig> config_now(const Params& p) {
  if (!p.contains("config")) return default_mfg_config();
  const std::string path = p["config"];
  if (!std::filesystem::is_regular_file(path)) return std::nullopt;
  return read_mfg_config(path);
}

void run(job::TaskContext& ctx) {
  const Params& p = ctx.params();
  const auto t0 = std::chrono::steady_clock::now();
  const mfg::Network net = mfg::read_network(p["network"]);
  mfg::MfgConfig cfg = p.contains("config") ? read_mfg_config(p["config"]) : default_mfg_config();
  if (p.contains("max-iter")) cfg.max_iter = p["max-iter"];
  if (p.contains("solver")) cfg.solver = p["solver"].get<std::string>();
  const mfg::Grid g = mfg::make_grid(net, cfg.dx);
  const int N = g.nodes();
  if (p.contains("monte-carlo"))  // refused now rather than after the solve
    for (const mfg::PopulationConfig* pop : {&cfg.workers, &cfg.firms}) mfg::check_chain_fits(g, pop->sl);
  ctx.log("grid: " + std::to_string(N) + " nodes, " + std::to_string(cfg.steps()) + " time steps");
  const std::vector<double> D = mfg::node_distances(g);
  MIGRA_THROW_IF_NOT_FMT(p.contains("guess-w") == p.contains("guess-f"), "mfg: give both guess-w and guess-f, or neither");
  const mfg::MfgGuess guess = p.contains("guess-w") ? read_guess(p, g, cfg.steps()) : mfg::MfgGuess{};
  const models::Checkpointing ck = fit_checkpointing(ctx, 1);  // saves at most every checkpoint_every_s()
  const bool walk = cfg.solver == "arclength";  // reports points and their nu divisors, not residuals
  const mfg::MfgResult r = mfg::solve_mfg(ctx.backend(), g, D, cfg, [&](int s, double v) {
    const double done = walk ? std::max(double(s + 1) / cfg.arclength_points, std::fabs(std::log(v)) / std::log(cfg.arclength_to))
                             : std::max(double(s + 1) / cfg.max_iter, std::log(v) / std::log(cfg.tol));
    ctx.progress(std::min(0.99, done));
  }, ck, guess.Mw.empty() ? nullptr : &guess);
  const int rows = r.NT + 1;
  const std::vector<double> mw = densities(g, r.Mw), mf = densities(g, r.Mf);
  ctx.add_output("densities_w.npy", write_npy(ctx, "densities_w.npy", mw, rows, N));
  ctx.add_output("densities_f.npy", write_npy(ctx, "densities_f.npy", mf, rows, N));
  ctx.add_output("values_w.npy", write_npy(ctx, "values_w.npy", r.Uw, rows, N));
  ctx.add_output("values_f.npy", write_npy(ctx, "values_f.npy", r.Uf, rows, N));

  std::string nodes = "node,edge,y,x_plane,y_plane,measure\n";
  char line[256];
  for (int q = 0; q < N; ++q) {
    std::snprintf(line, sizeof line, "%d,%d,%.17g,%.17g,%.17g,%.17g\n", q, g.node_edge[size_t(q)], g.node_y[size_t(q)],
                  g.px[size_t(q)], g.py[size_t(q)], g.measure[size_t(q)]);
    nodes += line;
  }
  ctx.write_output("nodes.csv", nodes);
  const bool newton = cfg.solver != "picard";  // residuals: the start's, then one per step
  std::string res = newton ? "step,residual,step_length\n" : "iteration,residual,theta\n";
  std::vector<double> it;
  for (size_t k = 0; k < r.residuals.size(); ++k) {
    const size_t step = newton ? k : k + 1;
    std::snprintf(line, sizeof line, "%zu,%.17g,%.17g\n", step, r.residuals[k], r.thetas[k]);
    res += line;
    it.push_back(double(step));
  }
  ctx.write_output("residuals.csv", res);

  const size_t last = size_t(r.NT) * size_t(N);
  const mfg::RegimeMetrics rm = mfg::regime_metrics(g, r.Mw.data() + last, r.Mf.data() + last, r.mass_w, r.mass_f);
  const int folds = write_branch(ctx, g, cfg, r);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  nlohmann::json m = {{"nodes", N}, {"time_steps", r.NT}, {"edges", net.edges.size()}, {"length", net.total_length()},
                      {"solver", cfg.solver}, {"converged", r.converged}, {"iterations", r.iterations},
                      {"sweeps", r.sweeps}, {"stalled", r.stalled},
                      {"residual", r.residuals.empty() ? 0.0 : r.residuals.back()}, {"tol", cfg.tol},
                      {"overlap", rm.overlap}, {"peak_w", rm.peak_w}, {"peak_f", rm.peak_f},
                      {"clusters_w", rm.clusters_w}, {"clusters_f", rm.clusters_f},
                      {"mass_w", r.mass_w}, {"mass_f", r.mass_f}, {"cost", cfg.cost}, {"potential", cfg.potential},
                      {"eps", cfg.eps}, {"control_temperature", cfg.controls.temperature},
                      {"rent_smoothing", cfg.rent_smoothing},
                      {"diffusion", {{"workers", cfg.workers.sl.diffusion}, {"firms", cfg.firms.sl.diffusion}}},
                      {"ot_method", r.ot_method}, {"ot_iterations", r.ot_iterations}, {"ot_weight_floor_hits", r.floor_hits},
                      {"saturated_controls", r.saturated}};
  if (!r.branch.empty())  // the masses, and so the regime metrics above, are the branch's last point's
    m["branch"] = {{"points", r.branch.size()}, {"folds", folds}, {"parameter", cfg.arclength_parameter},
                   {"s", r.branch.back().scale},
                   {"residual", r.branch.back().residual}, {"to", cfg.arclength_to}, {"end", r.branch_end}};
  ctx.write_output("metrics.json", m.dump(2) + "\n");
  if (p.contains("monte-carlo")) {
    MIGRA_THROW_IF_NOT_FMT(!r.controls_w.alpha.empty(), "mfg: --monte-carlo needs a Picard iteration to check");
    const long long P = p["monte-carlo"];
    ctx.log("monte carlo: " + std::to_string(P) + " particles per population");
    const nlohmann::json mc = {
        {"workers", chain_check(g, cfg, cfg.workers, r.controls_w, r.G_w, r.Mw, r.Uw, r.NT, P, ctx.seed())},
        {"firms", chain_check(g, cfg, cfg.firms, r.controls_f, r.G_f, r.Mf, r.Uf, r.NT, P, ctx.seed() + 1)}};
    ctx.write_output("monte_carlo.json", mc.dump(2) + "\n");
    for (const char* k : {"workers", "firms"}) {
      std::snprintf(line, sizeof line, "monte carlo, %s: max |z| %.2f over %lld cells, mean z^2 %.3f, %lld impossible; "
                    "cost %.6g vs U %.6g (z %.2f)", k, mc[k]["max_abs_z"].get<double>(),
                    mc[k]["cells_scored"].get<long long>(), mc[k]["mean_z2"].get<double>(),
                    mc[k]["particles_where_fp_has_no_mass"].get<long long>(), mc[k]["chain_mean_cost"].get<double>(),
                    mc[k]["hj_value"].get<double>(), mc[k]["cost_z"].get<double>());
      ctx.summary.push_back(line);
    }
  }

  std::vector<std::vector<int>> edges;
  for (int j = 0; j < int(net.edges.size()); ++j) {
    std::vector<int> e;
    for (int q = 0; q <= g.cells[size_t(j)]; ++q) e.push_back(g.node(j, q));
    edges.push_back(e);
  }
  const std::vector<double> fw(mw.begin() + long(last), mw.end()), ff(mf.begin() + long(last), mf.end());
  std::snprintf(line, sizeof line, "Final densities (t = %g): overlap %.2f, clusters %d / %d", cfg.T, rm.overlap,
                rm.clusters_w, rm.clusters_f);
  ctx.write_output("final_densities.svg", report::svg_network(g.px, g.py, edges, {{"workers", "#2a6fb0", fw}, {"firms", "#d2482b", ff}}, line));
  report::CurveOptions o;
  o.title = "Fixed-point residual";
  o.x_label = newton ? "Newton step" : "Picard iteration";
  o.y_label = "max_k,n |M~ - M|_1 / Mass";
  o.log_y = true;
  ctx.write_output("residuals.svg", report::svg_curves({{"residual", "#2a6fb0", it, r.residuals, {}, {}}}, o));
  ctx.drop_checkpoint();
  // Timings go to the manifest only, so that a resumed solve writes the same metrics.json.
  ctx.result = m;
  ctx.result["seconds"] = seconds;
  ctx.result[newton ? "seconds_per_newton_step" : "seconds_per_picard_iteration"] =
      seconds / std::max(1, r.iterations - r.resumed_at);
  ctx.result["resumed_at_iteration"] = r.resumed_at;
  const bool walked = !r.branch.empty();
  if (walked) {
    const std::string why = r.branch_end == "lost" ? "lost there: no corrector converged, even at 1e-3 of arclength-step"
                            : r.branch_end == "window" ? "ended: s left [1/arclength-to, arclength-to]"
                                                       : "ended: arclength-points reached";
    std::snprintf(line, sizeof line, "branch: %zu points from s = 1 to s = %.4g (%s), %d folds, %s; the last "
                  "point's residual %.2e", r.branch.size(), r.branch.back().scale, walk_parameter(cfg).c_str(), folds,
                  why.c_str(), r.branch.back().residual);
    ctx.summary.push_back(line);
    std::snprintf(line, sizeof line, "%d nodes x %d steps: the start by %d Newton steps, %lld sweeps in all; at the "
                  "last point overlap %.3f, peaks %.2f / %.2f, clusters %d / %d", N, r.NT, r.iterations, r.sweeps,
                  rm.overlap, rm.peak_w, rm.peak_f, rm.clusters_w, rm.clusters_f);
  } else {
    const std::string done = newton ? std::to_string(r.iterations) + " Newton steps (" + std::to_string(r.sweeps) +
                                          " sweeps" + (r.stalled ? "; stalled: no 10% progress in 5 steps" : "") + ")"
                                    : std::to_string(r.iterations) + " Picard iterations";
    std::snprintf(line, sizeof line, "%d nodes x %d steps: %s after %s (residual %.2e); overlap %.3f, "
                  "peaks %.2f / %.2f, clusters %d / %d", N, r.NT, r.converged ? "converged" : "NOT CONVERGED",
                  done.c_str(), r.residuals.empty() ? 0.0 : r.residuals.back(), rm.overlap, rm.peak_w, rm.peak_f,
                  rm.clusters_w, rm.clusters_f);
  }
  ctx.summary.push_back(line);
}

}  // namespace

job::TaskKind mfg_task_kind() {
  job::TaskKind k;
  k.name = "mfg";
  k.summary = "Two-population mean-field game on a network coupled with entropic OT (paper 001): densities, "
              "value functions, regime metrics and pictures";
  k.gpu_capable = true;  // the per-step labour-market OT runs on the backend
  k.params = {
      {"network", ParamType::Path, "Network file: 'vertex ID X Y' and 'edge A B [length=L] [h=H]' lines", nullptr, {}, true},
      {"config", ParamType::Path, "MFG configuration (TOML: [mfg], [workers], [firms]); default: paper 001's Table 1"},
      {"max-iter", ParamType::Int, "Override the config's cap on Picard iterations (or Newton steps)", nullptr, {}, false, 1.0},
      {"solver", ParamType::String,
       "Override the config's solver: picard (damped fixed-point iteration), newton (Newton-Krylov on G(M) - M = 0, "
       "for where Picard stalls, e.g. small viscosities; best started from a nearby solution with guess-w/-f) or "
       "arclength (Newton's solution, then its branch followed through folds in the config's [mfg] "
       "arclength-parameter, nu by default, towards nu / arclength-to: branch.csv, branch_{w,f}.npy, branch.svg)",
       nullptr, {"picard", "newton", "arclength"}},
      {"guess-w", ParamType::Path,
       "densities_w.npy of an earlier mfg run with the same network, dx, dt and T: with guess-f, the solver's first "
       "iterate instead of m0 held at every time (continuation in a parameter; in a job, \"@TASK/densities_w.npy\")"},
      {"guess-f", ParamType::Path, "densities_f.npy of the same earlier run (with guess-w)"},
      {"monte-carlo", ParamType::Int,
       "Check the last iteration with this many simulated particles per population (spec test 14): monte_carlo.json "
       "with binomial z-scores of the node counts against the FP masses and the mean realised cost against U",
       nullptr, {}, false, 1.0},
  };
  k.uses_seed = true;  // the Monte Carlo check's particles
  k.outputs = [](const Params& p) {
    std::vector<std::string> o{"densities_w.npy", "densities_f.npy", "values_w.npy", "values_f.npy", "nodes.csv",
                               "residuals.csv", "metrics.json", "final_densities.svg", "residuals.svg"};
    if (p.contains("monte-carlo")) o.push_back("monte_carlo.json");
    std::string solver = p.value("solver", "");
    if (solver.empty()) try {
        if (const auto c = config_now(p)) solver = c->solver;
      } catch (const Error&) {  // reported by check
      }
    if (solver == "arclength") o.insert(o.end(), {"branch.csv", "branch_w.npy", "branch_f.npy", "branch.svg"});
    return o;
  };
  k.check = [](const Params& p) {  // the config's problems before anything runs
    try {
      config_now(p);
    } catch (const Error& e) {
      return std::vector<std::string>{e.what()};
    }
    return std::vector<std::string>{};
  };
  k.run = run;
  return k;
}

}  // namespace migra::tasks
