// Task kind `mfg`: paper 001's two-population mean-field game on a network coupled with
// entropic OT (models/city_mfg). Writes the densities and value functions over time (.npy,
// (N_T + 1) x nodes), nodes.csv (where each node lies), residuals.csv, metrics.json (the
// spec's regime metrics) and SVG pictures of the final densities on the network and of the
// fixed-point residuals.
#include <chrono>
#include <cmath>
#include <cstdio>

#include "host/io/npy.hpp"
#include "host/report/svg.hpp"
#include "host/tasks/fit_checkpointing.hpp"
#include "host/tasks/mfg_config.hpp"
#include "host/tasks/task_kinds.hpp"
#include "kernels/core/error.hpp"

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

void run(job::TaskContext& ctx) {
  const Params& p = ctx.params();
  const auto t0 = std::chrono::steady_clock::now();
  const mfg::Network net = mfg::read_network(p["network"]);
  mfg::MfgConfig cfg = p.contains("config") ? read_mfg_config(p["config"]) : default_mfg_config();
  if (p.contains("max-iter")) cfg.max_iter = p["max-iter"];
  const mfg::Grid g = mfg::make_grid(net, cfg.dx);
  const int N = g.nodes();
  ctx.log("grid: " + std::to_string(N) + " nodes, " + std::to_string(cfg.steps()) + " time steps");
  const std::vector<double> D = mfg::node_distances(g);
  const models::Checkpointing ck = fit_checkpointing(ctx, 1);  // saves at most every checkpoint_every_s()
  const mfg::MfgResult r = mfg::solve_mfg(ctx.backend(), g, D, cfg, [&](int s, double err) {
    ctx.progress(std::min(0.99, std::max(double(s + 1) / cfg.max_iter, std::log(err) / std::log(cfg.tol) * 0.99)));
  }, ck);
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
  std::string res = "iteration,residual,theta\n";
  std::vector<double> it;
  for (size_t k = 0; k < r.residuals.size(); ++k) {
    std::snprintf(line, sizeof line, "%zu,%.17g,%.17g\n", k + 1, r.residuals[k], r.thetas[k]);
    res += line;
    it.push_back(double(k + 1));
  }
  ctx.write_output("residuals.csv", res);

  const size_t last = size_t(r.NT) * size_t(N);
  const mfg::RegimeMetrics rm = mfg::regime_metrics(g, r.Mw.data() + last, r.Mf.data() + last, r.mass_w, r.mass_f);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  nlohmann::json m = {{"nodes", N}, {"time_steps", r.NT}, {"edges", net.edges.size()}, {"length", net.total_length()},
                      {"converged", r.converged}, {"iterations", r.iterations},
                      {"residual", r.residuals.empty() ? 0.0 : r.residuals.back()}, {"tol", cfg.tol},
                      {"overlap", rm.overlap}, {"peak_w", rm.peak_w}, {"peak_f", rm.peak_f},
                      {"clusters_w", rm.clusters_w}, {"clusters_f", rm.clusters_f},
                      {"mass_w", r.mass_w}, {"mass_f", r.mass_f}, {"cost", cfg.cost}, {"potential", cfg.potential},
                      {"eps", cfg.eps}, {"ot_method", r.ot_method}, {"ot_iterations", r.ot_iterations}, {"ot_weight_floor_hits", r.floor_hits},
                      {"saturated_controls", r.saturated}};
  ctx.write_output("metrics.json", m.dump(2) + "\n");

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
  o.x_label = "Picard iteration";
  o.y_label = "max_k,n |M~ - M|_1 / Mass";
  o.log_y = true;
  ctx.write_output("residuals.svg", report::svg_curves({{"residual", "#2a6fb0", it, r.residuals, {}, {}}}, o));
  ctx.drop_checkpoint();
  // Timings go to the manifest only, so that a resumed solve writes the same metrics.json.
  ctx.result = m;
  ctx.result["seconds"] = seconds;
  ctx.result["seconds_per_picard_iteration"] = seconds / std::max(1, r.iterations - r.resumed_at);
  ctx.result["resumed_at_iteration"] = r.resumed_at;
  std::snprintf(line, sizeof line, "%d nodes x %d steps: %s after %d Picard iterations (residual %.2e); overlap %.3f, "
                "peaks %.2f / %.2f, clusters %d / %d", N, r.NT, r.converged ? "converged" : "NOT CONVERGED", r.iterations,
                r.residuals.empty() ? 0.0 : r.residuals.back(), rm.overlap, rm.peak_w, rm.peak_f, rm.clusters_w, rm.clusters_f);
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
      {"max-iter", ParamType::Int, "Override the Picard iteration cap of the config", nullptr, {}, false, 1.0},
  };
  k.outputs = [](const Params&) {
    return std::vector<std::string>{"densities_w.npy", "densities_f.npy", "values_w.npy", "values_f.npy", "nodes.csv",
                                    "residuals.csv", "metrics.json", "final_densities.svg", "residuals.svg"};
  };
  k.run = run;
  return k;
}

}  // namespace migra::tasks
