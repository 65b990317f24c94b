// Paper 000 (PINN migration dynamics): spec §6 U1–U9, S1, S2, the batched network against lone
// per-node networks, and checkpoint resume.
#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "kernels/core/error.hpp"
#ifdef MIGRA_HAVE_TORCH
// LibTorch brings glog's CHECK macros; Catch's must win, so they come after.
#include "models/pinn_migration/grouped_mlp.hpp"
#undef CHECK
#undef CHECK_EQ
#endif
#include <catch2/catch.hpp>

#include "kernels/ode/runge_kutta.hpp"
#include "kernels/stats/pchip.hpp"
#include "models/pinn_migration/motion.hpp"
#include "models/pinn_migration/pinn.hpp"
#include "models/pinn_migration/regression.hpp"
#include "models/pinn_migration/series.hpp"
#include "models/pinn_migration/synthetic.hpp"
#include "models/pinn_migration/transfer.hpp"
#include "models/torch_runtime.hpp"
#include "host/io/csv.hpp"
#include "tests/skip.hpp"

using namespace migra;
using namespace migra::pinn;

TEST_CASE("U1: the age term g(x) = a/x + b", "[pinn]") {
  CHECK(age_term(18) == Approx(1).margin(1e-15));
  CHECK(age_term(80) == Approx(0).margin(1e-15));
  CHECK(std::fabs(age_term(34) - 0.39279) < 1e-4);
  CHECK(std::fabs(age_term(60) - 0.096774) < 1e-5);
  CHECK(age_term(10) == 1.0);  // clipped
  const std::vector<double> a = age_vector({34, 60});
  REQUIRE(a.size() == 3);
  CHECK(a[2] == Approx(0.5 * (a[0] + a[1])));
}

TEST_CASE("U2: haversine distances and the normalised D", "[pinn]") {
  CHECK(std::fabs(haversine_km(55.7558, 37.6173, 59.9343, 30.3351) - 633.0) < 2.0);
  // antipodes: h = 1 - O(ulp), whose square-root sensitivity limits the haversine to ~1e-8 here
  CHECK(haversine_km(10, 20, -10, -160) == Approx(M_PI * 6371.0).epsilon(1e-8));
  const std::vector<double> lat{55.7558, 59.9343, 43.1, 61.0}, lon{37.6173, 30.3351, 131.9, 69.0};
  const std::vector<double> D = distance_matrix(lat, lon);
  const int n = 5;
  double top = 0;
  for (int u = 0; u < n; ++u) {
    CHECK(D[size_t(u * n + u)] == 0);
    for (int v = 0; v < n; ++v) {
      CHECK(D[size_t(u * n + v)] == D[size_t(v * n + u)]);
      if (u < 4 && v < 4) top = std::max(top, D[size_t(u * n + v)]);
      else if (u != v) CHECK(D[size_t(u * n + v)] == 1.0);
    }
  }
  CHECK(top == 1.0);
}

TEST_CASE("U3, U4: correlation F and the preprocessing with the external node", "[pinn]") {
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int> ui(-5000, 5000);
  const int n = 6, T = 9;
  std::vector<double> R, years;
  for (int k = 0; k < T; ++k) years.push_back(2010 + k);
  for (int k = 0; k < n * T; ++k) R.push_back(ui(rng));
  for (int k = 0; k < T; ++k) R[size_t(2 * T + k)] = 17;  // no variance
  const Balances b = with_external_node({"a", "b", "c", "d", "e", "f"}, years, R);
  REQUIRE(b.nodes() == n + 1);
  for (int k = 0; k < T; ++k) {
    double s = 0;
    for (int u = 0; u <= n; ++u) s += b.R[size_t(u * T + k)];
    CHECK(s == 0);
  }
  const Scaled sc = preprocess(b);
  CHECK(sc.t.front() == 0);
  CHECK(sc.t.back() == 1);
  for (int u = 0; u <= n; ++u) {
    CHECK(sc.R[size_t(u * T)] == 0);
    double m = 0;
    for (int k = 0; k < T; ++k) {
      m = std::max(m, std::fabs(sc.R[size_t(u * T + k)]));
      const double raw = b.R[size_t(u * T + k)];
      CHECK(std::fabs(sc.people(u, sc.R[size_t(u * T + k)]) - raw) <= 1e-12 * std::max(1.0, std::fabs(raw)));
      CHECK(std::round(sc.people(u, sc.R[size_t(u * T + k)])) == raw);  // counts come back exactly
    }
    CHECK(m == (u == 2 ? 0.0 : 1.0));
  }
  const std::vector<double> F = correlation_matrix(b.R, n + 1, T), Fs = correlation_matrix(sc.R, n + 1, T);
  for (int u = 0; u <= n; ++u)
    for (int v = 0; v <= n; ++v) {
      const double f = F[size_t(u * (n + 1) + v)];
      CHECK(f == F[size_t(v * (n + 1) + u)]);
      CHECK(std::fabs(f) <= 1.0);
      CHECK(std::fabs(f - Fs[size_t(u * (n + 1) + v)]) < 1e-12);
      if (u == v) CHECK(f == 1.0);
      else if (u == 2 || v == 2) CHECK(f == 0.0);
    }
}

