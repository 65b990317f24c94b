// Paper 003's flow models, spreading index and implied dynamics (models/settlement) against
// the spec's acceptance tests (§4 A1–A7): parameter recovery, nesting, invariances, the
// optimiser against the exact gamma profile and finite differences, symmetry, eta/LouBar edge
// cases against a brute-force eta, conservation and stationarity of the dynamics.
#include <omp.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>

#include "kernels/lsq/flow_normal.hpp"
#include "models/settlement/batch_fit.hpp"
#include "models/settlement/bootstrap.hpp"
#include "models/settlement/dynamics.hpp"
#include "models/settlement/flow_fit.hpp"
#include "models/settlement/spreading.hpp"
#include "models/settlement/synthetic.hpp"

using namespace migra;
using namespace migra::settle;

namespace {

/// A fit problem that owns its arrays.
struct Problem {
  City city;
  PairGeometry geo;
  std::vector<double> T, log_p;
  Problem(City c, std::vector<double> t) : city(std::move(c)), geo(pair_geometry(city)), T(std::move(t)) {
    for (double p : city.population) log_p.push_back(std::log(p));
  }
  FitProblem fp() const { return {city.size(), T.data(), log_p.data(), geo.d.data(), nullptr}; }
};

SyntheticCity test_city(bool poisson, std::uint64_t seed = 7, CityLayout layout = CityLayout::Random, int side = 12) {
  SyntheticConfig c;
  c.side = side;
  c.layout = layout;
  c.poisson = poisson;
  c.seed = seed;
  return synthetic_city(c);
}

double centred_max_diff(const std::vector<double>& a, const std::vector<double>& b) {
  const double ma = std::accumulate(a.begin(), a.end(), 0.0) / double(a.size());
  const double mb = std::accumulate(b.begin(), b.end(), 0.0) / double(b.size());
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs((a[i] - ma) - (b[i] - mb)));
  return m;
}

double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const double n = double(a.size());
  const double ma = std::accumulate(a.begin(), a.end(), 0.0) / n, mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i)
    sab += (a[i] - ma) * (b[i] - mb), saa += (a[i] - ma) * (a[i] - ma), sbb += (b[i] - mb) * (b[i] - mb);
  return sab / std::sqrt(saa * sbb);
}

/// Brute-force eta(rho) straight from eq. (5), O(N²) per threshold.
double eta_brute(const std::vector<double>& D, const std::vector<double>& S, const std::vector<double>& rho, double t) {
  const size_t n = S.size();
  double Stot = 0, Sh = 0, num = 0, den = 0;
  for (size_t i = 0; i < n; ++i) Stot += S[i], Sh += rho[i] >= t ? S[i] : 0.0;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) {
      const double xi = rho[i] >= t ? S[i] * Stot / Sh : 0.0, xj = rho[j] >= t ? S[j] * Stot / Sh : 0.0;
      num += D[i * n + j] * xi * xj;
      den += D[i * n + j] * S[i] * S[j];
    }
  return num / den;
}

/// An L×L lattice of unit cells with population density(x, y) at cell centres.
template <class F>
City lattice_city(int L, F density) {
  City c;
  for (int i = 0; i < L * L; ++i) {
    const double x = i % L + 0.5, y = i / L + 0.5;
    c.x.push_back(x), c.y.push_back(y), c.area.push_back(1.0), c.population.push_back(density(x, y));
  }
  return c;
}

}  // namespace

