#include <catch2/catch.hpp>

#include <cmath>

#include "models/sim_dynamics/static_flows.hpp"
#include "tests/support.hpp"

using namespace migra;
using namespace migra::sim;

namespace {

Sites sites_of(const test::PointSet& p) {
  return {p.m, p.x, p.y, flows::Metric::Euclidean};
}

/// Runs the model and returns the dense matrix.
std::vector<double> matrix(Backend& be, const Sites& s, const StaticFlowConfig& cfg,
                           const std::vector<ObservedFlow>* obs = nullptr,
                           StaticFlowResult* out = nullptr) {
  const int n = s.size();
  std::vector<double> T(size_t(n) * size_t(n));
  const auto r = run_static_flows(be, s, cfg, obs, [&](int r0, int r1, const double* rows) {
    std::copy(rows, rows + size_t(r1 - r0) * size_t(n), T.begin() + size_t(r0) * size_t(n));
  });
  if (out) *out = r;
  return T;
}

std::vector<ObservedFlow> as_observed(const std::vector<double>& T, int n) {
  std::vector<ObservedFlow> obs;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      if (T[size_t(i) * size_t(n) + size_t(j)] > 0) obs.push_back({i, j, T[size_t(i) * size_t(n) + size_t(j)]});
  return obs;
}

}  // namespace

TEST_CASE("Two-Trip tends to production-constrained gravity as gamma -> inf (spec 004 T6a)", "[models][two-trip]") {
  auto be = make_cpu_backend();
  const Sites s = sites_of(test::random_points(180, 61));
  StaticFlowConfig grav, tt;
  grav.beta = tt.beta = 0.025;
  grav.self_flows = tt.self_flows = true;
  tt.model = FlowModel::TwoTrip;
  tt.gamma = 1e4;  // exp(-1e4 r) underflows to 0 beyond r ~ 0.07: Q_eff = Q
  const auto G = matrix(*be, s, grav), T = matrix(*be, s, tt);
  for (size_t k = 0; k < G.size(); ++k) REQUIRE(test::rel_err(G[k], T[k]) < 1e-12);
  SECTION("a finite gamma changes the flows but keeps the production constraint") {
    tt.gamma = 0.02;
    const auto T2 = matrix(*be, s, tt);
    const int n = s.size();
    double maxdiff = 0;
    for (int i = 0; i < n; ++i) {
      double row = 0;
      for (int j = 0; j < n; ++j) row += T2[size_t(i) * size_t(n) + size_t(j)], maxdiff = std::max(maxdiff, test::rel_err(T2[size_t(i) * size_t(n) + size_t(j)], G[size_t(i) * size_t(n) + size_t(j)]));
      REQUIRE(test::rel_err(row, s.population[size_t(i)]) < 1e-12);
    }
    REQUIRE(maxdiff > 1e-3);
  }
}

TEST_CASE("fitting recovers the parameter that generated the flows", "[models][fit]") {
  auto be = make_cpu_backend();
  const Sites s = sites_of(test::random_points(150, 71));
  const int n = s.size();
  StaticFlowConfig truth;
  SECTION("production-constrained gravity, exp") {
    truth.beta = 0.0071;
  }
  SECTION("doubly constrained gravity, power") {
    truth.constraint = flows::Constraint::Doubly;
    truth.deterrence = flows::Deterrence::Power;
    truth.beta = 1.63;
  }
  SECTION("unconstrained gravity (K fitted too)") {
    truth.constraint = flows::Constraint::None;
    truth.beta = 0.0042;
  }
  SECTION("Two-Trip") {
    truth.model = FlowModel::TwoTrip;
    truth.gamma = 0.05;
    truth.beta = 0.012;
  }
  SECTION("intervening opportunities") {
    truth.model = FlowModel::InterveningOpportunities;
    truth.L = 2.3e-7;
  }
  const std::vector<double> T = matrix(*be, s, truth);
  std::vector<double> scaled(T);
  if (truth.constraint == flows::Constraint::None)
    for (double& v : scaled) v *= 3.5e-6;  // observed counts on another scale: K absorbs it
  const auto obs = as_observed(scaled, n);
  StaticFlowConfig fit = truth;
  fit.beta.reset();
  fit.L.reset();
  StaticFlowResult r;
  const auto F = matrix(*be, s, fit, &obs, &r);
  REQUIRE(r.fit.fitted);
  REQUIRE_FALSE(r.fit.at_bound);
  const double want = truth.L ? *truth.L : *truth.beta;
  REQUIRE(r.fit.value == Approx(want).epsilon(1e-5));
  REQUIRE(r.metrics);
  REQUIRE(r.metrics->cpc > 0.99999);
  for (size_t k = 0; k < F.size(); ++k) REQUIRE(std::abs(F[k] - scaled[k]) <= 1e-4 * (std::abs(scaled[k]) + 1e-3 * r.metrics->observed_total / n / n));
}

TEST_CASE("row blocks do not change the matrix", "[models]") {
  const Sites s = sites_of(test::random_points(97, 81));
  const auto small = make_cpu_backend(97 * 8 * 4 * 3);  // three rows per block
  const auto big = make_cpu_backend();
  for (FlowModel m : {FlowModel::Gravity, FlowModel::Radiation}) {
    StaticFlowConfig cfg;
    cfg.model = m;
    StaticFlowResult rs, rb;
    const auto a = matrix(*small, s, cfg, nullptr, &rs), b = matrix(*big, s, cfg, nullptr, &rb);
    REQUIRE(rs.row_blocks == 33);
    REQUIRE(rb.row_blocks == 1);
    REQUIRE(a == b);
  }
}

TEST_CASE("static flows reject bad sites", "[models]") {
  auto be = make_cpu_backend();
  Sites one{{5.0}, {0.0}, {0.0}, flows::Metric::Euclidean};
  REQUIRE_THROWS_WITH(matrix(*be, one, {}), Catch::Contains("at least 2 sites"));
  Sites neg{{5.0, -1.0}, {0.0, 1.0}, {0.0, 1.0}, flows::Metric::Euclidean};
  REQUIRE_THROWS_WITH(matrix(*be, neg, {}), Catch::Contains("population"));
}