TEST_CASE("U5: PCHIP against SciPy's PchipInterpolator", "[pinn]") {
  // References computed with SciPy 1.10 (Debian bookworm), PchipInterpolator(x, y)(q).
  struct Case {
    std::vector<double> x, y, q, want;
  };
  const std::vector<Case> cases = {
      {{0.0, 0.7, 1.1, 2.5, 3.0, 4.2, 5.0, 6.3}, {1.0, -0.4, 0.3, 0.3, 2.2, -1.5, 0.1, 0.05},
       {0.0, 0.35, 0.9, 1.8, 2.75, 3.6, 4.6, 5.9, 6.3},
       {1.0, -0.08380681818181812, -0.0500000000000001, 0.3, 1.25, 0.3500000000000002, -0.7000000000000013,
        0.0834091943559399, 0.049999999999999996}},
      {{0.0, 0.5, 1.3, 1.9, 3.1, 3.4, 4.8, 6.0}, {0.0, 0.8, 1.1, 2.9, 3.0, 4.5, 4.6, 7.0},
       {0.2, 0.9, 1.6, 2.5, 3.25, 4.0, 5.5, 5.99},
       {0.4000973100519113, 0.9445729117508259, 2.038332472896232, 2.9466934031756424, 3.750939561282405,
        4.55350759077802, 5.622674540133779, 6.971093034071906}},
      {{0.0, 1.0, 2.2, 3.0, 4.5, 5.0}, {2.0, 1.0, -0.5, 0.8, 0.9, 3.0}, {0.3, 1.6, 2.6, 3.7, 4.8},
       {1.7234696461256864, 0.08389261744966445, 0.13587179083320206, 0.8458686764421294, 1.89151304347826}},
  };
  for (const Case& c : cases) {
    const stats::Pchip p(c.x, c.y);
    for (size_t k = 0; k < c.q.size(); ++k) CHECK(std::fabs(p(c.q[k]) - c.want[k]) < 1e-12);
    for (size_t k = 0; k < c.x.size(); ++k) CHECK(p(c.x[k]) == Approx(c.y[k]).margin(1e-14));
  }
  // monotone data give a monotone interpolant
  const stats::Pchip p(cases[1].x, cases[1].y);
  double prev = p(0);
  for (int k = 1; k <= 600; ++k) {
    const double v = p(6.0 * k / 600);
    CHECK(v >= prev - 1e-14);
    prev = v;
  }
  CHECK_THROWS_AS(stats::Pchip({0, 1, 1}, {0, 1, 2}), Error);
}

TEST_CASE("U8: transfer operator and invariant density", "[pinn]") {
  std::mt19937_64 rng(8);
  std::uniform_real_distribution<double> U(0, 1);
  const int n = 7;
  std::vector<double> lat, lon;
  for (int u = 0; u < n; ++u) lat.push_back(30 + 20 * U(rng)), lon.push_back(-120 + 40 * U(rng));
  const std::vector<double> w = inverse_distance_weights(distance_km(lat, lon), n);
  const std::vector<double> pi = invariant_density(w, n);
  const std::vector<double> Ppi = transfer_step(w, n, pi);
  for (int u = 0; u < n; ++u) CHECK(std::fabs(Ppi[size_t(u)] - pi[size_t(u)]) < 1e-12);
  std::vector<double> R;
  for (int k = 0; k < n * 5; ++k) R.push_back(std::round(2000 * (U(rng) - 0.5)));
  const std::vector<double> F = correlation_matrix(R, n, 5);
  for (const auto& mu0 : {density_uniform(n), density_year(R, n, 5, 3), density_mean(R, n, 5), density_correlation(F, n, 0.5)}) {
    double s = 0;
    for (double x : mu0) {
      s += x;
      CHECK(x >= 0);
    }
    CHECK(s == Approx(1));
    const PowerTrace tr = power_iteration(w, n, mu0, pi, 200);
    CHECK(tr.l1.back() < 1e-8);
  }
  // ω + h with zero row and column sums leaves π unchanged
  std::vector<double> wh = w;
  const double e = 0.2 * *std::min_element(w.begin() + 1, w.begin() + 3);
  wh[0 * n + 1] += e, wh[1 * n + 2] += e, wh[2 * n + 0] += e;  // a directed cycle
  wh[0 * n + 2] -= e, wh[2 * n + 1] -= e, wh[1 * n + 0] -= e;  // minus its reverse
  for (double x : wh) REQUIRE(x >= 0);
  const std::vector<double> pih = transfer_step(wh, n, pi);
  for (int u = 0; u < n; ++u) CHECK(std::fabs(pih[size_t(u)] - pi[size_t(u)]) < 1e-12);
  // US states with ω~: Alaska and Hawaii are the two least likely
  const io::CsvTable t = io::CsvTable::read(std::string(MIGRA_SOURCE_DIR) + "/data/us2010/states.csv");
  std::vector<double> la, lo;
  std::vector<std::string> names;
  for (size_t r = 0; r < t.rows(); ++r)
    la.push_back(t.number(r, t.column("lat"))), lo.push_back(t.number(r, t.column("lon"))), names.push_back(t.text(r, t.column("name")));
  const int m = int(la.size());
  const std::vector<double> pu = invariant_density(inverse_distance_weights(distance_km(la, lo), m), m);
  std::vector<int> order(static_cast<size_t>(m));
  for (int k = 0; k < m; ++k) order[size_t(k)] = k;
  std::sort(order.begin(), order.end(), [&](int i, int j) { return pu[size_t(i)] < pu[size_t(j)]; });
  const std::set<std::string> lowest{names[size_t(order[0])], names[size_t(order[1])]};
  CHECK(lowest == std::set<std::string>({"Alaska", "Hawaii"}));
}