TEST_CASE("settlement: noise-free data from each model recover its parameters", "[settlement]") {
  const SyntheticCity s = test_city(false);
  for (FlowModel m : {FlowModel::Baseline, FlowModel::Extended, FlowModel::Spatial}) {
    FitParams truth = s.truth;
    if (m == FlowModel::Baseline) truth.gamma = 0;
    if (m == FlowModel::Spatial) truth.u.clear();
    Problem pr(s.city, {});
    pr.T = model_flows(pr.fp(), m, truth);
    const NestedFits f = fit_nested(pr.fp());
    const FitResult& r = f.get(m);
    INFO(model_name(m) << ": " << r.stop << " after " << r.iterations);
    CHECK(r.converged);
    CHECK(std::fabs(r.params.log_mu - truth.log_mu) < 1e-6);  // mu to 1e-6 relative
    if (has_gamma(m)) CHECK(std::fabs(r.params.gamma - truth.gamma) < 1e-6 * truth.gamma);
    if (has_u(m)) CHECK(centred_max_diff(r.params.u, truth.u) < 1e-6);
    CHECK(r.r2 > 1 - 1e-12);
  }
}

TEST_CASE("settlement: Poisson flows give gamma within 0.02 and u correlated > 0.95", "[settlement]") {
  const SyntheticCity s = test_city(true);
  const Problem pr(s.city, s.T);
  const NestedFits f = fit_nested(pr.fp());
  CHECK(f.extended.converged);
  CHECK(std::fabs(f.extended.params.gamma - 0.8) < 0.02);
  CHECK(correlation(f.extended.params.u, s.truth.u) > 0.95);
  // Nesting and the R² order (A2): exact by construction, and baseline far below spatial.
  CHECK(f.extended.r2 >= f.spatial.r2 - 1e-9);
  CHECK(f.extended.r2 >= f.baseline.r2 - 1e-9);
  CHECK(f.baseline.r2 < 0.5 * f.spatial.r2);
}

TEST_CASE("settlement: nesting holds on data no model generated", "[settlement]") {
  SyntheticCity s = test_city(true, 11, CityLayout::Polycentric);
  // Scramble half of the flows: the data now follow none of the three models.
  for (size_t q = 0; q < s.T.size(); q += 2) s.T[q] = s.T[(q * 7919) % s.T.size()];
  for (size_t i = 0; i < size_t(s.city.size()); ++i) s.T[i * size_t(s.city.size()) + i] = 0;
  const Problem pr(s.city, s.T);
  const NestedFits f = fit_nested(pr.fp());
  CHECK(f.extended.phi <= f.spatial.phi);
  CHECK(f.extended.phi <= f.baseline.phi);
  CHECK(f.extended.r2 >= std::max(f.spatial.r2, f.baseline.r2) - 1e-9);
}

TEST_CASE("settlement: gauge, population, flow and length-unit invariances", "[settlement]") {
  const SyntheticCity s = test_city(true, 3);
  const Problem base(s.city, s.T);
  // u -> u + c leaves That unchanged.
  FitParams shifted = s.truth;
  for (double& u : shifted.u) u += 1.7;
  const auto t0 = model_flows(base.fp(), FlowModel::Extended, s.truth), t1 = model_flows(base.fp(), FlowModel::Extended, shifted);
  for (size_t q = 0; q < t0.size(); ++q) CHECK(t1[q] == Approx(t0[q]).epsilon(1e-12));
  const NestedFits f0 = fit_nested(base.fp());

  City bigger = s.city;  // P -> 3P: (gamma, u) unchanged, mu -> mu / 9
  for (double& p : bigger.population) p *= 3;
  const NestedFits fp = fit_nested(Problem(bigger, s.T).fp());
  CHECK(fp.extended.params.gamma == Approx(f0.extended.params.gamma).epsilon(1e-7));
  CHECK(fp.extended.params.log_mu == Approx(f0.extended.params.log_mu - std::log(9.0)).margin(1e-7));
  CHECK(centred_max_diff(fp.extended.params.u, f0.extended.params.u) < 1e-6);

  std::vector<double> T5 = s.T;  // T -> 5T: (gamma, u, R²) unchanged, mu -> 5 mu
  for (double& t : T5) t *= 5;
  const NestedFits ft = fit_nested(Problem(s.city, T5).fp());
  CHECK(ft.extended.params.gamma == Approx(f0.extended.params.gamma).epsilon(1e-7));
  CHECK(ft.extended.params.log_mu == Approx(f0.extended.params.log_mu + std::log(5.0)).margin(1e-7));
  CHECK(ft.extended.r2 == Approx(f0.extended.r2).epsilon(1e-9));
  CHECK(ft.spatial.params.gamma == Approx(f0.spatial.params.gamma).epsilon(1e-7));

  City metres = s.city;  // km -> m, km² -> m²: d, gamma and eta unchanged
  for (size_t i = 0; i < metres.x.size(); ++i) metres.x[i] *= 1000, metres.y[i] *= 1000, metres.area[i] *= 1e6;
  const PairGeometry gm = pair_geometry(metres);
  for (size_t q = 0; q < gm.d.size(); ++q) CHECK(gm.d[q] == Approx(base.geo.d[q]).margin(1e-12));
  std::vector<double> rho, rho_m;
  for (int i = 0; i < s.city.size(); ++i) rho.push_back(s.city.density(i)), rho_m.push_back(metres.density(i));
  CHECK(loubar(gm.D, metres.area, rho_m).eta_star == Approx(loubar(base.geo.D, s.city.area, rho).eta_star).epsilon(1e-12));
}

