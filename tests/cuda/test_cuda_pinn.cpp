// Paper 000's PINN on LibTorch's CUDA against its CPU run: the same seed draws the same
// initial weights (on the CPU), float64, both derivative modes; after a few AdamW epochs R̂, λ
// and the coefficients agree to 1e-8 relative.
#include <catch2/catch.hpp>

#include <cmath>
#include <utility>

#include "models/pinn_migration/motion.hpp"
#include "models/pinn_migration/pinn.hpp"
#include "models/pinn_migration/synthetic.hpp"
#include "models/torch_runtime.hpp"

using namespace migra::pinn;

namespace {

/// The same fit on the CPU and on cuda:0 (the weights are drawn on the CPU from the same seed).
std::pair<PinnResult, PinnResult> cpu_and_gpu(const Problem& pb, PinnConfig cfg) {
  PinnResult cpu = train_pinn(pb, cfg);
  cfg.device = "cuda:0";
  PinnResult gpu = train_pinn(pb, cfg);
  REQUIRE(gpu.device.rfind("cuda", 0) == 0);
  return {std::move(cpu), std::move(gpu)};
}

}  // namespace

TEST_CASE("cuda pinn: a few epochs on the GPU match the CPU", "[cuda][pinn]") {
  if (!migra::models::have_torch() || !migra::models::torch_has_cuda()) {
    WARN("SKIPPED: this LibTorch has no CUDA");
    return;
  }
  SyntheticOptions so;
  so.n = 6, so.seed = 3;
  const ScaledSystem ss = scaled_problem(synthetic_system(so));
  for (const char* d : {"autograd", "taylor"}) {
    PinnConfig cfg;
    cfg.epochs = 8, cfg.width = 16, cfg.float64 = true, cfg.seed = 5, cfg.activation = "tanh", cfg.derivatives = d;
    const auto [cpu, gpu] = cpu_and_gpu(ss.problem, cfg);
    INFO("derivatives " << d);
    for (size_t k = 0; k < cpu.R.size(); ++k) {
      CHECK(gpu.R[k] == Approx(cpu.R[k]).epsilon(1e-8).margin(1e-10));
      CHECK(gpu.lambda[k] == Approx(cpu.lambda[k]).epsilon(1e-8).margin(1e-10));
    }
    for (size_t k = 0; k < cpu.coefficients.K.size(); ++k)
      CHECK(gpu.coefficients.K[k] == Approx(cpu.coefficients.K[k]).epsilon(1e-8).margin(1e-10));
  }
}

TEST_CASE("cuda pinn: projected coefficients (least squares on the GPU) match the CPU", "[cuda][pinn]") {
  if (!migra::models::have_torch() || !migra::models::torch_has_cuda()) {
    WARN("SKIPPED: this LibTorch has no CUDA");
    return;
  }
  SyntheticOptions so;
  so.n = 5, so.seed = 12;
  const ScaledSystem ss = scaled_problem(synthetic_system(so));
  PinnConfig cfg;
  cfg.epochs = 40, cfg.width = 16, cfg.float64 = true, cfg.seed = 2, cfg.activation = "tanh", cfg.derivatives = "taylor";
  cfg.coeff_mode = "scalar", cfg.g_mode = "diagonal", cfg.fix_ce = true, cfg.hard_ic = true, cfg.project_coefficients = true;
  cfg.known_lambda = [&](int u, double t) { return ss.sys.lambda(u, t) / ss.scale; };
  const auto [cpu, gpu] = cpu_and_gpu(ss.problem, cfg);
  for (size_t k = 0; k < cpu.R.size(); ++k) CHECK(gpu.R[k] == Approx(cpu.R[k]).epsilon(1e-7).margin(1e-9));
  CHECK(gpu.coefficients.c_r == Approx(cpu.coefficients.c_r).epsilon(1e-7));
  CHECK(gpu.coefficients.c_d == Approx(cpu.coefficients.c_d).epsilon(1e-7));
  CHECK(gpu.coefficients.c_a == Approx(cpu.coefficients.c_a).epsilon(1e-7));
  for (size_t k = 0; k < cpu.coefficients.G.size(); ++k)
    CHECK(gpu.coefficients.G[k] == Approx(cpu.coefficients.G[k]).epsilon(1e-7).margin(1e-9));
}

TEST_CASE("cuda pinn: the batched RK4 of the equation of motion on the GPU matches the host", "[cuda][pinn]") {
  if (!migra::models::have_torch() || !migra::models::torch_has_cuda()) {
    WARN("SKIPPED: this LibTorch has no CUDA");
    return;
  }
  SyntheticOptions so;
  so.n = 40, so.seed = 9;
  const SyntheticSystem sys = synthetic_system(so);
  const std::vector<double> grid = collocation_grid({0, 0.5, 1}, 50);
  std::vector<double> lam;
  for (int b = 0; b < 16; ++b)
    for (int u = 0; u < sys.n; ++u)
      for (double t : grid) lam.push_back((1 + 0.1 * b) * sys.lambda(u, t));
  MotionOptions host;
  host.method = "rk4";
  MotionOptions dev = host;
  dev.device = "cuda:0";
  const std::vector<double> a = integrate_motion(sys.truth, sys.a, grid, lam, 16, grid, host);
  const std::vector<double> b = integrate_motion(sys.truth, sys.a, grid, lam, 16, grid, dev);
  double top = 0;
  for (double v : a) top = std::max(top, std::fabs(v));
  for (size_t k = 0; k < a.size(); ++k) CHECK(std::fabs(a[k] - b[k]) <= 1e-11 * top);
}