TEST_CASE("U9: RK45 and RK4 against analytic solutions", "[pinn]") {
  const double k = 9.0, w = 3.0;
  // undamped R'' = -k R, R(0) = 1, R'(0) = 0: R = cos(w t)
  const ode::Rhs osc = [&](double, const double* y, double* dy) { dy[0] = y[1], dy[1] = -k * y[0]; };
  const std::vector<double> ts{0, 0.25, 0.5, 1.0};
  const ode::Solution a = ode::rk4(osc, {1, 0}, ts, 1e-3);
  const ode::Solution b = ode::rk45(osc, {1, 0}, ts, {1e-10, 1e-12});
  for (size_t o = 0; o < ts.size(); ++o) {
    CHECK(std::fabs(a.y[o * 2] - std::cos(w * ts[o])) < 1e-6);
    CHECK(std::fabs(b.y[o * 2] - std::cos(w * ts[o])) < 1e-8);
    CHECK(std::fabs(b.y[o * 2 + 1] + w * std::sin(w * ts[o])) < 1e-7);
  }
  // damped R'' = -2ζ R' - k R, ζ = 0.5: R = e^{-ζt}(cos(ωd t) + ζ/ωd sin(ωd t))
  const double z = 0.5, wd = std::sqrt(k - z * z);
  const ode::Rhs damped = [&](double, const double* y, double* dy) { dy[0] = y[1], dy[1] = -2 * z * y[1] - k * y[0]; };
  const ode::Solution c = ode::rk45(damped, {1, 0}, ts, {1e-10, 1e-12});
  const ode::Solution c4 = ode::rk4(damped, {1, 0}, ts, 1e-3);
  for (size_t o = 0; o < ts.size(); ++o) {
    const double t = ts[o], exact = std::exp(-z * t) * (std::cos(wd * t) + z / wd * std::sin(wd * t));
    CHECK(std::fabs(c.y[o * 2] - exact) < 1e-8);
    CHECK(std::fabs(c4.y[o * 2] - exact) < 1e-6);
  }
  // constant forcing through integrate_motion: R -> R* with K R* = c_e λ - c_a a
  Coefficients co;
  co.K = {2.0, 0.3, 0.3, 1.5};
  co.G = {3.0, 0.0, 0.0, 3.0};
  co.c_a = 0.5, co.c_e = 1.0;
  const std::vector<double> av{0.4, 0.2}, grid{0, 10, 20, 40};
  const std::vector<double> lam{1, 1, 1, 1, -2, -2, -2, -2};
  const std::vector<double> R = integrate_motion(co, av, grid, lam, 1, {40.0}, {"rk45", 1e-10, 1e-12});
  const double r0 = 1 - 0.5 * 0.4, r1 = -2 - 0.5 * 0.2, det = 2 * 1.5 - 0.09;
  CHECK(R[0] == Approx((1.5 * r0 - 0.3 * r1) / det).epsilon(1e-6));
  CHECK(R[1] == Approx((2.0 * r1 - 0.3 * r0) / det).epsilon(1e-6));
  // the forecast alternative: λ rises linearly to (1, -2) at the last grid point t = 10 and is
  // held there, so R settles at the same equilibrium; the extended end cubic keeps rising
  MotionOptions hold{"rk45", 1e-10, 1e-12};
  hold.hold_after_grid = true;
  const std::vector<double> ramp{0, 0.5, 1, 0, -1, -2};
  const std::vector<double> H = integrate_motion(co, av, {0, 5, 10}, ramp, 1, {60.0}, hold);
  CHECK(H[0] == Approx((1.5 * r0 - 0.3 * r1) / det).epsilon(1e-6));
  CHECK(H[1] == Approx((2.0 * r1 - 0.3 * r0) / det).epsilon(1e-6));
  const std::vector<double> E = integrate_motion(co, av, {0, 5, 10}, ramp, 1, {60.0}, {"rk45", 1e-10, 1e-12});
  CHECK(E[0] > 3 * H[0]);
  CHECK_THROWS_AS(ode::rk4(osc, {1, 0}, {0, 1}, 0.0), Error);
}

