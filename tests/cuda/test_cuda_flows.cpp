// CUDA flow kernels against the CPU double-precision oracle. Tolerances (max relative error):
//   pair_rowsum 1e-12 (different summation tree), pair_fill 1e-13 (same formula, device libm),
//   intervening sums exact on integer masses, opportunity flows 1e-12, balancing 1e-10.
#include <catch2/catch.hpp>

#include "kernels/core/cuda_devices.hpp"
#include "kernels/flows/gravity.hpp"
#include "kernels/flows/opportunity.hpp"
#include "kernels/flows/pair_ops.hpp"
#include "models/sim_dynamics/static_flows.hpp"
#include "tests/support.hpp"

using namespace migra;
using namespace migra::flows;

namespace {

double max_rel(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double m = 0, scale = 0;
  for (double v : b) scale = std::max(scale, std::abs(v));
  for (size_t k = 0; k < a.size(); ++k) m = std::max(m, std::abs(a[k] - b[k]) / std::max(std::abs(b[k]), 1e-300 + 1e-14 * scale));
  return m;
}

struct OnGpu {
  std::unique_ptr<Backend> be = make_cuda_backend(0);
  Buffer<double> x, y, m;
  Coords coords;
  OnGpu(const test::PointSet& p, Metric metric) : x(*be, p.x), y(*be, p.y), m(*be, p.m) {
    coords = {x.data(), y.data(), p.n(), metric};
  }
};

}  // namespace

TEST_CASE("cuda: pair_rowsum and pair_fill match the CPU", "[cuda][flows]") {
  const int n = GENERATE(1, 257, 3000);
  test::PointSet p = test::random_points(n, 101);
  const Metric metric = GENERATE(Metric::Euclidean, Metric::Haversine);
  if (metric == Metric::Haversine)
    for (int i = 0; i < n; ++i) p.x[size_t(i)] = -80 + p.x[size_t(i)] / 100, p.y[size_t(i)] = 30 + p.y[size_t(i)] / 100;
  const auto det = GENERATE(DeterrenceFn{Deterrence::Exp, 0.01, 1.0}, DeterrenceFn{Deterrence::Power, 2.0, 1.0});
  OnGpu g(p, metric);
  const PairKernel Kc{p.coords(metric), det, true}, Kg{g.coords, det, true};
  std::vector<double> yc(static_cast<size_t>(n));
  Buffer<double> yg(*g.be, size_t(n));
  pair_rowsum(Exec::cpu(), Kc, p.m.data(), yc.data());
  pair_rowsum(g.be->exec(), Kg, g.m.data(), yg.data());
  REQUIRE(max_rel(yg.to_host(), yc) < 1e-12);
  const int r0 = n / 3, r1 = n;
  std::vector<double> Tc(size_t(r1 - r0) * size_t(n));
  Buffer<double> Tg(*g.be, Tc.size());
  pair_fill(Exec::cpu(), Kc, p.m.data(), p.m.data(), r0, r1, Tc.data());
  pair_fill(g.be->exec(), Kg, g.m.data(), g.m.data(), r0, r1, Tg.data());
  REQUIRE(max_rel(Tg.to_host(), Tc) < 1e-13);
}

TEST_CASE("cuda: intervening sums are exact on lattices with ties", "[cuda][radiation]") {
  const test::PointSet p = test::lattice_points(30, 40, 102);
  const int n = p.n();
  const bool origin = GENERATE(false, true);
  OnGpu g(p, Metric::Euclidean);
  Buffer<double> s(*g.be, size_t(n) * size_t(n));
  intervening_sums(g.be->exec(), g.coords, g.m.data(), origin, 0, n, s.data());
  std::vector<double> ref(size_t(n) * size_t(n));
  intervening_sums(Exec::cpu(), p.coords(), p.m.data(), origin, 0, n, ref.data());
  REQUIRE(s.to_host() == ref);
}

TEST_CASE("cuda: opportunity flows match the CPU, across row chunks", "[cuda][radiation][io]") {
  const int n = GENERATE(300, 8192);  // 8192 rows need two device chunks
  const test::PointSet p = test::random_points(n, 103);
  const auto model = GENERATE(OpportunityModel::Radiation, OpportunityModel::RadiationLiteral, OpportunityModel::Schneider);
  const OpportunityParams prm{model, 3e-7};
  OnGpu g(p, Metric::Euclidean);
  const int r0 = n > 1000 ? 5400 : 0, r1 = n > 1000 ? 5500 : n;
  Buffer<double> Tg(*g.be, size_t(n) * size_t(n));
  opportunity_fill(g.be->exec(), g.coords, g.m.data(), g.m.data(), prm, 0, n, Tg.data());
  const auto all = Tg.to_host();
  std::vector<double> Tc(size_t(r1 - r0) * size_t(n));
  opportunity_fill(Exec::cpu(), p.coords(), p.m.data(), p.m.data(), prm, r0, r1, Tc.data());
  REQUIRE(max_rel(std::vector<double>(all.begin() + size_t(r0) * size_t(n), all.begin() + size_t(r1) * size_t(n)), Tc) < 1e-12);
}

TEST_CASE("cuda: balanced gravity and Two-Trip models match the CPU", "[cuda][models]") {
  const test::PointSet p = test::random_points(1000, 104);
  const sim::Sites s{p.m, p.x, p.y, Metric::Euclidean};
  const auto kind = GENERATE(0, 1, 2);
  sim::StaticFlowConfig cfg;
  if (kind == 0) cfg.constraint = Constraint::Doubly;
  if (kind == 1) cfg.model = sim::FlowModel::TwoTrip;
  if (kind == 2) cfg.model = sim::FlowModel::Radiation;
  auto gpu = make_cuda_backend(0);
  auto cpu = make_cpu_backend();
  const auto run = [&](Backend& be) {
    std::vector<double> T(size_t(1000) * 1000);
    sim::run_static_flows(be, s, cfg, nullptr, [&](int r0, int r1, const double* rows) {
      std::copy(rows, rows + size_t(r1 - r0) * 1000, T.begin() + size_t(r0) * 1000);
    });
    return T;
  };
  REQUIRE(max_rel(run(*gpu), run(*cpu)) < 1e-10);
}

TEST_CASE("cuda: out-of-memory is a catchable CudaOutOfMemory", "[cuda]") {
  auto be = make_cuda_backend(0);
  REQUIRE_THROWS_AS(be->alloc(std::size_t(1) << 50), CudaOutOfMemory);
  Buffer<double> ok(*be, 10);  // the device is still usable
  REQUIRE(ok.size() == 10);
}