TEST_CASE("settlement: optimiser against the gamma profile, finite differences and closed-form mu", "[settlement]") {
  const SyntheticCity s = test_city(true, 5);
  const Problem pr(s.city, s.T);
  const FitProblem p = pr.fp();
  const GammaProfile prof = gamma_profile(p);
  FitParams start;
  start.gamma = 0.3;
  start.log_mu = closed_form_log_mu(p, FlowModel::Spatial, start);
  const FitResult lm = fit_flow_model(p, FlowModel::Spatial, start);
  CHECK(std::fabs(lm.params.gamma - prof.best_gamma) < 1e-6);
  CHECK(lm.phi <= prof.best_phi * (1 + 1e-12));

  // Analytic AᵀA and Aᵀr against central differences of That on a small city.
  SyntheticConfig c;
  c.side = 4;
  c.poisson = true;
  const SyntheticCity small = synthetic_city(c);
  const Problem sp(small.city, small.T);
  const int n = small.city.size();
  FitParams at = small.truth;
  at.gamma = 0.7;
  const NormalEquations ne = normal_equations(sp.fp(), FlowModel::Extended, at);
  REQUIRE(ne.size == n + 1);
  std::vector<std::vector<double>> cols;  // dThat/dtheta_j, theta = (m, gamma, u_0..u_{n-2})
  for (int j = 0; j < ne.size; ++j) {
    FitParams lo = at, hi = at;
    const double h = 1e-6;
    if (j == 0) lo.log_mu -= h, hi.log_mu += h;
    else if (j == 1) lo.gamma -= h, hi.gamma += h;
    else lo.u[size_t(j - 2)] -= h, hi.u[size_t(j - 2)] += h;
    const auto a = model_flows(sp.fp(), FlowModel::Extended, lo), b = model_flows(sp.fp(), FlowModel::Extended, hi);
    std::vector<double> col(a.size());
    for (size_t q = 0; q < a.size(); ++q) col[q] = (b[q] - a[q]) / (2 * h);
    cols.push_back(col);
  }
  const auto that = model_flows(sp.fp(), FlowModel::Extended, at);
  for (int a = 0; a < ne.size; ++a) {
    double atr = 0;
    for (size_t q = 0; q < that.size(); ++q) atr += cols[size_t(a)][q] * (small.T[q] - that[q]);
    CHECK(ne.atr[size_t(a)] == Approx(atr).epsilon(1e-6).margin(1e-6 * std::fabs(ne.atr[0])));
    for (int b = 0; b < ne.size; ++b) {
      double ata = 0;
      for (size_t q = 0; q < that.size(); ++q) ata += cols[size_t(a)][q] * cols[size_t(b)][q];
      CHECK(ne.ata[size_t(a * ne.size + b)] == Approx(ata).epsilon(1e-6).margin(1e-6 * ne.ata[0]));
    }
  }
  // The optimiser's mu is the closed-form mu at its own (gamma, u).
  const NestedFits f = fit_nested(p);
  CHECK(closed_form_log_mu(p, FlowModel::Extended, f.extended.params) == Approx(f.extended.params.log_mu).margin(1e-9));
  CHECK(closed_form_log_mu(p, FlowModel::Baseline, f.baseline.params) == Approx(f.baseline.params.log_mu).margin(1e-9));
}