TEST_CASE("the batched RK4 on a LibTorch device equals the host RK4", "[pinn]") {
  MIGRA_SKIP_UNLESS(models::have_torch(), "LibTorch");
  SyntheticOptions so;
  so.n = 7, so.seed = 21;
  const SyntheticSystem sys = synthetic_system(so);
  const std::vector<double> grid = collocation_grid({0, 0.25, 0.5, 0.75, 1}, 30);
  std::vector<double> lam;  // three scenarios: the system's λ, scaled and shifted
  for (int b = 0; b < 3; ++b)
    for (int u = 0; u < sys.n; ++u)
      for (double t : grid) lam.push_back((1 + 0.3 * b) * sys.lambda(u, t) - 0.5 * b);
  const std::vector<double> times{0.1, 0.37, 0.5, 1.0};
  MotionOptions host;
  host.method = "rk4", host.dt = 1e-3;
  MotionOptions dev = host;
  dev.device = "cpu";
  const std::vector<double> a = integrate_motion(sys.truth, sys.a, grid, lam, 3, times, host);
  const std::vector<double> b = integrate_motion(sys.truth, sys.a, grid, lam, 3, times, dev);
  REQUIRE(a.size() == b.size());
  double top = 0;
  for (double v : a) top = std::max(top, std::fabs(v));
  for (size_t k = 0; k < a.size(); ++k) CHECK(std::fabs(a[k] - b[k]) <= 1e-12 * top);
  // and both agree with the adaptive RK45 (the PCHIP force is only C¹, so to ~1e-8)
  const std::vector<double> c = integrate_motion(sys.truth, sys.a, grid, lam, 3, times, {"rk45", 1e-11, 1e-13});
  for (size_t k = 0; k < a.size(); ++k) CHECK(std::fabs(a[k] - c[k]) <= 1e-7 * top);
  dev.method = "rk45";
  CHECK_THROWS_AS(integrate_motion(sys.truth, sys.a, grid, lam, 3, times, dev), Error);
}

TEST_CASE("U7: the cosine schedule", "[pinn]") {
  PinnConfig cfg;
  CHECK(cosine_lr(0, cfg) == Approx(2e-3).epsilon(1e-15));
  CHECK(cosine_lr(10000, cfg) == Approx(1.1e-3).epsilon(1e-12));
  CHECK(cosine_lr(20000, cfg) == Approx(2e-4).epsilon(1e-12));
  const std::vector<double> g = collocation_grid({0, 0.5, 1.0 / 3}, 4);
  CHECK(g == std::vector<double>({0, 1.0 / 3, 0.5, 2.0 / 3, 1}));
}

TEST_CASE("design matrix: PCHIP of the annual features, the year last", "[pinn]") {
  // 2 nodes × 3 years × 2 features
  const std::vector<double> f{1, 10, 2, 20, 4, 40, /* node 1 */ 5, 0, 5, 1, 5, 2};
  const std::vector<double> years{2000, 2001, 2002};
  const std::vector<double> X = design_matrix(f, 2, years, 2, {2000, 2001, 2001.5, 2002}, true);
  REQUIRE(X.size() == 2 * 4 * 3);
  CHECK(X[0] == 1);                                       // node 0, 2000, feature 0
  CHECK(X[1 * 3 + 1] == 20);                              // node 0, 2001, feature 1
  CHECK(X[2 * 3 + 0] == Approx(stats::Pchip(years, {1, 2, 4})(2001.5)));
  CHECK(X[(4 + 2) * 3 + 0] == 5);                         // a constant series stays constant
  CHECK(X[(4 + 2) * 3 + 1] == Approx(1.5));               // a straight line stays straight
  CHECK(X[(4 + 3) * 3 + 2] == 2002);                      // the year column
}

TEST_CASE("linear baseline recovers an exact linear law", "[pinn]") {
  std::mt19937_64 rng(4);
  std::normal_distribution<double> N01;
  std::vector<double> X, y;
  for (int r = 0; r < 200; ++r) {
    double v = 3.0;
    for (int c = 0; c < 4; ++c) {
      X.push_back(N01(rng));
      v += (c + 1) * X.back();
    }
    y.push_back(v);
  }
  const std::vector<double> beta = fit_linear(X, y, 4);
  for (int c = 0; c <= 4; ++c) CHECK(beta[size_t(c)] == Approx(c == 0 ? 3.0 : double(c)).epsilon(1e-10));
  const ProtocolResult lin = split_protocol(X, y, 4, Regressor::Linear, {}, 5, 0.2, 1);
  CHECK(lin.test_r2.mean == Approx(1.0).epsilon(1e-12));
  std::vector<double> Xc = X;
  for (int r = 0; r < 200; ++r) Xc[size_t(r * 4 + 3)] = 2 * Xc[size_t(r * 4 + 1)];  // collinear
  CHECK_THROWS_AS(fit_linear(Xc, y, 4), Error);
}

