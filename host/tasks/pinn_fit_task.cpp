// Task kind `pinn.fit` (`migra pinn fit`): paper 000's inverse PINN on annual migration
// balances: preprocessing (spec §1.3), the trained networks R̂_u(t), λ_u(t), the identified
// coefficients, the fit per node, a forecast past the last year, and the self-consistency of
// the identified equation of motion (integrated with the learned λ against R̂).
#include <cmath>
#include <cstdio>

#include "host/tasks/pinn_io.hpp"
#include "host/io/csv.hpp"
#include "host/report/svg.hpp"
#include "host/tasks/fit_checkpointing.hpp"
#include "host/tasks/task_kinds.hpp"
#include "kernels/core/error.hpp"
#include "kernels/stats/pchip.hpp"
#include "models/pinn_migration/motion.hpp"
#include "models/pinn_migration/pinn.hpp"
#include "models/torch_runtime.hpp"

namespace migra::tasks {
namespace {

using job::ParamType;
using job::Params;

/// R² and RMSE of one node's fit at the data years (normalised units).
struct NodeFit {
  double r2, rmse;
};
NodeFit node_fit(const double* obs, const double* fit, int T) {
  double mean = 0, sse = 0, sst = 0;
  for (int k = 0; k < T; ++k) mean += obs[k] / T;
  for (int k = 0; k < T; ++k) sse += std::pow(obs[k] - fit[k], 2), sst += std::pow(obs[k] - mean, 2);
  return {sst > 0 ? 1 - sse / sst : (sse == 0 ? 1.0 : 0.0), std::sqrt(sse / T)};
}

pinn::PinnConfig config_of(const Params& p, job::TaskContext& ctx) {
  pinn::PinnConfig c;
  c.epochs = int(p["epochs"].get<long long>());
  c.width = int(p["width"].get<long long>());
  c.collocation = int(p["collocation"].get<long long>());
  c.activation = p["activation"];
  c.relu_after_penultimate = p["relu-after-penultimate"];
  c.coeff_mode = p["coeff-mode"];
  c.g_mode = p["g-mode"];
  c.lambda_mode = p["lambda"];
  c.derivatives = p["derivatives"];
  c.symmetric_K = p["symmetric-k"];
  c.fix_ce = p["fix-ce"];
  c.hard_ic = p["hard-ic"];
  c.project_coefficients = p["project-coefficients"];
  c.float64 = p["float64"];
  c.lr = p["lr"], c.lr_min = p["lr-min"], c.weight_decay = p["weight-decay"], c.clip = p["clip"];
  c.seed = ctx.seed();
  c.log_every = std::max(1, c.epochs / 200);
  if (ctx.backend().is_gpu() && models::torch_has_cuda()) c.device = ctx.backend().name();
  else if (ctx.backend().is_gpu()) ctx.log("placed on " + ctx.backend().name() + ", but this LibTorch has no CUDA: training on the CPU");
  return c;
}

void run(job::TaskContext& ctx) {
  const Params& p = ctx.params();
  const MigrationNodes nodes = read_migration_nodes(p["nodes"]);
  const pinn::Balances bal = read_balances(p["balances"], nodes);
  const pinn::Scaled sc = pinn::preprocess(bal, p["global-scale"]);
  const int n = bal.nodes(), T = bal.years_count(), m = n - 1;
  pinn::Problem pb;
  pb.n = n, pb.t_data = sc.t, pb.R = sc.R;
  // --densify d: the data loss sees each node's PCHIP through its T points, sampled d times in
  // each interval between data years (spec §7.10's reading of "interpolation was used"); the
  // fit is still reported at the data years, which are every d-th dense time.
  const int densify = int(p["densify"].get<long long>());
  if (densify > 1) {
    pb.t_data.clear();
    for (int k = 0; k + 1 < T; ++k)
      for (int s = 0; s < densify; ++s)
        pb.t_data.push_back(sc.t[size_t(k)] + (sc.t[size_t(k + 1)] - sc.t[size_t(k)]) * s / densify);
    pb.t_data.push_back(sc.t.back());
    pb.R.clear();
    for (int u = 0; u < n; ++u) {
      const stats::Pchip through(sc.t, std::vector<double>(sc.R.begin() + u * T, sc.R.begin() + (u + 1) * T));
      for (size_t j = 0; j < pb.t_data.size(); ++j)
        pb.R.push_back(j % size_t(densify) == 0 ? sc.R[size_t(u * T) + j / size_t(densify)] : through(pb.t_data[j]));
    }
  }
  pb.F = pinn::correlation_matrix(bal.R, n, T);
  pb.D = pinn::distance_matrix(nodes.lat, nodes.lon);
  pb.a = pinn::age_vector(nodes.mean_age);
  pinn::PinnConfig cfg = config_of(p, ctx);
  const int forecast = int(p["forecast-years"].get<long long>());
  for (int k = 1; k <= forecast; ++k) cfg.extra_times.push_back(sc.time(bal.years.back() + k));

  const models::Checkpointing ck = fit_checkpointing(ctx, cfg.log_every);  // saves at most every checkpoint_every_s()
  ctx.log("training the PINN on " + std::to_string(m) + " nodes + the external one, " + std::to_string(T) + " years (" +
          io::exact_text(bal.years.front()) + "–" + io::exact_text(bal.years.back()) + "), " + std::to_string(cfg.epochs) + " epochs");
  int next_log = 10;
  const pinn::PinnResult r = pinn::train_pinn(pb, cfg, [&](const pinn::LossParts& l) {
    ctx.progress(double(l.epoch) / std::max(1, cfg.epochs));
    if (100 * l.epoch >= next_log * cfg.epochs) {
      char line[160];
      std::snprintf(line, sizeof line, "epoch %d: loss %.4g (initial %.3g, data %.3g, physics %.3g), lr %.3g", l.epoch,
                    l.total, l.l0, l.ld, l.lp, l.lr);
      ctx.log(line);
      next_log += 10;
    }
  }, ck);
  const size_t P = r.grid.size();
  std::vector<double> R_years(size_t(n) * size_t(T));  // R̂ at the data years
  const size_t dense = pb.t_data.size(), stride = densify > 1 ? size_t(densify) : 1;
  for (int u = 0; u < n; ++u)
    for (int k = 0; k < T; ++k) R_years[size_t(u * T + k)] = r.R_data[size_t(u) * dense + size_t(k) * stride];

  // Fit per node, at the data years
  nlohmann::json per_node = nlohmann::json::array();
  double r2_sum = 0, rmse_sum = 0;
  std::string fit_csv = "node,year,observed,fitted,observed_scaled,fitted_scaled\n";
  for (int u = 0; u < n; ++u) {
    const NodeFit f = node_fit(&sc.R[size_t(u * T)], &R_years[size_t(u * T)], T);
    r2_sum += f.r2, rmse_sum += f.rmse;
    per_node.push_back({{"node", bal.ids[size_t(u)]}, {"r2", f.r2}, {"rmse", f.rmse}, {"scale", sc.scale[size_t(u)]}});
    for (int k = 0; k < T; ++k)
      fit_csv += io::csv_field(bal.ids[size_t(u)]) + "," + io::exact_text(bal.years[size_t(k)]) + "," + io::exact_text(bal.R[size_t(u * T + k)]) + "," +
                 io::exact_text(sc.people(u, R_years[size_t(u * T + k)])) + "," + io::exact_text(sc.R[size_t(u * T + k)]) + "," +
                 io::exact_text(R_years[size_t(u * T + k)]) + "\n";
  }
  // Self-consistency (spec §6 S3): the identified ODE integrated with the learned λ against R̂.
  const std::vector<double> ode_R = pinn::integrate_motion(r.coefficients, pb.a, r.grid, r.lambda, 1, r.grid);
  double sc_mean = 0, res2 = 0, lam2 = 0;
  for (int u = 0; u < n; ++u) {
    double se = 0;
    for (size_t k = 0; k < P; ++k) se += std::pow(ode_R[size_t(u) * P + k] - r.R[size_t(u) * P + k], 2);
    per_node[size_t(u)]["self_consistency_rmse"] = std::sqrt(se / double(P));
    sc_mean += std::sqrt(se / double(P)) / n;
  }
  for (size_t k = 0; k < r.residual.size(); ++k)
    res2 += r.residual[k] * r.residual[k], lam2 += std::pow(r.coefficients.c_e * r.lambda[k], 2);

  std::string series = "node,t,year,R_hat,dR_hat,d2R_hat,lambda,residual,R_people,ode_R\n";
  for (int u = 0; u < n; ++u)
    for (size_t k = 0; k < P; ++k) {
      const size_t i = size_t(u) * P + k;
      series += io::csv_field(bal.ids[size_t(u)]) + "," + io::exact_text(r.grid[k]) + "," + io::exact_text(sc.year(r.grid[k])) + "," + io::exact_text(r.R[i]) + "," +
                io::exact_text(r.dR[i]) + "," + io::exact_text(r.d2R[i]) + "," + io::exact_text(r.lambda[i]) + "," + io::exact_text(r.residual[i]) + "," +
                io::exact_text(sc.people(u, r.R[i])) + "," + io::exact_text(ode_R[i]) + "\n";
    }
  // Forecast: R̂ extrapolated past t~ = 1 (the spec's default), or the identified equation
  // integrated on with λ held at its last value (--forecast-method ode).
  const bool by_ode = p["forecast-method"].get<std::string>() == "ode";
  pinn::MotionOptions hold;
  hold.hold_after_grid = true;
  const std::vector<double> R_forecast =
      by_ode && forecast > 0 ? pinn::integrate_motion(r.coefficients, pb.a, r.grid, r.lambda, 1, cfg.extra_times, hold)
                             : r.R_extra;
  std::string fc = "node,year,R_hat,R_people\n";
  for (int u = 0; u < n; ++u)
    for (int k = 0; k < forecast; ++k) {
      const double v = R_forecast[size_t(u * forecast + k)];
      fc += io::csv_field(bal.ids[size_t(u)]) + "," + io::exact_text(bal.years.back() + k + 1) + "," + io::exact_text(v) + "," + io::exact_text(sc.people(u, v)) + "\n";
    }
  std::string loss = "epoch,total,initial,data,physics,lr\n";
  std::vector<double> ep, tot, l0, ld, lp;
  for (const auto& l : r.history) {
    loss += std::to_string(l.epoch) + "," + io::exact_text(l.total) + "," + io::exact_text(l.l0) + "," + io::exact_text(l.ld) + "," + io::exact_text(l.lp) + "," + io::exact_text(l.lr) + "\n";
    ep.push_back(l.epoch), tot.push_back(l.total), l0.push_back(l.l0), ld.push_back(l.ld), lp.push_back(l.lp);
  }
  const pinn::Coefficients& c = r.coefficients;
  nlohmann::json coeff = {{"K", c.K}, {"G", c.G}, {"c_a", c.c_a}, {"c_e", c.c_e}, {"coeff_mode", cfg.coeff_mode},
                          {"K_eigenvalues", {{"re", c.K_eig_re}, {"im", c.K_eig_im}}}, {"G_eigenvalues", c.G_eig},
                          {"g_mode", cfg.g_mode}, {"nodes", bal.ids}, {"F", pb.F}, {"D", pb.D}, {"a", pb.a},
                          {"scale", sc.scale}, {"shift", sc.shift}, {"years", bal.years}};
  if (cfg.coeff_mode == "scalar") coeff["c_r"] = c.c_r, coeff["c_d"] = c.c_d;
  else coeff["C_r"] = c.C_r, coeff["C_d"] = c.C_d;

  const nlohmann::json metrics = {
      {"r2_mean", r2_sum / n}, {"rmse_mean", rmse_sum / n}, {"nodes", per_node},
      {"physics_residual_mean_sq", res2 / double(r.residual.size())},
      {"forcing_mean_sq", lam2 / double(r.residual.size())},
      {"self_consistency_rmse_mean", sc_mean},
      {"eigenvalues", {{"K_min_real", *std::min_element(c.K_eig_re.begin(), c.K_eig_re.end())},
                       {"K_max_real", *std::max_element(c.K_eig_re.begin(), c.K_eig_re.end())},
                       {"G_min", c.G_eig.front()}, {"G_max", c.G_eig.back()}}},
      {"final_loss", r.history.empty() ? nlohmann::json(nullptr) : nlohmann::json({{"total", r.history.back().total},
                                                                                  {"initial", r.history.back().l0},
                                                                                  {"data", r.history.back().ld},
                                                                                  {"physics", r.history.back().lp}})},
      {"years", {bal.years.front(), bal.years.back()}}, {"collocation_points", P},
      {"config", {{"epochs", cfg.epochs}, {"width", cfg.width}, {"collocation", cfg.collocation},
                  {"activation", cfg.activation}, {"relu_after_penultimate", cfg.relu_after_penultimate},
                  {"coeff_mode", cfg.coeff_mode}, {"g_mode", cfg.g_mode}, {"lambda", cfg.lambda_mode}, {"derivatives", cfg.derivatives},
                  {"symmetric_K", cfg.symmetric_K}, {"fix_ce", cfg.fix_ce}, {"hard_ic", cfg.hard_ic}, {"project_coefficients", cfg.project_coefficients}, {"global_scale", p["global-scale"]},
                  {"dtype", cfg.float64 ? "float64" : "float32"}, {"lr", cfg.lr}, {"lr_min", cfg.lr_min},
                  {"weight_decay", cfg.weight_decay}, {"clip", cfg.clip}, {"seed", cfg.seed}, {"densify", densify}}}};
  ctx.write_output("metrics.json", metrics.dump(2) + "\n");
  ctx.write_output("coefficients.json", coeff.dump(1) + "\n");
  ctx.write_output("fit.csv", fit_csv);
  ctx.write_output("series.csv", series);
  ctx.write_output("forecast.csv", fc);
  ctx.write_output("loss.csv", loss);
  ctx.write_output("model.pt", r.state);

  // Figures: the nodes with the largest balances swing, fitted on the grid against the data.
  std::vector<int> shown;
  for (int u = 0; u < m; ++u) shown.push_back(u);
  std::sort(shown.begin(), shown.end(), [&](int a, int b) { return sc.scale[size_t(a)] > sc.scale[size_t(b)]; });
  shown.resize(size_t(std::min(m, 5)));
  shown.push_back(m);  // and the external node
  static const char* colours[] = {"#2a6fb0", "#d62", "#2a2", "#a3c", "#c90", "#555"};
  std::vector<report::Series> fits, lams;
  for (size_t s = 0; s < shown.size(); ++s) {
    const int u = shown[s];
    report::Series fitted{bal.ids[size_t(u)], colours[s], {}, {}, {}, {}}, observed{bal.ids[size_t(u)] + " (data)", colours[s], {}, {}, {}, {}};
    report::Series lam{bal.ids[size_t(u)], colours[s], {}, {}, {}, {}};
    for (size_t k = 0; k < P; ++k) {
      fitted.x.push_back(sc.year(r.grid[k])), fitted.y.push_back(sc.people(u, r.R[size_t(u) * P + k]));
      lam.x.push_back(sc.year(r.grid[k])), lam.y.push_back(r.lambda[size_t(u) * P + k]);
    }
    for (int k = 0; k < T; ++k) observed.x.push_back(bal.years[size_t(k)]), observed.y.push_back(bal.R[size_t(u * T + k)]);
    observed.dashed = true;
    fits.push_back(fitted), fits.push_back(observed), lams.push_back(lam);
  }
  report::CurveOptions co;
  co.title = "PINN fit: R̂ (people, solid) and the observed balances (dashed)";
  co.x_label = "year";
  co.y_label = "migration balance";
  ctx.write_output("fit.svg", report::svg_curves(fits, co));
  co.title = "External force λ(t) (normalised units)";
  co.y_label = "λ";
  ctx.write_output("lambda.svg", report::svg_curves(lams, co));
  co.title = "Training loss";
  co.x_label = "epoch";
  co.y_label = "loss";
  co.log_y = true;
  ctx.write_output("loss.svg", report::svg_curves({{"total", "#222", ep, tot, {}, {}}, {"initial (L1)", "#2a6fb0", ep, l0, {}, {}},
                                                   {"data", "#d62", ep, ld, {}, {}}, {"physics", "#2a2", ep, lp, {}, {}}}, co));
  ctx.drop_checkpoint();
  // Timings and the resume point go to the manifest, so that metrics.json is the same for a
  // resumed fit as for an uninterrupted one.
  ctx.result = {{"r2_mean", r2_sum / n}, {"rmse_mean", rmse_sum / n}, {"self_consistency_rmse_mean", sc_mean},
                {"seconds_per_epoch", r.seconds_per_epoch}, {"device", r.device}, {"resumed_at_epoch", r.resumed_at}};
  char line[200];
  std::snprintf(line, sizeof line, "PINN fit: mean R² %.4f, mean RMSE %.4f (normalised), ODE self-consistency %.3f, %.2f ms/epoch on %s",
                r2_sum / n, rmse_sum / n, sc_mean, 1e3 * r.seconds_per_epoch, r.device.c_str());
  ctx.summary.push_back(line);
}

}  // namespace

job::TaskKind pinn_fit_task_kind() {
  job::TaskKind k;
  k.name = "pinn.fit";
  k.summary = "Paper 000's physics-informed network: identifies the migration equation of motion and the external "
              "force λ(t) from annual balances (LibTorch; the per-node networks batched as one)";
  k.uses_seed = true;
  k.gpu_capable = true;  // through LibTorch's CUDA, when it has it
  k.params = {
      {"balances", ParamType::Path, "CSV node,year,balance (people; every node in every year)", nullptr, {}, true},
      {"nodes", ParamType::Path, "CSV id,lat,lon,mean_age", nullptr, {}, true},
      {"epochs", ParamType::Int, "Full-batch AdamW steps (the paper: 20000)", 20000, {}, false, 0.0},
      {"activation", ParamType::String, "Hidden activation (relu: the paper's)", "relu", {"relu", "tanh", "silu"}},
      {"relu-after-penultimate", ParamType::Bool, "Also activate after each block's penultimate layer", false},
      {"width", ParamType::Int, "Hidden width of the residual blocks", 64, {}, false, 1.0},
      {"collocation", ParamType::Int, "Uniform collocation points on [0, 1] (the data years are added)", 100, {}, false, 2.0},
      {"coeff-mode", ParamType::String, "K = C_r ⊙ F + C_d ⊙ D (matrix) or c_r F + c_d D (scalar)", "matrix", {"matrix", "scalar"}},
      {"g-mode", ParamType::String, "Damping G = (W + Wᵀ)/2, diag(g) or L Lᵀ", "symmetric", {"symmetric", "diagonal", "cholesky"}},
      {"lambda", ParamType::String, "λ as a per-node network or free values at the collocation points", "network",
       {"network", "points"}},
      {"derivatives", ParamType::String, "R̂', R̂'' by double reverse-mode autograd or forward Taylor jets",
       "autograd", {"autograd", "taylor"}},
      {"symmetric-k", ParamType::Bool, "Use (K + Kᵀ)/2", false},
      {"fix-ce", ParamType::Bool, "Hold c_e = 1 (fixes λ's scale)", false},
      {"hard-ic", ParamType::Bool, "R̂ = t² N(t): R̂(0) = R̂'(0) = 0 by construction, no L1 initial-condition loss "
                                   "(the paper trains them in the loss)", false},
      {"project-coefficients", ParamType::Bool, "From a quarter of the epochs on, set c_r, c_d, c_a and diag G to their "
                                                "least-squares values for the current R̂ and λ at every step (variable "
                                                "projection; needs --coeff-mode scalar --g-mode diagonal --fix-ce)", false},
      {"global-scale", ParamType::Bool, "One max-abs scale for all nodes (keeps Σ_u R~_u = 0)", false},
      {"float64", ParamType::Bool, "Train in double precision", false},
      {"lr", ParamType::Real, "Initial AdamW learning rate", 2e-3, {}, false, 0.0},
      {"lr-min", ParamType::Real, "Final learning rate of the cosine schedule", 2e-4, {}, false, 0.0},
      {"weight-decay", ParamType::Real, "AdamW weight decay (all parameters)", 0.01, {}, false, 0.0},
      {"clip", ParamType::Real, "Global gradient-norm clip (0: none)", 1.0, {}, false, 0.0},
      {"forecast-years", ParamType::Int, "Years past the last one to forecast", 1, {}, false, 0.0},
      {"densify", ParamType::Int, "Fit the data loss to each node's PCHIP sampled this many times per year interval "
                                  "(1: the data points only)", 1, {}, false, 1.0},
      {"forecast-method", ParamType::String, "pinn: R̂ extrapolated; ode: the identified equation integrated on, λ held "
                                             "at its last value", "pinn", {"pinn", "ode"}},
  };
  k.outputs = [](const Params&) {
    return std::vector<std::string>{"metrics.json", "coefficients.json", "fit.csv", "series.csv", "forecast.csv",
                                    "loss.csv", "model.pt", "fit.svg", "lambda.svg", "loss.svg"};
  };
  k.run = run;
  return k;
}

}  // namespace migra::tasks
