// Paper-004 dynamics against brute-force flows, conservation, limits and invariances (spec §7).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "kernels/core/backend.hpp"
#include "kernels/random/philox.hpp"
#include "kernels/stats/rank_size.hpp"
#include "models/sim_dynamics/ensemble.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

using namespace migra;
using namespace migra::sim;

namespace {

/// T_ij straight from the formulas of dynamics.hpp, s_ij by the O(n^3) definition.
std::vector<double> brute_force_T(const DynamicsParams& p, const RandomMap& m) {
  const int n = int(m.q.size());
  const auto r = [&](int i, int j) { return std::hypot(m.x[size_t(i)] - m.x[size_t(j)], m.y[size_t(i)] - m.y[size_t(j)]); };
  const auto& Q = m.q;
  std::vector<double> T(size_t(n) * size_t(n), 0.0), D(Q);
  const double total = std::accumulate(Q.begin(), Q.end(), 0.0);
  if (p.model == DynamicsModel::Retail)
    for (auto& d : D) d = std::pow(d, 1.0 + p.epsilon);
  if (p.model == DynamicsModel::TwoTrip)
    for (int j = 0; j < n; ++j) {
      D[size_t(j)] = 0;
      for (int k = 0; k < n; ++k) D[size_t(j)] += Q[size_t(k)] * std::exp(-p.gamma * r(j, k));
    }
  for (int i = 0; i < n; ++i) {
    const bool opp = p.model == DynamicsModel::Radiation || p.model == DynamicsModel::InterveningOpportunities;
    double rowsum = 0.0;
    for (int j = 0; j < n; ++j) {
      double t;
      if (!opp) {
        t = (i == j && p.exclude_self) ? 0.0 : D[size_t(j)] * std::exp(-p.beta * r(i, j));
      } else {
        const bool literal = p.radiation_literal && p.model == DynamicsModel::Radiation;
        if (i == j && !literal) continue;
        double s = 0.0;
        for (int k = 0; k < n; ++k)
          if (k != j && (k != i || literal) && r(i, k) < r(i, j)) s += Q[size_t(k)];
        const double L = 1.0 / total;
        t = p.model == DynamicsModel::Radiation
                ? Q[size_t(i)] * Q[size_t(i)] * Q[size_t(j)] / ((Q[size_t(i)] + s) * (Q[size_t(i)] + Q[size_t(j)] + s))
                : std::exp(-L * s) - std::exp(-L * (s + Q[size_t(j)]));
      }
      T[size_t(i) * size_t(n) + size_t(j)] = t;
      rowsum += t;
    }
    if (p.model != DynamicsModel::Radiation)  // production-constrained: rows sum to Q_i
      for (int j = 0; j < n; ++j) T[size_t(i) * size_t(n) + size_t(j)] *= Q[size_t(i)] / rowsum;
  }
  return T;
}

MapSpec small_map(int n, InitialPopulation pop = InitialPopulation::LogNormal) {
  MapSpec s;
  s.sites = n;
  s.side = 1000.0 * std::sqrt(n / 1000.0);  // the paper's density
  s.population = pop;
  return s;
}

DynamicsParams params(DynamicsModel m) {
  DynamicsParams p;
  p.model = m;
  if (m == DynamicsModel::TwoTrip) p.beta = 0.025, p.gamma = 0.2;
  return p;
}

const DynamicsModel kModels[] = {DynamicsModel::Gravity, DynamicsModel::Retail, DynamicsModel::TwoTrip,
                                 DynamicsModel::Radiation, DynamicsModel::InterveningOpportunities};

}  // namespace

TEST_CASE("Philox4x32-10 matches the Random123 known-answer vectors", "[dynamics][rng]") {
  const auto a = rng::philox4x32_10({{0, 0, 0, 0}}, 0, 0);
  CHECK(a.v[0] == 0x6627e8d5u);
  CHECK(a.v[3] == 0x9b00dbd8u);
  const auto b = rng::philox4x32_10({{~0u, ~0u, ~0u, ~0u}}, ~0u, ~0u);
  CHECK(b.v[0] == 0x408f276du);
  CHECK(b.v[3] == 0x6d5451fdu);
  const auto c = rng::philox4x32_10({{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}}, 0xa4093822u, 0x299f31d0u);
  CHECK(c.v[0] == 0xd16cfe09u);
  CHECK(c.v[1] == 0x94fdccebu);
  CHECK(c.v[2] == 0x5001e420u);
  CHECK(c.v[3] == 0x24126ea1u);
  // uniforms are in (0, 1), with mean 1/2 and variance 1/12
  double s = 0, ss = 0;
  for (std::uint32_t i = 0; i < 20000; ++i) {
    const auto u = rng::uniforms(7, rng::Stream::Position, 3, i, 0);
    for (double v : u.u) {
      REQUIRE(v > 0.0);
      REQUIRE(v < 1.0);
      s += v, ss += v * v;
    }
  }
  CHECK(s / 80000 == Approx(0.5).margin(0.005));
  CHECK(ss / 80000 - (s / 80000) * (s / 80000) == Approx(1.0 / 12).margin(0.002));
}