TEST_CASE("S4: the regression protocol, and U10: TreeSHAP additivity", "[pinn]") {
  MIGRA_SKIP_UNLESS(have_xgboost(), "XGBoost");
  // 10 features per row, λ a non-linear function of the first five plus 5 % noise
  std::mt19937_64 rng(10);
  std::normal_distribution<double> N01;
  const int rows = 1500, cols = 10;
  std::vector<double> X, y, clean;
  for (int r = 0; r < rows; ++r) {
    double z[cols];
    for (int c = 0; c < cols; ++c) X.push_back(z[c] = N01(rng));
    clean.push_back(3 * std::tanh(1.5 * z[0]) + 1.5 * z[1] * z[1] + 2 * std::sin(z[2]) + z[3] * z[4]);
  }
  double sd = 0, mean = 0;
  for (double v : clean) mean += v / rows;
  for (double v : clean) sd += (v - mean) * (v - mean) / rows;
  for (double v : clean) y.push_back(v + 0.05 * std::sqrt(sd) * N01(rng));
  TreeConfig tc;  // 250 trees of depth 2
  const ProtocolResult r = split_protocol(X, y, cols, Regressor::Trees, tc, 20, 0.2, 3);
  INFO("train R² " << r.train_r2.mean << " ± " << r.train_r2.std << ", test R² " << r.test_r2.mean << " ± " << r.test_r2.std);
  CHECK(r.test_r2.mean > 0.9);
  CHECK(r.train_r2.mean >= r.test_r2.mean);
  CHECK(r.test_r2.std > 0);  // the splits differ
  const ProtocolResult lin = split_protocol(X, y, cols, Regressor::Linear, tc, 20, 0.2, 3);
  CHECK(lin.test_r2.mean < r.test_r2.mean - 0.2);  // the paper's "not sufficient" linear baseline
  const BoostedTrees bt = BoostedTrees::fit(X, y, cols, tc);
  const std::vector<double> pred = bt.predict(X), phi = bt.contributions(X);
  REQUIRE(phi.size() == size_t(rows * (cols + 1)));
  double worst = 0;
  std::vector<double> mean_abs(size_t(cols), 0.0);
  for (int k = 0; k < rows; ++k) {
    double s = 0;
    for (int c = 0; c <= cols; ++c) s += phi[size_t(k * (cols + 1) + c)];
    worst = std::max(worst, std::fabs(s - pred[size_t(k)]));
    for (int c = 0; c < cols; ++c) mean_abs[size_t(c)] += std::fabs(phi[size_t(k * (cols + 1) + c)]) / rows;
  }
  CHECK(worst < 1e-5);
  // the features that drive λ outrank the five that do not
  const double noise = *std::max_element(mean_abs.begin() + 5, mean_abs.end());
  for (int c = 0; c < 3; ++c) CHECK(mean_abs[size_t(c)] > 5 * noise);
  // a saved model predicts the same
  const BoostedTrees again = BoostedTrees::from_json(bt.to_json(), cols);
  CHECK(again.predict(X) == pred);
}

#ifdef MIGRA_HAVE_TORCH
namespace {

/// Paper 000's network for one node from torch::nn modules, with the weights of group g.
struct LoneNet {
  std::vector<torch::nn::Linear> L;  // skip, 1..6
  torch::nn::LayerNorm ln{nullptr};
  LoneNet(const GroupedMlp& net, std::int64_t g) {
    const std::int64_t H = net->ln_gamma.size(2);
    const std::int64_t dims[7][2] = {{1, H}, {1, H}, {H, H}, {H, H}, {H, H}, {H, H}, {H, 1}};
    for (int k = 0; k <= 6; ++k) {
      torch::nn::Linear lin(torch::nn::LinearOptions(dims[k][0], dims[k][1]));
      lin->to(torch::kFloat64);
      const auto w = net->linear(k, g);
      torch::NoGradGuard ng;
      lin->weight.copy_(w.weight), lin->bias.copy_(w.bias);
      L.push_back(lin);
    }
    ln = torch::nn::LayerNorm(torch::nn::LayerNormOptions({H}).eps(1e-5));
    ln->to(torch::kFloat64);
    torch::NoGradGuard ng;
    ln->weight.copy_(net->ln_gamma[g].reshape({-1})), ln->bias.copy_(net->ln_beta[g].reshape({-1}));
  }
  torch::Tensor forward(const torch::Tensor& t) {  // tanh, literal penultimate
    torch::Tensor h = L[3](L[2](torch::tanh(L[1](t))));
    h = ln(h + L[0](t));
    return L[6](L[5](torch::tanh(L[4](h))));
  }
};

}  // namespace