TEST_CASE("settlement: spatial flows are symmetric, extended log-ratios recover u", "[settlement]") {
  const SyntheticCity s = test_city(false, 9);
  const Problem pr(s.city, {});
  const size_t n = size_t(s.city.size());
  const auto sym = model_flows(pr.fp(), FlowModel::Spatial, s.truth);
  const auto ext = model_flows(pr.fp(), FlowModel::Extended, s.truth);
  for (size_t i = 0; i < n; ++i)
    for (size_t k = 0; k < n; ++k) {
      CHECK(sym[i * n + k] == Approx(sym[k * n + i]).epsilon(1e-13));
      if (i != k)
        CHECK(0.5 * std::log(ext[i * n + k] / ext[k * n + i]) ==
              Approx(s.truth.u[k] - s.truth.u[i]).margin(1e-12));
    }
}

TEST_CASE("settlement: eta and the LouBar threshold, edge cases and brute force", "[settlement]") {
  SECTION("uniform density: F* = 0, every unit a hotspot, eta* = 1") {
    const City c = lattice_city(8, [](double, double) { return 100.0; });
    const PairGeometry g = pair_geometry(c);
    const std::vector<double> rho(c.population);
    const LouBar lb = loubar(g.D, c.area, rho);
    CHECK(lb.f_star == Approx(0).margin(1e-15));
    CHECK(lb.eta_star == Approx(1.0).epsilon(1e-12));
    CHECK(std::all_of(lb.hotspot.begin(), lb.hotspot.end(), [](bool h) { return h; }));
  }
  SECTION("one hotspot: eta = 0; below the least density: eta = 1") {
    City c = lattice_city(6, [](double x, double y) { return 50.0 + x + 0.1 * y; });
    c.population[13] = 1e5;
    const PairGeometry g = pair_geometry(c);
    const SpreadingCurve curve = spreading_curve(g.D, c.area, c.population);
    CHECK(curve.hotspots.front() == 1);
    CHECK(curve.eta.front() == 0.0);
    CHECK(curve.eta.back() == Approx(1.0).epsilon(1e-12));
  }
  SECTION("monocentric: eta* < 0.5 and eta non-increasing as the threshold rises") {
    const City c = lattice_city(20, [](double x, double y) { return 1e4 * std::exp(-std::hypot(x - 10, y - 10) / 3.0); });
    const PairGeometry g = pair_geometry(c);
    const LouBar lb = loubar(g.D, c.area, c.population);
    CHECK(lb.eta_star < 0.5);
    const SpreadingCurve curve = spreading_curve(g.D, c.area, c.population);  // thresholds descending
    for (size_t t = 1; t < curve.eta.size(); ++t) CHECK(curve.eta[t] >= curve.eta[t - 1] - 1e-12);
    for (size_t t = 0; t < curve.eta.size(); t += 7)
      CHECK(curve.eta[t] == Approx(eta_brute(g.D, c.area, c.population, curve.threshold[t])).epsilon(1e-12));
    const LouBar eq = loubar(g.D, c.area, c.population, LouBarWeights::Equal);
    CHECK(eq.eta_star < 0.5);
  }
  SECTION("four peaks near the corners: eta* >= 0.8") {
    const City c = lattice_city(20, [](double x, double y) {
      double v = 1.0;
      for (double cx : {3.0, 17.0})
        for (double cy : {3.0, 17.0}) v += 1e4 * std::exp(-std::hypot(x - cx, y - cy) / 1.5);
      return v;
    });
    const PairGeometry g = pair_geometry(c);
    const LouBar lb = loubar(g.D, c.area, c.population);
    CHECK(lb.eta_star >= 0.8);
    CHECK(lb.eta_star == Approx(eta_brute(g.D, c.area, c.population, lb.rho_star)).epsilon(1e-12));
  }
}