TEST_CASE("random maps: a map depends only on (seed, map), not on what else is drawn", "[dynamics]") {
  MapSpec s = small_map(200);
  const RandomMap a = make_map(s, 11, 5), b = make_map(s, 11, 5), c = make_map(s, 11, 6);
  REQUIRE(a.x == b.x);
  REQUIRE(a.q == b.q);
  REQUIRE(a.x != c.x);
  for (double v : a.x) REQUIRE((v >= 0 && v <= s.side));
  s.layout = Layout::Thomas;
  const RandomMap t = make_map(s, 11, 5);
  for (size_t i = 0; i < t.x.size(); ++i) REQUIRE((t.x[i] >= 0 && t.x[i] <= s.side && t.y[i] >= 0 && t.y[i] <= s.side));
}

TEST_CASE("dynamics: every model's in- and out-flows equal the brute-force T", "[dynamics]") {
  const RandomMap m = make_map(small_map(60), 3, 0);
  const double total = std::accumulate(m.q.begin(), m.q.end(), 0.0);
  for (const DynamicsModel model : kModels)
    for (const bool variant : {false, true}) {
      DynamicsParams p = params(model);
      p.exclude_self = variant;
      p.radiation_literal = variant;
      const auto T = brute_force_T(p, m);
      MapDynamics dyn(p, m.x, m.y, total);
      std::vector<double> in(60), out(60);
      dyn.flows(m.q.data(), in.data(), out.data());
      for (int i = 0; i < 60; ++i) {
        double row = 0, col = 0;
        for (int j = 0; j < 60; ++j) row += T[size_t(i) * 60 + size_t(j)], col += T[size_t(j) * 60 + size_t(i)];
        INFO("model " << int(model) << " variant " << variant << " site " << i);
        REQUIRE(out[size_t(i)] == Approx(row).epsilon(1e-12));
        REQUIRE(in[size_t(i)] == Approx(col).epsilon(1e-11));
        if (model != DynamicsModel::Radiation) REQUIRE(out[size_t(i)] == Approx(m.q[size_t(i)]).epsilon(1e-12));  // T1
      }
      if (model == DynamicsModel::Radiation && !variant)  // T5: no ties on a random map
        for (int i = 0; i < 60; ++i) REQUIRE(out[size_t(i)] == Approx(m.q[size_t(i)] * (1 - m.q[size_t(i)] / total)).epsilon(1e-12));
      if (model == DynamicsModel::Radiation && variant)
        for (int i = 0; i < 60; ++i)
          REQUIRE(out[size_t(i)] == Approx(m.q[size_t(i)] * (1 - m.q[size_t(i)] / (m.q[size_t(i)] + total))).epsilon(1e-12));
    }
}

TEST_CASE("dynamics: conservation and the positivity floor over 2000 steps (T2, T3)", "[dynamics]") {
  for (const DynamicsModel model : kModels) {
    EnsembleConfig cfg;
    cfg.map = small_map(150, InitialPopulation::Constant);
    cfg.dynamics = params(model);
    cfg.maps = 2;
    cfg.steps = 2000;
    cfg.score_every = 2000;
    const EnsembleResult r = run_ensemble(cfg, nullptr);
    INFO("model " << int(model));
    REQUIRE(r.max_rel_conservation_error < 1e-12);
    REQUIRE(r.min_floor_ratio >= 1.0 - 1e-12);
    const double hi = *std::max_element(r.q_final.begin(), r.q_final.end());
    REQUIRE(hi > 1.5 * cfg.map.q0);  // something happened: sites grew
  }
}