TEST_CASE("batched network = N lone networks, U6: derivatives against finite differences", "[pinn]") {
  torch::manual_seed(5);
  const auto o = torch::TensorOptions().dtype(torch::kFloat64);
  const std::int64_t G = 4, P = 9, H = 16;
  GroupedMlp net(G, H, Activation::Tanh, false, o);
  const torch::Tensor t = torch::linspace(0, 1, P, o).view({1, P, 1}).expand({G, P, 1}).contiguous().requires_grad_(true);
  const torch::Tensor y = net->forward(t);
  const torch::Tensor dy = torch::autograd::grad({y.sum()}, {t}, {}, true, true)[0];
  const torch::Tensor d2y = torch::autograd::grad({dy.sum()}, {t}, {}, true, true)[0];
  (y.pow(2).sum() + dy.pow(2).sum() + d2y.pow(2).sum()).backward();
  for (std::int64_t g = 0; g < G; ++g) {
    LoneNet lone(net, g);
    const torch::Tensor tl = t[g].detach().clone().requires_grad_(true);
    const torch::Tensor yl = lone.forward(tl);
    const torch::Tensor dyl = torch::autograd::grad({yl.sum()}, {tl}, {}, true, true)[0];
    const torch::Tensor d2yl = torch::autograd::grad({dyl.sum()}, {tl}, {}, true, true)[0];
    CHECK(torch::allclose(yl, y[g], 1e-12, 1e-13));
    CHECK(torch::allclose(dyl, dy[g], 1e-11, 1e-12));
    CHECK(torch::allclose(d2yl, d2y[g], 1e-10, 1e-11));
    (yl.pow(2).sum() + dyl.pow(2).sum() + d2yl.pow(2).sum()).backward();
    // the lone network's weight gradients equal group g's slice of the batched gradients
    const auto w = net->named_parameters();
    CHECK(torch::allclose(lone.L[2]->weight.grad(), w["w2"].grad()[g].t(), 1e-10, 1e-12));
    CHECK(torch::allclose(lone.L[6]->bias.grad(), w["b6"].grad()[g].reshape({-1}), 1e-10, 1e-12));
    CHECK(torch::allclose(lone.ln->weight.grad(), w["ln_gamma"].grad()[g].reshape({-1}), 1e-10, 1e-12));
  }
  // Taylor-mode jets give the same derivatives
  const auto jet = net->forward_jet(t.detach());
  CHECK(torch::allclose(jet[0], y, 1e-12, 1e-13));
  CHECK(torch::allclose(jet[1], dy, 1e-11, 1e-12));
  CHECK(torch::allclose(jet[2], d2y, 1e-10, 1e-11));
  // U6: central differences, h = 1e-4
  torch::NoGradGuard ng;
  const double h = 1e-4;
  const torch::Tensor yp = net->forward(t + h), ym = net->forward(t - h), y0 = net->forward(t);
  const torch::Tensor fd1 = (yp - ym) / (2 * h), fd2 = (yp - 2 * y0 + ym) / (h * h);
  CHECK(((fd1 - dy).abs().max() / dy.abs().max()).item<double>() < 1e-5);
  CHECK(((fd2 - d2y).abs().max() / d2y.abs().max()).item<double>() < 1e-5);
  // a sample's output does not depend on the rest of the batch
  const torch::Tensor one = net->forward(t.index({torch::indexing::Slice(), torch::indexing::Slice(3, 4)}));
  CHECK(torch::allclose(one, y0.index({torch::indexing::Slice(), torch::indexing::Slice(3, 4)}), 1e-13, 1e-15));
  // perturbing group 1's weights changes only group 1's output
  net->named_parameters()["w4"][1].add_(0.1);
  const torch::Tensor y1 = net->forward(t);
  for (std::int64_t g = 0; g < G; ++g) CHECK(torch::equal(y1[g], y0[g]) == (g != 1));
}

TEST_CASE("Taylor-mode jets = double autograd for every activation", "[pinn]") {
  const auto o = torch::TensorOptions().dtype(torch::kFloat64);
  for (Activation act : {Activation::Relu, Activation::Tanh, Activation::Silu})
    for (bool pen : {false, true}) {
      torch::manual_seed(7);
      GroupedMlp net(3, 12, act, pen, o);
      const torch::Tensor t = torch::rand({3, 20, 1}, o).requires_grad_(true);
      const torch::Tensor y = net->forward(t);
      const torch::Tensor d1 = torch::autograd::grad({y.sum()}, {t}, {}, true, true)[0];
      const torch::Tensor d2 = torch::autograd::grad({d1.sum()}, {t}, {}, true, true)[0];
      const auto jet = net->forward_jet(t.detach());
      INFO("activation " << int(act) << ", penultimate " << pen);
      CHECK(torch::allclose(jet[0], y, 1e-12, 1e-13));
      CHECK(torch::allclose(jet[1], d1, 1e-11, 1e-12));
      CHECK(torch::allclose(jet[2], d2, 1e-10, 1e-11));
    }
}