TEST_CASE("settlement: implied dynamics conserve population, constant u is stationary", "[settlement]") {
  const SyntheticCity s = test_city(false, 21);
  const PairGeometry g = pair_geometry(s.city);
  const int n = s.city.size();
  const double mu = std::exp(s.truth.log_mu);
  const std::vector<double> W = deterrence_matrix(g.d, n, s.truth.gamma);
  std::vector<double> rate;
  population_rate(W, mu, s.city.population, s.truth.u, rate);
  const double P = std::accumulate(s.city.population.begin(), s.city.population.end(), 0.0);
  CHECK(std::fabs(std::accumulate(rate.begin(), rate.end(), 0.0)) < 1e-12 * P);
  // The GEMV form against the pairwise sum of the model's flows.
  std::vector<double> log_p;
  for (double p : s.city.population) log_p.push_back(std::log(p));
  const auto that = model_flows({n, nullptr, log_p.data(), g.d.data(), nullptr}, FlowModel::Extended, s.truth);
  for (int k = 0; k < n; ++k) {
    double net = 0;
    for (int i = 0; i < n; ++i) net += that[size_t(i * n + k)] - that[size_t(k * n + i)];
    CHECK(rate[size_t(k)] == Approx(net).epsilon(1e-9).margin(1e-9 * P / n));
  }
  Attractiveness fixed{s.truth.u};
  const Trajectory tr = simulate_mean_field(W, mu, s.city.area, s.city.population, fixed, 0.1, 20);
  const auto& last = tr.population.back();
  CHECK(std::fabs(std::accumulate(last.begin(), last.end(), 0.0) - P) < 1e-12 * P);
  Attractiveness flat{std::vector<double>(size_t(n), 0.4)};
  const Trajectory still = simulate_mean_field(W, mu, s.city.area, s.city.population, flat, 0.1, 20);
  for (int i = 0; i < n; ++i) CHECK(still.population.back()[size_t(i)] == Approx(s.city.population[size_t(i)]).epsilon(1e-12));
}

TEST_CASE("settlement: tau-leaping conserves integer population and its mean follows the ODE", "[settlement]") {
  const SyntheticCity s = test_city(false, 7, CityLayout::Random, 6);
  const PairGeometry g = pair_geometry(s.city);
  const int n = s.city.size();
  const std::vector<double> W = deterrence_matrix(g.d, n, s.truth.gamma);
  const double mu = std::exp(s.truth.log_mu);
  Attractiveness a{s.truth.u};
  const double P = std::accumulate(s.city.population.begin(), s.city.population.end(), 0.0);
  const int R = 200, steps = 10;
  const double dt = 0.1;
  std::vector<double> mean(size_t(n), 0.0);
  for (int r = 0; r < R; ++r) {
    const Trajectory t = simulate_tau_leap(W, mu, s.city.area, s.city.population, a, dt, steps, 42, std::uint32_t(r));
    for (const auto& row : t.population) {
      double tot = 0;
      for (double v : row) {
        CHECK((v >= 0 && v == std::floor(v)));
        tot += v;
      }
      CHECK(tot == P);
    }
    for (int i = 0; i < n; ++i) mean[size_t(i)] += t.population.back()[size_t(i)] / R;
  }
  const Trajectory ode = simulate_mean_field(W, mu, s.city.area, s.city.population, a, dt, steps);
  // The leap uses populations frozen over dt (Euler in expectation); compare with the ODE
  // change per unit: the ensemble mean must track it to a few percent of the change's scale.
  double change = 0, err = 0;
  for (int i = 0; i < n; ++i) {
    change += std::fabs(ode.population.back()[size_t(i)] - s.city.population[size_t(i)]);
    err += std::fabs(mean[size_t(i)] - ode.population.back()[size_t(i)]);
  }
  CHECK(change > 0.05 * P);  // the populations do move
  CHECK(err < 0.1 * change);
}