TEST_CASE("dynamics: Two-Trip at gamma = 1e4 is production-constrained gravity (T6a)", "[dynamics]") {
  EnsembleConfig g, t;
  g.map = t.map = small_map(200, InitialPopulation::LogNormal);
  g.maps = t.maps = 2;
  g.steps = t.steps = 300;
  g.dynamics = params(DynamicsModel::Gravity);
  g.dynamics.beta = 0.025;
  t.dynamics = params(DynamicsModel::TwoTrip);
  t.dynamics.gamma = 1e4;
  const auto a = run_ensemble(g, nullptr), b = run_ensemble(t, nullptr);
  for (size_t i = 0; i < a.q_final.size(); ++i) REQUIRE(b.q_final[i] == Approx(a.q_final[i]).epsilon(1e-12));
}

TEST_CASE("dynamics: statics, scale invariance and determinism (T7, T8, T11)", "[dynamics]") {
  EnsembleConfig cfg;
  cfg.map = small_map(120, InitialPopulation::LogNormal);
  cfg.maps = 3;
  cfg.steps = 200;
  SECTION("gravity with beta = 0 sends T_ij = Q_i Q_j / Q_tot: Q stays put") {
    cfg.dynamics.beta = 0.0;
    const auto r = run_ensemble(cfg, nullptr);
    for (int m = 0; m < 3; ++m) {
      const auto q0 = make_map(cfg.map, cfg.seed, m).q;
      for (int i = 0; i < 120; ++i) REQUIRE(r.q_final[size_t(m) * 120 + size_t(i)] == Approx(q0[size_t(i)]).epsilon(1e-12));
    }
  }
  SECTION("Q0 -> c Q0 gives Q(t) -> c Q(t)") {
    for (const DynamicsModel model : {DynamicsModel::Gravity, DynamicsModel::TwoTrip, DynamicsModel::Radiation}) {
      cfg.dynamics = params(model);
      const auto a = run_ensemble(cfg, nullptr);
      cfg.map.q0 *= 7.5;
      const auto b = run_ensemble(cfg, nullptr);
      cfg.map.q0 /= 7.5;
      for (size_t i = 0; i < a.q_final.size(); ++i) REQUIRE(b.q_final[i] == Approx(7.5 * a.q_final[i]).epsilon(1e-12));
    }
  }
#ifdef _OPENMP
  SECTION("the same seed gives the same bits whatever the thread count") {
    cfg.dynamics = params(DynamicsModel::Radiation);
    const int threads = omp_get_max_threads();
    omp_set_num_threads(1);
    const auto a = run_ensemble(cfg, nullptr);
    omp_set_num_threads(std::max(2, threads));
    const auto b = run_ensemble(cfg, nullptr);
    omp_set_num_threads(threads);
    REQUIRE(a.q_final == b.q_final);
  }
#endif
}

TEST_CASE("dynamics: the batched path (all maps per launch) equals the per-map path", "[dynamics]") {
  // The GPU path, run here through the CPU launchers: the same functors. Gravity family: f on
  // the fly and other summation orders; radiation and IO: the same sums in the same order.
  const auto cpu = make_cpu_backend();
  for (const DynamicsModel model : kModels)
    for (const bool variant : {false, true}) {
      EnsembleConfig cfg;
      cfg.map = small_map(90, InitialPopulation::LogNormal);
      cfg.dynamics = params(model);
      cfg.dynamics.exclude_self = variant;
      cfg.dynamics.radiation_literal = variant;
      cfg.maps = 3;
      cfg.steps = 300;
      cfg.score_every = 7;
      std::vector<double> ref_values;
      for (int i = 1; i <= 400; ++i) ref_values.push_back(1e6 / std::pow(i, 0.9));
      const stats::RankCurves ref = reference_curves(ref_values, 90, 10, 3);
      const EnsembleResult a = run_ensemble(cfg, &ref), b = run_ensemble(cfg, &ref, {}, nullptr, {}, nullptr, cpu.get());
      INFO("model " << int(model) << ", variant " << variant);
      double worst = 0.0;
      for (size_t i = 0; i < a.q_final.size(); ++i) worst = std::max(worst, std::fabs(b.q_final[i] / a.q_final[i] - 1.0));
      CHECK(worst < 1e-10);
      if (model == DynamicsModel::Radiation || model == DynamicsModel::InterveningOpportunities)
        CHECK(worst < 1e-13);  // the same sums in the same order; -march=native may fuse them differently
      const double moved = std::fabs(a.q_final[0] / make_map(cfg.map, cfg.seed, 0).q[0] - 1.0);
      CHECK(moved > 1e-3);  // the comparison is not between two static states
      REQUIRE(b.scored_steps == a.scored_steps);
      for (size_t k = 0; k < a.d_ks.size(); ++k) REQUIRE(b.d_ks[k] == Approx(a.d_ks[k]).margin(1e-9));
      REQUIRE(b.max_rel_conservation_error < 1e-12);
      REQUIRE(b.x == a.x);
    }
}

