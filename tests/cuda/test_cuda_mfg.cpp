// Paper 001's MFG with its labour market on the GPU: every sweep of the Picard map solves the
// N_T entropic OT problems of the time steps as one batched Sinkhorn on the backend, the rest
// (rents, HJ, FP) on the host. The CPU backend is the oracle. The two Sinkhorns sum in different
// orders and may stop a check apart, so the sweeps differ at the OT tolerance and the fixed
// points at the solver's tolerance, not bitwise.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "kernels/core/cuda_devices.hpp"
#include "models/city_mfg/mfg.hpp"
#include "tests/models/mfg_fixtures.hpp"

using namespace migra;
using namespace migra::mfg;
using namespace migra::mfg::testing;

namespace {

/// max over times and nodes of |A - B| per population, relative to its mass
double gap(const MfgResult& a, const MfgResult& b) {
  double d = 0.0;
  for (size_t q = 0; q < a.Mw.size(); ++q)
    d = std::max({d, std::fabs(a.Mw[q] - b.Mw[q]) / a.mass_w, std::fabs(a.Mf[q] - b.Mf[q]) / a.mass_f});
  return d;
}

}  // namespace

TEST_CASE("cuda: the MFG's fixed point with the labour market on the GPU is the CPU's (Picard and Newton)", "[cuda][mfg]") {
  auto cpu = make_cpu_backend();
  auto gpu = make_cuda_backend(0);
  const Network net = parse_network(kTheta, "theta.net");
  const Grid g = make_grid(net, 0.1);
  const MfgConfig cfg = coarse_test2_config();  // as test_city_mfg's Newton case
  const std::vector<double> D = node_distances(g);
  const MfgResult pc = solve_mfg(*cpu, g, D, cfg), pg = solve_mfg(*gpu, g, D, cfg);
  INFO("Picard: CPU " << pc.iterations << " iterations, GPU " << pg.iterations);
  REQUIRE(pc.converged);
  REQUIRE(pg.converged);
  REQUIRE(std::abs(pc.iterations - pg.iterations) <= 1);
  CHECK(gap(pc, pg) < 1e-8);
  for (size_t q = 0; q < pc.Uw.size(); ++q) REQUIRE(pg.Uw[q] == Approx(pc.Uw[q]).margin(1e-6));

  MfgConfig nc = cfg;  // Newton: its finite-difference products see the GPU's round-off / h
  nc.solver = "newton";
  nc.max_iter = 20;
  const MfgResult ng = solve_mfg(*gpu, g, D, nc);
  INFO("Newton on the GPU: " << ng.iterations << " steps, residual " << ng.residuals.back());
  REQUIRE(ng.converged);
  CHECK(gap(ng, pc) < 1e-8);
}

TEST_CASE("cuda: an arclength walk on the GPU follows the CPU's branch of Test 1a", "[cuda][mfg]") {
  auto cpu = make_cpu_backend();
  auto gpu = make_cuda_backend(0);
  const Network net = parse_network(kTriangle, "triangle.net");
  MfgConfig cfg = coarse_test1a_config();
  cfg.solver = "arclength";
  cfg.arclength_points = 6;
  cfg.arclength_step = 0.05;
  const Grid g = make_grid(net, cfg.dx);
  const std::vector<double> D = node_distances(g);
  const MfgResult rc = solve_mfg(*cpu, g, D, cfg), rg = solve_mfg(*gpu, g, D, cfg);
  REQUIRE(rc.converged);
  REQUIRE(rg.converged);
  REQUIRE(rg.branch.size() == rc.branch.size());
  // the same points along the branch: each corrector solves to tol 1e-6, so the scales and
  // final densities agree to about that
  for (size_t k = 0; k < rc.branch.size(); ++k) {
    INFO("point " << k);
    CHECK(rg.branch[k].scale == Approx(rc.branch[k].scale).epsilon(1e-5));
  }
  double d = 0.0;
  for (size_t q = 0; q < rc.branch_w.size(); ++q)
    d = std::max({d, std::fabs(rc.branch_w[q] - rg.branch_w[q]) / rc.mass_w, std::fabs(rc.branch_f[q] - rg.branch_f[q]) / rc.mass_f});
  CHECK(d < 1e-5);
}
