// Paper 000 spec §6 S1 and S2 at full length (CI runs S1 short and cannot afford S2): the
// forward PINN with the truth's coefficients and λ (dense-grid RMSE of R̂, target < 1e-2 with
// tanh, < 5e-2 with ReLU), and the structured inverse problem (scalar K = c_r F + c_d D,
// diagonal G, λ known, c_e = 1) that should recover c_r, c_d, c_a and diag(G) within 10 %.
// usage: bench_pinn_validation [--epochs 20000] [--width 32] [--seed 12] [--only S1|S2]
//        [--hard-ic 0|1] (R̂ = t² N: the initial conditions by construction)
//        [--project 0|1] (S2: the coefficients by least squares at every step); one JSON line per case.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "models/pinn_migration/pinn.hpp"
#include "models/pinn_migration/synthetic.hpp"

using namespace migra::pinn;

int main(int argc, char** argv) {
  int epochs = 20000, width = 32;
  bool hard_ic = false, project = false;
  std::uint64_t seed = 12;
  std::string only;  // --only S1 | S2
  for (int k = 1; k + 1 < argc; k += 2) {
    const std::string a = argv[k];
    if (a == "--epochs") epochs = std::atoi(argv[k + 1]);
    else if (a == "--width") width = std::atoi(argv[k + 1]);
    else if (a == "--seed") seed = std::strtoull(argv[k + 1], nullptr, 10);
    else if (a == "--only") only = argv[k + 1];
    else if (a == "--hard-ic") hard_ic = std::atoi(argv[k + 1]) != 0;
    else if (a == "--project") project = std::atoi(argv[k + 1]) != 0;
  }
  SyntheticOptions so;
  so.seed = seed;
  SyntheticSystem sys = synthetic_system(so);
  const int n = sys.n;
  for (int u = 0; u < n; ++u)  // S2 uses a diagonal G; S1 runs on the same system
    for (int v = 0; v < n; ++v)
      if (u != v) sys.truth.G[size_t(u * n + v)] = 0;
  const ScaledSystem ss = scaled_problem(sys);
  std::vector<double> dense_t;
  for (int k = 0; k <= 1000; ++k) dense_t.push_back(k / 1000.0);
  std::vector<double> dense = ss.sys.solve(dense_t);
  for (double& r : dense) r /= ss.scale;

  for (const char* act : {"tanh", "relu"}) {  // S1
    if (only == "S2") break;
    PinnConfig cfg;
    cfg.activation = act, cfg.float64 = true, cfg.epochs = epochs, cfg.width = width, cfg.seed = 1, cfg.hard_ic = hard_ic;
    cfg.train_coefficients = false;
    Coefficients c = ss.sys.truth;
    c.c_a /= ss.scale;
    c.C_r.assign(c.K.size(), c.c_r), c.C_d.assign(c.K.size(), c.c_d);
    cfg.initial = c;
    cfg.known_lambda = [&](int u, double t) { return ss.sys.lambda(u, t) / ss.scale; };
    cfg.extra_times = dense_t;
    const PinnResult r = train_pinn(ss.problem, cfg);
    double se = 0;
    for (size_t k = 0; k < dense.size(); ++k) se += std::pow(r.R_extra[k] - dense[k], 2);
    std::printf("{\"case\": \"S1\", \"activation\": \"%s\", \"hard_ic\": %d, \"epochs\": %d, \"width\": %d, \"dense_rmse\": %.6g, "
                "\"target\": %g, \"seconds\": %.1f}\n",
                act, int(hard_ic), epochs, width, std::sqrt(se / double(dense.size())), std::string(act) == "tanh" ? 1e-2 : 5e-2,
                r.seconds_per_epoch * epochs);
    std::fflush(stdout);
  }
  if (only == "S1") return 0;
  PinnConfig cfg;  // S2
  cfg.activation = "tanh", cfg.float64 = true, cfg.epochs = epochs, cfg.width = width, cfg.seed = 2, cfg.hard_ic = hard_ic;
  cfg.coeff_mode = "scalar", cfg.g_mode = "diagonal", cfg.fix_ce = true, cfg.weight_decay = 0, cfg.project_coefficients = project;
  cfg.known_lambda = [&](int u, double t) { return ss.sys.lambda(u, t) / ss.scale; };
  const PinnResult r = train_pinn(ss.problem, cfg);
  const Coefficients& c = r.coefficients;
  double worst = std::max({std::fabs(c.c_r / 2.0 - 1), std::fabs(c.c_d / 1.0 - 1), std::fabs(c.c_a * ss.scale / 0.5 - 1)});
  std::string g;
  for (int u = 0; u < n; ++u) {
    worst = std::max(worst, std::fabs(c.G[size_t(u * n + u)] / 0.5 - 1));
    g += (u ? ", " : "") + std::to_string(c.G[size_t(u * n + u)]);
  }
  std::printf("{\"case\": \"S2\", \"project\": %d, \"hard_ic\": %d, \"epochs\": %d, \"width\": %d, \"c_r\": %.5g, \"c_d\": %.5g, \"c_a\": %.5g, \"diag_G\": [%s], "
              "\"truth\": {\"c_r\": 2, \"c_d\": 1, \"c_a\": 0.5, \"G\": 0.5}, \"worst_relative_error\": %.4g, \"final_loss\": %.4g, \"final_l0_ld_lp\": [%.3g, %.3g, %.3g], "
              "\"seconds\": %.1f}\n",
              int(project), int(hard_ic), epochs, width, c.c_r, c.c_d, c.c_a * ss.scale, g.c_str(), worst, r.history.back().total, r.history.back().l0, r.history.back().ld, r.history.back().lp,
              r.seconds_per_epoch * epochs);
}