TEST_CASE("settlement: bootstrap replicates are reproducible and cover the true gamma", "[settlement]") {
  const SyntheticCity s = test_city(true, 4, CityLayout::Random, 8);
  const Problem pr(s.city, s.T);
  const NestedFits f = fit_nested(pr.fp());
  for (BootstrapKind kind : {BootstrapKind::Poisson, BootstrapKind::Pairs}) {
    BootstrapConfig cfg;
    cfg.replicates = 40;
    cfg.kind = kind;
    cfg.seed = 99;
    const auto cpu = make_cpu_backend();
    omp_set_num_threads(1);
    const auto one = bootstrap(*cpu, pr.fp(), {f.extended, f.spatial}, cfg);
    omp_set_num_threads(2);
    const auto two = bootstrap(*cpu, pr.fp(), {f.extended, f.spatial}, cfg);
    CHECK(one[0].gamma == two[0].gamma);
    CHECK(one[1].gamma == two[1].gamma);
    CHECK(one[0].not_converged == 0);
    const Interval iv = percentile_interval(one[0].gamma);
    INFO("kind " << int(kind) << ": gamma CI [" << iv.lo << ", " << iv.hi << "], sd " << iv.sd);
    CHECK(iv.lo < 0.8);
    CHECK(iv.hi > 0.8);
    CHECK(iv.sd > 0);
    CHECK(iv.sd < 0.1);
  }
}

TEST_CASE("settlement: a batch of fits follows each problem's lone iteration exactly", "[settlement]") {
  const SyntheticCity s = test_city(true, 8, CityLayout::Random, 7);
  const Problem pr(s.city, s.T);
  const int n = s.city.size(), B = 6;
  const NestedFits f = fit_nested(pr.fp());
  const auto cpu = make_cpu_backend();
  for (FlowModel m : {FlowModel::Baseline, FlowModel::Extended, FlowModel::Spatial}) {
    const std::vector<double> that = model_flows(pr.fp(), m, f.get(m).params);
    std::vector<double> T(size_t(B * n * n)), w(T.size());
    lsq::poisson_replicates(Exec::cpu(), n, B, 0, 5, that.data(), T.data(), nullptr);
    lsq::pair_counts(Exec::cpu(), n, B, 0, 5, w.data(), nullptr);
    for (bool weighted : {false, true}) {
      BatchProblems bp{n, B, {pr.geo.d.data(), pr.log_p.data(), T.data(), nullptr, weighted ? w.data() : nullptr, nullptr}};
      FitConfig cfg;
      cfg.max_iter = 12;  // some problems stop by the limit, the others by the tolerances
      const auto batch = fit_batch(*cpu, m, bp, std::vector<FitParams>(size_t(B), f.get(m).params), cfg);
      for (int b = 0; b < B; ++b) {
        FitProblem q = pr.fp();
        q.T = T.data() + size_t(b * n * n);
        if (weighted) q.weight = w.data() + size_t(b * n * n);
        const FitResult one = fit_flow_model(q, m, f.get(m).params, cfg);
        INFO(model_name(m) << " problem " << b << (weighted ? " weighted" : ""));
        CHECK(batch[size_t(b)].iterations == one.iterations);
        CHECK(batch[size_t(b)].stop == one.stop);
        CHECK(batch[size_t(b)].phi == one.phi);
        CHECK(batch[size_t(b)].params.gamma == one.params.gamma);
        CHECK(batch[size_t(b)].params.u == one.params.u);
      }
    }
  }
}