namespace {

/// The spec §6 system (N = 5) in the PINN's units, with its truth on a dense grid.
struct SpecProblem {
  SyntheticSystem sys;
  Problem pb;
  double s = 1;
  std::vector<double> dense_t, dense_R;
};

SpecProblem spec_problem(std::uint64_t seed) {
  SyntheticOptions so;
  so.seed = seed;
  ScaledSystem ss = scaled_problem(synthetic_system(so));
  SpecProblem sp{ss.sys, ss.problem, ss.scale, {}, {}};
  for (int k = 0; k <= 1000; ++k) sp.dense_t.push_back(k / 1000.0);
  sp.dense_R = sp.sys.solve(sp.dense_t);
  for (double& r : sp.dense_R) r /= sp.s;
  return sp;
}

}  // namespace

TEST_CASE("S1: forward PINN with the coefficients and λ fixed to the truth", "[pinn]") {
  SpecProblem sp = spec_problem(11);
  PinnConfig cfg;
  cfg.activation = "tanh", cfg.float64 = true, cfg.epochs = 1500, cfg.width = 32, cfg.seed = 1;
  cfg.train_coefficients = false;
  Coefficients c = sp.sys.truth;  // matrix mode: K = C_r ⊙ F + C_d ⊙ D with C_r ≡ 2, C_d ≡ 1
  c.c_a /= sp.s;
  c.C_r.assign(sp.sys.F.size(), 2.0), c.C_d.assign(sp.sys.D.size(), 1.0);
  cfg.initial = c;
  cfg.known_lambda = [&](int u, double t) { return sp.sys.lambda(u, t) / sp.s; };
  cfg.extra_times = sp.dense_t;
  const PinnResult r = train_pinn(sp.pb, cfg);
  for (size_t k = 0; k < r.coefficients.K.size(); ++k) REQUIRE(r.coefficients.K[k] == Approx(sp.sys.truth.K[k]).margin(1e-12));
  // the reported spectra: Σ λ(K) = tr K (conjugate pairs cancel), Σ λ(G) = tr G, G's ascending
  double trK = 0, trG = 0, sre = 0, sim = 0, sg = 0;
  for (int u = 0; u < sp.sys.n; ++u) trK += sp.sys.truth.K[size_t(u * (sp.sys.n + 1))], trG += sp.sys.truth.G[size_t(u * (sp.sys.n + 1))];
  for (size_t k = 0; k < r.coefficients.K_eig_re.size(); ++k) sre += r.coefficients.K_eig_re[k], sim += r.coefficients.K_eig_im[k];
  for (double g : r.coefficients.G_eig) sg += g;
  CHECK(sre == Approx(trK).epsilon(1e-10));
  CHECK(std::fabs(sim) < 1e-10);
  CHECK(sg == Approx(trG).epsilon(1e-10));
  CHECK(std::is_sorted(r.coefficients.G_eig.begin(), r.coefficients.G_eig.end()));
  double se = 0;
  for (size_t k = 0; k < sp.dense_R.size(); ++k) se += std::pow(r.R_extra[k] - sp.dense_R[k], 2);
  const double rmse = std::sqrt(se / double(sp.dense_R.size()));
  INFO("dense-grid RMSE " << rmse << ", scale " << sp.s);
  CHECK(rmse < 1e-2);
}

