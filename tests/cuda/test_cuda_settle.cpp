// The batched flow-model pieces on a GPU (kernels/lsq, models/settlement) against the CPU
// oracle: normal equations of a batch (sums in another order: 1e-10 relative), the damped
// Cholesky solves, the Poisson replicates and pair counts (the same counter-based draws;
// device log/exp may round a PTRS comparison the other way in rare cases), and whole bootstraps
// (the GPU's batched LM against the CPU's per-replicate fits: same optima to 1e-7 in gamma).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "kernels/core/backend.hpp"
#include "kernels/lsq/flow_normal.hpp"
#include "models/settlement/bootstrap.hpp"
#include "models/settlement/synthetic.hpp"

using namespace migra;
using namespace migra::settle;

namespace {

struct TestCity {
  SyntheticCity s;
  PairGeometry g;
  std::vector<double> log_p;
  explicit TestCity(int side, std::uint64_t seed = 3) {
    SyntheticConfig c;
    c.side = side;
    c.seed = seed;
    s = synthetic_city(c);
    g = pair_geometry(s.city);
    for (double p : s.city.population) log_p.push_back(std::log(p));
  }
  int n() const { return s.city.size(); }
  FitProblem problem() const { return {n(), s.T.data(), log_p.data(), g.d.data(), nullptr}; }
};

std::vector<double> transpose_batch(const std::vector<double>& T, int n, int B) {
  std::vector<double> t(T.size());
  for (int b = 0; b < B; ++b)
    for (int i = 0; i < n; ++i)
      for (int k = 0; k < n; ++k) t[size_t((b * n + k) * n + i)] = T[size_t((b * n + i) * n + k)];
  return t;
}

}  // namespace

TEST_CASE("cuda lsq: normal equations and damped solves of a batch match the CPU", "[cuda][settle]") {
  const TestCity c(7);
  const int n = c.n(), B = 5;
  const auto gpu = choose_backend("cuda").backend;
  const auto cpu = make_cpu_backend();
  REQUIRE(gpu->is_gpu());
  for (FlowModel model : {FlowModel::Baseline, FlowModel::Extended, FlowModel::Spatial}) {
    const lsq::FlowShape s{n, B, has_gamma(model), has_u(model)};
    const int P = s.params();
    std::vector<double> T, c_w, theta;
    for (int b = 0; b < B; ++b) {
      for (size_t q = 0; q < c.s.T.size(); ++q) T.push_back(c.s.T[q] * (1 + 0.1 * b)), c_w.push_back(1 + (q + b) % 3);
      FitParams t = c.s.truth;
      t.gamma += 0.05 * b;
      const auto th = std::vector<double>(size_t(P), 0.0);
      std::vector<double> packed = th;
      packed[0] = t.log_mu;
      if (s.gamma) packed[1] = t.gamma;
      if (s.u)
        for (int j = 0; j + 1 < n; ++j) packed[size_t(s.iu() + j)] = t.u[size_t(j)] - t.u[size_t(n - 1)];
      theta.insert(theta.end(), packed.begin(), packed.end());
    }
    const std::vector<unsigned char> active{1, 0, 1, 1, 1};
    std::vector<double> ata_c(size_t(B * P * P), -7), atr_c(size_t(B * P), -7), phi_c(size_t(B), -7);
    lsq::flow_normal_equations(Exec::cpu(), s, {c.g.d.data(), c.log_p.data(), T.data(), nullptr, c_w.data(), nullptr},
                               theta.data(), active.data(), ata_c.data(), atr_c.data(), phi_c.data());
    Buffer<double> d(*gpu, c.g.d), lp(*gpu, c.log_p), Tg(*gpu, T), Ttg(*gpu, transpose_batch(T, n, B)), cg(*gpu, c_w),
        ctg(*gpu, transpose_batch(c_w, n, B)), th(*gpu, theta), ata(*gpu, std::vector<double>(ata_c.size(), -7)),
        atr(*gpu, std::vector<double>(atr_c.size(), -7)), phi(*gpu, std::vector<double>(size_t(B), -7));
    Buffer<unsigned char> act(*gpu, active);
    lsq::flow_normal_equations(gpu->exec(), s, {d.data(), lp.data(), Tg.data(), Ttg.data(), cg.data(), ctg.data()},
                               th.data(), act.data(), ata.data(), atr.data(), phi.data());
    const auto ata_g = ata.to_host(), atr_g = atr.to_host(), phi_g = phi.to_host();
    INFO(model_name(model));
    for (int b = 0; b < B; ++b) {
      const double scale = ata_c[size_t(b * P * P)];
      for (int e = 0; e < P * P; ++e) CHECK(ata_g[size_t(b * P * P + e)] == Approx(ata_c[size_t(b * P * P + e)]).epsilon(1e-10).margin(1e-12 * scale));
      for (int j = 0; j < P; ++j) CHECK(atr_g[size_t(b * P + j)] == Approx(atr_c[size_t(b * P + j)]).epsilon(1e-9).margin(1e-10 * std::fabs(atr_c[size_t(b * P)]) + 1e-9));
      CHECK(phi_g[size_t(b)] == Approx(phi_c[size_t(b)]).epsilon(1e-10));
    }
    CHECK(ata_g[size_t(P * P)] == -7);  // problem 1 is inactive: untouched
    // Damped solves of the active problems.
    std::vector<double> lam{1e-3, 1, 0.1, 10, 1e-6}, rhs_c = atr_c;
    for (int j = 0; j < P; ++j) rhs_c[size_t(P + j)] = 0;  // the inactive problem's (garbage) rhs
    std::vector<int> ok_c(size_t(B), -1);
    lsq::damped_solve(Exec::cpu(), B, P, ata_c.data(), lam.data(), active.data(), nullptr, rhs_c.data(), ok_c.data());
    Buffer<double> lam_g(*gpu, lam), rhs_g(*gpu, atr_c), work(*gpu, size_t(B * P * P));
    Buffer<double> ata_in(*gpu, ata_c);
    Buffer<int> ok_g(*gpu, std::vector<int>(size_t(B), -1));
    lsq::damped_solve(gpu->exec(), B, P, ata_in.data(), lam_g.data(), act.data(), work.data(), rhs_g.data(), ok_g.data());
    const auto delta = rhs_g.to_host();
    const auto okv = ok_g.to_host();
    for (int b = 0; b < B; ++b) {
      if (!active[size_t(b)]) continue;
      CHECK(okv[size_t(b)] == ok_c[size_t(b)]);
      for (int j = 0; j < P; ++j) CHECK(delta[size_t(b * P + j)] == Approx(rhs_c[size_t(b * P + j)]).epsilon(1e-8).margin(1e-12));
    }
  }
}

