// CUDA Sinkhorn against the CPU double-precision oracle (kernels/ot). Both backends run the
// same iteration count with the same checks; the half-steps sum in different orders, so the
// potentials agree to round-off amplified by the iteration: tolerance 1e-9 on plan entries
// relative to the largest, 1e-12 on the converged transport cost.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "kernels/core/cuda_devices.hpp"
#include "kernels/ot/sinkhorn.hpp"

using namespace migra;
using namespace migra::ot;

namespace {

struct Case {
  int n, m;
  std::vector<double> x, y, C, a, b;
};

Case make(int n, int m, int batch, std::uint64_t seed, bool lonlat = false) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0), w(0.1, 1.0);
  Case c{n, m, {}, {}, {}, {}, {}};
  for (int i = 0; i < 2 * n; ++i) c.x.push_back(lonlat ? (i % 2 ? 30 + 15 * u(rng) : -120 + 50 * u(rng)) : u(rng));
  for (int j = 0; j < 2 * m; ++j) c.y.push_back(lonlat ? (j % 2 ? 30 + 15 * u(rng) : -120 + 50 * u(rng)) : u(rng));
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < m; ++j) {
      const double dx = c.x[2 * i] - c.y[2 * j], dy = c.x[2 * i + 1] - c.y[2 * j + 1];
      c.C.push_back(dx * dx + dy * dy);
    }
  for (int k = 0; k < batch; ++k) {
    std::vector<double> a(static_cast<size_t>(n)), b(static_cast<size_t>(m));
    for (double& v : a) v = w(rng);
    for (double& v : b) v = w(rng);
    const double sa = std::accumulate(a.begin(), a.end(), 0.0), sb = std::accumulate(b.begin(), b.end(), 0.0);
    for (double v : a) c.a.push_back(v / sa);
    for (double v : b) c.b.push_back(v / sb);
  }
  return c;
}

double plan_difference(const Case& c, const CostInput& cost, const SinkhornResult& r1, const SinkhornResult& r2,
                       double eps, Backend& cpu) {
  double worst = 0.0, scale = 0.0;
  for (int p = 0; p < r1.batch; ++p) {
    std::vector<double> P1, P2;
    transport_plan(cpu, cost, r1, eps, p, c.n, [&](int, int, const double* rows) { P1.assign(rows, rows + size_t(c.n) * c.m); });
    transport_plan(cpu, cost, r2, eps, p, c.n, [&](int, int, const double* rows) { P2.assign(rows, rows + size_t(c.n) * c.m); });
    for (size_t k = 0; k < P1.size(); ++k) {
      worst = std::max(worst, std::fabs(P1[k] - P2[k]));
      scale = std::max(scale, P1[k]);
    }
  }
  return worst / scale;
}

}  // namespace

TEST_CASE("cuda: log-domain Sinkhorn matches the CPU (points, matrix, haversine, batch, unbalanced)", "[cuda][ot]") {
  auto cpu = make_cpu_backend();
  auto gpu = make_cuda_backend(0);
  const int n = GENERATE(1, 300, 1025), m = 517, batch = GENERATE(1, 3);
  const std::string kind = GENERATE(as<std::string>{}, "points", "matrix", "haversine");
  const Case c = make(n, m, batch, 7, kind == "haversine");
  CostInput cost;
  cost.n = n, cost.m = m;
  if (kind == "matrix") {
    cost.matrix = c.C.data();
  } else {
    cost.x = c.x.data(), cost.y = c.y.data(), cost.dim = 2;
    cost.metric = kind == "haversine" ? CostMetric::Haversine : CostMetric::SqEuclidean;
  }
  SinkhornConfig cfg;
  cfg.eps = kind == "haversine" ? 100.0 : 0.01;
  cfg.tol = 1e-11;
  cfg.tau_a = cfg.tau_b = GENERATE(INFINITY, 0.5);
  const SinkhornResult rc = sinkhorn_log(*cpu, cost, c.a.data(), c.b.data(), batch, cfg);
  const SinkhornResult rg = sinkhorn_log(*gpu, cost, c.a.data(), c.b.data(), batch, cfg);
  INFO(kind << " n=" << n << " batch=" << batch << " tau=" << cfg.tau_a << ": " << rc.iterations << " vs " << rg.iterations);
  REQUIRE(rg.converged);
  REQUIRE(plan_difference(c, cost, rc, rg, cfg.eps, *cpu) < 1e-9);
  const auto repc = ot_report(*cpu, cost, c.a.data(), c.b.data(), cfg, rc);
  const auto repg = ot_report(*gpu, cost, c.a.data(), c.b.data(), cfg, rg);
  for (int p = 0; p < batch; ++p) REQUIRE(repg[size_t(p)].transport_cost == Approx(repc[size_t(p)].transport_cost).epsilon(1e-10));
}

TEST_CASE("cuda: the scaling form (cuBLAS) matches the CPU, and eps = 1e-4 stays finite", "[cuda][ot]") {
  auto cpu = make_cpu_backend();
  auto gpu = make_cuda_backend(0);
  const Case c = make(700, 650, 4, 11);
  CostInput cost;
  cost.n = c.n, cost.m = c.m, cost.matrix = c.C.data();
  SinkhornConfig cfg;
  cfg.eps = 0.1;
  cfg.tol = 1e-12;
  const SinkhornResult rc = sinkhorn_scaling(*cpu, cost, c.a.data(), c.b.data(), 4, cfg);
  const SinkhornResult rg = sinkhorn_scaling(*gpu, cost, c.a.data(), c.b.data(), 4, cfg);
  REQUIRE(rg.method == "scaling");
  REQUIRE(plan_difference(c, cost, rc, rg, cfg.eps, *cpu) < 1e-9);
  cfg.eps = 1e-4 / 3.0;
  cfg.tol = 1e-8;
  cfg.max_iter = 100000;
  cfg.eps_scaling = 0.5;
  const SinkhornResult small = sinkhorn(*gpu, cost, c.a.data(), c.b.data(), 1, cfg);
  REQUIRE(small.converged);
  for (double v : small.f) REQUIRE(std::isfinite(v));
}