TEST_CASE("S2: the structured inverse problem recovers c_r, c_d, c_a and diag G within 10 % with projected coefficients",
          "[pinn]") {
  // Spec §6 S2: scalar K = c_r F + c_d D, diagonal G, λ known, c_e = 1; the truth c_r 2, c_d 1,
  // c_a 0.5, G 0.5 I. With hard initial conditions and variable projection, 8,000 epochs
  // (about 55 s) on bench_pinn_validation's system (data seed 12), where 100,000 epochs without
  // the projection still miss by 35 % (bench/results/pinn-validation-cpu-vm.jsonl). Not every
  // system is this quick: data seed 11 is 11.9 % off at 20,000 epochs (its G_55).
  SyntheticOptions so;
  so.seed = 12;
  SyntheticSystem sys = synthetic_system(so);
  const int n = sys.n;
  for (int u = 0; u < n; ++u)
    for (int v = 0; v < n; ++v)
      if (u != v) sys.truth.G[size_t(u * n + v)] = 0;
  const ScaledSystem ss = scaled_problem(sys);
  PinnConfig cfg;
  cfg.activation = "tanh", cfg.float64 = true, cfg.epochs = 8000, cfg.width = 32, cfg.seed = 2;
  cfg.coeff_mode = "scalar", cfg.g_mode = "diagonal", cfg.fix_ce = true, cfg.weight_decay = 0;
  cfg.hard_ic = true, cfg.project_coefficients = true;
  cfg.known_lambda = [&](int u, double t) { return ss.sys.lambda(u, t) / ss.scale; };
  const PinnResult r = train_pinn(ss.problem, cfg);
  const Coefficients& c = r.coefficients;
  std::string g;
  for (int u = 0; u < n; ++u) g += std::to_string(c.G[size_t(u * (n + 1))]) + " ";
  INFO("c_r " << c.c_r << ", c_d " << c.c_d << ", c_a " << c.c_a * ss.scale << ", diag G " << g);
  CHECK(c.c_r == Approx(2.0).epsilon(0.1));
  CHECK(c.c_d == Approx(1.0).epsilon(0.1));
  CHECK(c.c_a * ss.scale == Approx(0.5).epsilon(0.1));
  for (int u = 0; u < n; ++u) CHECK(c.G[size_t(u * (n + 1))] == Approx(0.5).epsilon(0.1));
  // It needs the structure whose residual is affine in those coefficients.
  cfg.coeff_mode = "matrix", cfg.epochs = 1;
  REQUIRE_THROWS_WITH(train_pinn(ss.problem, cfg), Catch::Contains("projected coefficients need coeff-mode scalar"));
}

TEST_CASE("hard initial conditions: R̂(0) = R̂'(0) = 0 exactly, no L0, Taylor = autograd", "[pinn]") {
  SpecProblem sp = spec_problem(11);
  PinnConfig cfg;
  cfg.activation = "tanh", cfg.float64 = true, cfg.log_every = 5, cfg.width = 16, cfg.seed = 3;
  cfg.hard_ic = true;
  cfg.extra_times = {0.0, 0.5, 1.2};
  const int n = sp.pb.n;
  const auto at_rest = [&](const PinnResult& r) {  // at t = 0 on the grid and among the extra times
    const size_t P = r.grid.size();
    REQUIRE(r.grid[0] == 0.0);
    for (int u = 0; u < n; ++u) {
      REQUIRE(r.R[size_t(u) * P] == 0.0);
      REQUIRE(r.dR[size_t(u) * P] == 0.0);
      REQUIRE(r.R_extra[size_t(u) * 3] == 0.0);
    }
  };
  // the untrained network: R̂ = t² N and its derivatives the same both ways
  cfg.epochs = 0;
  std::vector<PinnResult> init;
  for (const char* d : {"autograd", "taylor"}) {
    cfg.derivatives = d;
    init.push_back(train_pinn(sp.pb, cfg));
    at_rest(init.back());
  }
  double curvature = 0;
  for (size_t k = 0; k < init[0].R.size(); ++k) {
    REQUIRE(init[1].R[k] == Approx(init[0].R[k]).epsilon(0).margin(1e-12));
    REQUIRE(init[1].dR[k] == Approx(init[0].dR[k]).epsilon(0).margin(1e-11));
    REQUIRE(init[1].d2R[k] == Approx(init[0].d2R[k]).epsilon(0).margin(1e-10));
    curvature = std::max(curvature, std::fabs(init[0].d2R[k]));
  }
  REQUIRE(curvature > 1e-3);  // 2 N(0) and the rest: not trivially zero
  // trained: still at rest at t = 0, and the L1 initial-condition loss is zero throughout
  cfg.epochs = 20;
  const PinnResult trained = train_pinn(sp.pb, cfg);
  at_rest(trained);
  REQUIRE(trained.history.size() == 4);
  for (const LossParts& l : trained.history) REQUIRE(l.l0 == 0.0);
}

TEST_CASE("a killed fit resumes from its checkpoint to the same result", "[pinn]") {
  SpecProblem sp = spec_problem(13);
  PinnConfig cfg;
  cfg.activation = "silu", cfg.epochs = 60, cfg.width = 8, cfg.log_every = 10, cfg.seed = 4;
  const PinnResult whole = train_pinn(sp.pb, cfg);
  std::string saved;
  int saves = 0;
  Checkpointing ck;
  ck.every = 20;
  ck.save = [&](const models::StateBytes& state) {
    if (++saves == 2) saved = state();  // the state after epoch 40
  };
  train_pinn(sp.pb, cfg, nullptr, ck);
  REQUIRE(!saved.empty());
  const PinnResult resumed = train_pinn(sp.pb, cfg, nullptr, {saved, 0, nullptr});
  CHECK(resumed.resumed_at == 40);
  CHECK(resumed.R == whole.R);
  CHECK(resumed.lambda == whole.lambda);
  CHECK(resumed.coefficients.K == whole.coefficients.K);
  REQUIRE(resumed.history.size() == whole.history.size());
  CHECK(resumed.history.back().total == whole.history.back().total);
}

#endif