TEST_CASE("cuda lsq: Poisson replicates and pair counts are the CPU's draws", "[cuda][settle]") {
  const TestCity c(9);
  const int n = c.n(), B = 4;
  const auto gpu = choose_backend("cuda").backend;
  const std::vector<double> that = model_flows(c.problem(), FlowModel::Extended, c.s.truth);
  std::vector<double> T(size_t(B * n * n)), cw(T.size()), ctw(T.size());
  lsq::poisson_replicates(Exec::cpu(), n, B, 10, 77, that.data(), T.data(), nullptr);
  lsq::pair_counts(Exec::cpu(), n, B, 10, 77, cw.data(), ctw.data());
  Buffer<double> th(*gpu, that), Tg(*gpu, T.size()), Ttg(*gpu, T.size()), cg(*gpu, T.size()), ctg(*gpu, T.size());
  lsq::poisson_replicates(gpu->exec(), n, B, 10, 77, th.data(), Tg.data(), Ttg.data());
  lsq::pair_counts(gpu->exec(), n, B, 10, 77, cg.data(), ctg.data());
  const auto Tgh = Tg.to_host(), Ttgh = Ttg.to_host(), cgh = cg.to_host(), ctgh = ctg.to_host();
  size_t same = 0;
  for (size_t q = 0; q < T.size(); ++q) same += Tgh[q] == T[q];
  CHECK(double(same) >= 0.9999 * double(T.size()));
  CHECK(Ttgh == transpose_batch(Tgh, n, B));
  CHECK(cgh == cw);    // integer counts added atomically: exact in any order
  CHECK(ctgh == ctw);
}

TEST_CASE("cuda settle: batched GPU bootstraps reach the CPU's per-replicate optima", "[cuda][settle]") {
  const TestCity c(12, 5);
  const FitProblem p = c.problem();
  const NestedFits f = fit_nested(p);
  const auto gpu = choose_backend("cuda").backend;
  const auto cpu = make_cpu_backend();
  for (BootstrapKind kind : {BootstrapKind::Poisson, BootstrapKind::Pairs}) {
    BootstrapConfig cfg;
    cfg.replicates = 24;
    cfg.kind = kind;
    cfg.seed = 31;
    const auto on_cpu = bootstrap(*cpu, p, {f.extended, f.spatial, f.baseline}, cfg);
    const auto on_gpu = bootstrap(*gpu, p, {f.extended, f.spatial, f.baseline}, cfg);
    for (size_t m = 0; m < on_cpu.size(); ++m) {
      INFO(model_name(on_cpu[m].model) << ", kind " << int(kind));
      CHECK(on_gpu[m].not_converged == 0);
      for (int r = 0; r < cfg.replicates; ++r) {
        CHECK(on_gpu[m].gamma[size_t(r)] == Approx(on_cpu[m].gamma[size_t(r)]).margin(1e-7));
        CHECK(on_gpu[m].log_mu[size_t(r)] == Approx(on_cpu[m].log_mu[size_t(r)]).margin(1e-7));
        CHECK(on_gpu[m].r2[size_t(r)] == Approx(on_cpu[m].r2[size_t(r)]).margin(1e-9));
      }
    }
  }
}