TEST_CASE("rank-size statistics: KS against scipy, rank curves, reference sampling (T10)", "[dynamics][stats]") {
  using stats::ks_two_sample;
  const std::vector<double> x = {3, 1, 4, 1, 5, 9, 2, 6};
  REQUIRE(ks_two_sample(x, x) == 0.0);
  REQUIRE(ks_two_sample({1, 2, 3}, {4, 5}) == 1.0);
  // frozen scipy.stats.ks_2samp(a, b).statistic (SciPy 1.10.1)
  REQUIRE(ks_two_sample({1.0, 2.5, 3.0, 4.0, 7.5}, {2.0, 2.5, 6.0, 8.0}) == Approx(0.3).epsilon(1e-15));
  std::vector<double> a2, b2;
  for (int i = 0; i < 30; ++i) a2.push_back(0.1 * i * i);
  for (int i = 0; i < 20; ++i) b2.push_back(0.2 * i + 1);
  REQUIRE(ks_two_sample(a2, b2) == Approx(0.7666666666666667).epsilon(1e-15));
  REQUIRE(ks_two_sample({1, 1, 1, 2, 2, 3, 5, 5, 9}, {1, 2, 2, 2, 4, 5, 9, 9}) == Approx(0.20833333333333334).epsilon(1e-15));
  // t = 0 against a reference: D = max(#{C < q}, #{C > q}) / n
  const std::vector<double> flat(1000, 1e5);
  std::vector<double> ref;
  for (int i = 0; i < 1000; ++i) ref.push_back(1e3 * (i + 1));  // 99 below 1e5, 900 above
  REQUIRE(ks_two_sample(flat, ref) == Approx(900.0 / 1000).epsilon(1e-15));

  const auto c = stats::rank_curves({1, 5, 3, 2, 6, 4}, 2, 3);  // maps {1,5,3}, {2,6,4}
  REQUIRE(c.mean == std::vector<double>{5.5, 3.5, 1.5});
  REQUIRE(c.median == std::vector<double>{5.5, 3.5, 1.5});
  REQUIRE(c.q25[0] == Approx(5.25));

  std::vector<double> values(500);
  std::iota(values.begin(), values.end(), 1.0);
  const auto r = reference_curves(values, 500, 3, 9);  // a sample of all 500 is the whole set
  for (int k = 0; k < 500; ++k) REQUIRE(r.mean[size_t(k)] == 500.0 - k);
  const auto s = reference_curves(values, 100, 200, 9);
  for (int k = 1; k < 100; ++k) REQUIRE(s.mean[size_t(k)] < s.mean[size_t(k - 1)]);  // distinct draws
  REQUIRE(s.mean[49] == Approx(500.0 * (1 - 50.0 / 101)).epsilon(0.03));            // E[50th largest of 100]
}

TEST_CASE("ensemble: a run resumed from a checkpoint ends with the same bits", "[dynamics]") {
  EnsembleConfig cfg;
  cfg.map = small_map(150, InitialPopulation::LogNormal);
  cfg.maps = 3;
  cfg.steps = 200;
  cfg.score_every = 3;
  cfg.dynamics = params(DynamicsModel::Radiation);
  std::vector<double> values(400);
  std::iota(values.begin(), values.end(), 1.0);
  const auto ref = reference_curves(values, 150, 10, 2);
  std::vector<EnsembleState> saved;
  const auto full = run_ensemble(cfg, &ref, {}, nullptr, [&](const EnsembleState& s) { saved.push_back(s); });
  REQUIRE(saved.size() == 6);  // after steps 32, 64, ..., 192
  for (const size_t k : {size_t(0), size_t(3), size_t(5)}) {
    const auto resumed = run_ensemble(cfg, &ref, {}, &saved[k]);
    REQUIRE(resumed.q_final == full.q_final);
    REQUIRE(resumed.d_ks == full.d_ks);
    REQUIRE(resumed.scored_steps == full.scored_steps);
    REQUIRE(resumed.tau == full.tau);
    REQUIRE(resumed.q_tau == full.q_tau);
    REQUIRE(resumed.at_tau.mean == full.at_tau.mean);
  }
}
