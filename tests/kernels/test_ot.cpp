// Entropic OT (kernels/ot) against independent references: an explicit plan built here from
// the potentials, the exact assignment LP (Hungarian algorithm), the 1-D closed form (the
// north-west corner rule on sorted supports is optimal for convex costs), the first-order
// conditions of the KL-relaxed problem, and the scaling form against the log domain.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "kernels/core/backend.hpp"
#include "kernels/flows/distance.hpp"
#include "kernels/core/exp_neg.hpp"
#include "kernels/ot/sinkhorn.hpp"

using namespace migra;
using namespace migra::ot;

namespace {

struct Problem {
  int n = 0, m = 0, dim = 2;
  std::vector<double> x, y, C, a, b;  // points row-major, C n x m, weights
  CostInput points(CostMetric metric = CostMetric::SqEuclidean) const {
    CostInput c;
    c.n = n;
    c.m = m;
    c.x = x.data();
    c.y = y.data();
    c.dim = dim;
    c.metric = metric;
    return c;
  }
  CostInput matrix() const {
    CostInput c;
    c.n = n;
    c.m = m;
    c.matrix = C.data();
    return c;
  }
};

/// n and m points uniform in the unit square, squared-Euclidean cost computed here, weights
/// uniform(0.1, 1) normalised to mass 1 (or uniform 1/n with `uniform`).
Problem random_problem(int n, int m, std::uint64_t seed, bool uniform = false) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0), w(0.1, 1.0);
  Problem p;
  p.n = n;
  p.m = m;
  for (int i = 0; i < 2 * n; ++i) p.x.push_back(u(rng));
  for (int j = 0; j < 2 * m; ++j) p.y.push_back(u(rng));
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < m; ++j) {
      const double dx = p.x[2 * i] - p.y[2 * j], dy = p.x[2 * i + 1] - p.y[2 * j + 1];
      p.C.push_back(dx * dx + dy * dy);
    }
  for (int i = 0; i < n; ++i) p.a.push_back(uniform ? 1.0 : w(rng));
  for (int j = 0; j < m; ++j) p.b.push_back(uniform ? 1.0 : w(rng));
  const double sa = std::accumulate(p.a.begin(), p.a.end(), 0.0), sb = std::accumulate(p.b.begin(), p.b.end(), 0.0);
  for (double& v : p.a) v /= sa;
  for (double& v : p.b) v /= sb;
  return p;
}

/// P_ij = exp((f_i + g_j - C_ij) / eps) of problem k, with std::exp.
std::vector<double> explicit_plan(const Problem& p, const SinkhornResult& r, double eps, int k = 0) {
  std::vector<double> P(size_t(p.n) * size_t(p.m));
  for (int i = 0; i < p.n; ++i)
    for (int j = 0; j < p.m; ++j)
      P[size_t(i) * size_t(p.m) + size_t(j)] =
          std::exp((r.f[size_t(k) * size_t(p.n) + size_t(i)] + r.g[size_t(k) * size_t(p.m) + size_t(j)] -
                    p.C[size_t(i) * size_t(p.m) + size_t(j)]) / eps);
  return P;
}

struct Margins {
  std::vector<double> row, col;
};
Margins margins(const std::vector<double>& P, int n, int m) {
  Margins mg{std::vector<double>(size_t(n), 0.0), std::vector<double>(size_t(m), 0.0)};
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < m; ++j) {
      mg.row[size_t(i)] += P[size_t(i) * size_t(m) + size_t(j)];
      mg.col[size_t(j)] += P[size_t(i) * size_t(m) + size_t(j)];
    }
  return mg;
}

double l1(const std::vector<double>& u, const double* v) {
  double s = 0.0;
  for (size_t k = 0; k < u.size(); ++k) s += std::fabs(u[k] - v[k]);
  return s;
}

double dot(const std::vector<double>& u, const std::vector<double>& v) {
  return std::inner_product(u.begin(), u.end(), v.begin(), 0.0);
}

/// Exact min-cost assignment (Hungarian algorithm with potentials, O(n^3)): the exact OT cost
/// of uniform weights 1/n on n x n points, times n.
double assignment_cost(const std::vector<double>& C, int n) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> u(size_t(n) + 1, 0.0), v(size_t(n) + 1, 0.0);
  std::vector<int> match(size_t(n) + 1, 0), way(size_t(n) + 1, 0);  // match[col] = row (1-based)
  for (int row = 1; row <= n; ++row) {
    match[0] = row;
    int col0 = 0;
    std::vector<double> minv(size_t(n) + 1, inf);
    std::vector<char> used(size_t(n) + 1, 0);
    do {
      used[size_t(col0)] = 1;
      const int r0 = match[size_t(col0)];
      double delta = inf;
      int col1 = 0;
      for (int c = 1; c <= n; ++c) {
        if (used[size_t(c)]) continue;
        const double cur = C[size_t(r0 - 1) * size_t(n) + size_t(c - 1)] - u[size_t(r0)] - v[size_t(c)];
        if (cur < minv[size_t(c)]) {
          minv[size_t(c)] = cur;
          way[size_t(c)] = col0;
        }
        if (minv[size_t(c)] < delta) {
          delta = minv[size_t(c)];
          col1 = c;
        }
      }
      for (int c = 0; c <= n; ++c) {
        if (used[size_t(c)]) {
          u[size_t(match[size_t(c)])] += delta;
          v[size_t(c)] -= delta;
        } else {
          minv[size_t(c)] -= delta;
        }
      }
      col0 = col1;
    } while (match[size_t(col0)] != 0);
    do {
      const int col1 = way[size_t(col0)];
      match[size_t(col0)] = match[size_t(col1)];
      col0 = col1;
    } while (col0);
  }
  double total = 0.0;
  for (int c = 1; c <= n; ++c) total += C[size_t(match[size_t(c)] - 1) * size_t(n) + size_t(c - 1)];
  return total;
}

/// Exact OT cost on the line for a convex cost h(x - y): the north-west corner rule on the
/// sorted supports (the monotone coupling).
template <class H>
double monotone_cost(std::vector<std::pair<double, double>> mu, std::vector<std::pair<double, double>> nu, H h) {
  std::sort(mu.begin(), mu.end());
  std::sort(nu.begin(), nu.end());
  double total = 0.0;
  size_t i = 0, j = 0;
  double ra = mu[0].second, rb = nu[0].second;
  while (i < mu.size() && j < nu.size()) {
    const double t = std::min(ra, rb);
    total += t * h(mu[i].first - nu[j].first);
    ra -= t;
    rb -= t;
    if (ra <= 1e-300 && ++i < mu.size()) ra = mu[i].second;
    if (rb <= 1e-300 && ++j < nu.size()) rb = nu[j].second;
  }
  return total;
}

}  // namespace

TEST_CASE("exp_neg matches std::exp to 2 ulp on [-708, 0] and flushes below", "[ot]") {
  double worst = 0.0;
  for (int k = 0; k <= 200000; ++k) {
    const double x = -708.0 * k / 200000.0 - 1e-3 * (k % 7);
    if (x < -708.0) continue;
    worst = std::max(worst, std::fabs(exp_neg(x) - std::exp(x)) / std::exp(x));
  }
  REQUIRE(worst < 4.5e-16);
  REQUIRE(exp_neg(0.0) == 1.0);
  REQUIRE(exp_neg(-1000.0) == 0.0);
  REQUIRE(exp_neg(-std::numeric_limits<double>::infinity()) == 0.0);
}

TEST_CASE("Sinkhorn marginals and the primal-dual gap on an explicit plan (spec 001 tests 3-4)", "[ot]") {
  auto cpu = make_cpu_backend();
  const Problem p = random_problem(60, 45, 7);
  SinkhornConfig cfg;
  cfg.eps = 0.05;
  cfg.tol = 1e-12;
  const auto method = GENERATE(as<std::string>{}, "log", "scaling");
  cfg.method = method;
  const bool on_points = GENERATE(false, true);
  const CostInput cost = on_points ? p.points() : p.matrix();
  const SinkhornResult r = sinkhorn(*cpu, cost, p.a.data(), p.b.data(), 1, cfg);
  INFO(method << (on_points ? " points" : " matrix") << ": " << r.iterations << " iterations");
  REQUIRE(r.converged);
  REQUIRE(r.method == method);
  const std::vector<double> P = explicit_plan(p, r, cfg.eps);
  const Margins mg = margins(P, p.n, p.m);
  REQUIRE(l1(mg.row, p.a.data()) < 1e-9);
  REQUIRE(l1(mg.col, p.b.data()) < 1e-9);
  // primal <C,P> - eps H(P), H = -sum P (log P - 1); dual <f,a> + <g,b> - eps sum P
  double primal = 0.0, mass = 0.0;
  for (size_t k = 0; k < P.size(); ++k) {
    primal += p.C[k] * P[k] + cfg.eps * P[k] * (std::log(P[k]) - 1.0);
    mass += P[k];
  }
  const double dual = dot(r.f, p.a) + dot(r.g, p.b) - cfg.eps * mass;
  REQUIRE(std::fabs(primal - dual) < 1e-8);
  REQUIRE(std::fabs(mass - 1.0) < 1e-9);
  // ot_report computes the same quantities without the explicit plan
  const OtReport rep = ot_report(*cpu, cost, p.a.data(), p.b.data(), cfg, r)[0];
  REQUIRE(rep.transport_cost == Approx(dot(p.C, P)).epsilon(1e-12));
  REQUIRE(rep.primal == Approx(primal).epsilon(1e-10));
  REQUIRE(rep.dual == Approx(dual).epsilon(1e-10));
  REQUIRE(std::fabs(rep.gap) < 1e-8);
  REQUIRE(rep.marginal_error_a < 1e-9);
  REQUIRE(rep.marginal_error_b < 1e-12);
  // the result's own error is the row-marginal error of the returned potentials
  REQUIRE(r.error[0] == Approx(l1(mg.row, p.a.data())).margin(1e-13));
  // transport_plan streams the same plan in row blocks
  int next_row = 0;
  transport_plan(*cpu, cost, r, cfg.eps, 0, 16, [&](int r0, int r1, const double* rows) {
    REQUIRE(r0 == next_row);
    REQUIRE(r1 - r0 <= 16);
    for (size_t k = 0; k < size_t(r1 - r0) * size_t(p.m); ++k)
      REQUIRE(rows[k] == Approx(P[size_t(r0) * size_t(p.m) + k]).epsilon(1e-12));
    next_row = r1;
  });
  REQUIRE(next_row == p.n);
}

TEST_CASE("As eps -> 0 the entropic cost tends to the exact assignment LP, within eps log n", "[ot]") {
  auto cpu = make_cpu_backend();
  const int n = 80;
  const Problem p = random_problem(n, n, 11, /*uniform=*/true);
  const double exact = assignment_cost(p.C, n) / n;
  const double mean_cost = std::accumulate(p.C.begin(), p.C.end(), 0.0) / double(p.C.size());
  double previous_excess = INFINITY;
  const double c_max = *std::max_element(p.C.begin(), p.C.end());
  for (double rel : {1e-1, 1e-2, 1e-3, 1e-4}) {
    // an assignment is the slowest case for Sinkhorn (iterations grow like 1/eps): at the
    // two smallest eps the marginals are solved to 1e-6
    SinkhornConfig cfg;
    cfg.eps = rel * mean_cost;
    cfg.tol = rel < 1e-2 ? 1e-6 : 1e-9;
    cfg.max_iter = 200000;
    cfg.eps_scaling = 0.5;
    cfg.method = "log";
    const SinkhornResult r = sinkhorn(*cpu, p.matrix(), p.a.data(), p.b.data(), 1, cfg);
    INFO("eps = " << cfg.eps << ": " << r.iterations << " iterations, error " << r.error[0]);
    REQUIRE(r.converged);
    for (double v : r.f) REQUIRE(std::isfinite(v));
    for (double v : r.g) REQUIRE(std::isfinite(v));
    const double cost = ot_report(*cpu, p.matrix(), p.a.data(), p.b.data(), cfg, r)[0].transport_cost;
    const double excess = cost - exact;
    REQUIRE(excess > -cfg.tol * c_max);  // a (nearly) feasible plan costs at least the LP
    REQUIRE(excess <= cfg.eps * std::log(double(n)) + 1e-8);  // <C,P_eps> - W <= eps (H(P_eps) - H(P*))
    REQUIRE(excess < previous_excess);
    previous_excess = excess;
  }
  REQUIRE(previous_excess < 1e-3 * exact);
}

TEST_CASE("1-D: entropic W1 and W2^2 converge to the monotone-coupling closed form", "[ot]") {
  auto cpu = make_cpu_backend();
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0.0, 1.0), w(0.2, 1.0);
  const int n = 150, m = 120;
  std::vector<double> x(static_cast<size_t>(n)), y(static_cast<size_t>(m)), a(static_cast<size_t>(n)), b(static_cast<size_t>(m));
  for (double& v : x) v = u(rng);
  for (double& v : y) v = 0.3 + u(rng);
  for (double& v : a) v = w(rng);
  for (double& v : b) v = w(rng);
  const double sa = std::accumulate(a.begin(), a.end(), 0.0), sb = std::accumulate(b.begin(), b.end(), 0.0);
  for (double& v : a) v /= sa;
  for (double& v : b) v /= sb;
  std::vector<std::pair<double, double>> mu, nu;
  for (int i = 0; i < n; ++i) mu.emplace_back(x[size_t(i)], a[size_t(i)]);
  for (int j = 0; j < m; ++j) nu.emplace_back(y[size_t(j)], b[size_t(j)]);
  for (const CostMetric metric : {CostMetric::Euclidean, CostMetric::SqEuclidean}) {
    const double exact = metric == CostMetric::Euclidean
                             ? monotone_cost(mu, nu, [](double d) { return std::fabs(d); })
                             : monotone_cost(mu, nu, [](double d) { return d * d; });
    CostInput c;
    c.n = n;
    c.m = m;
    c.x = x.data();
    c.y = y.data();
    c.dim = 1;
    c.metric = metric;
    for (double eps : {1e-2, 1e-3, 1e-4}) {
      SinkhornConfig cfg;
      cfg.eps = eps;
      cfg.tol = 1e-10;
      cfg.max_iter = 500000;
      cfg.eps_scaling = 0.5;
      const SinkhornResult r = sinkhorn_log(*cpu, c, a.data(), b.data(), 1, cfg);
      REQUIRE(r.converged);
      const double cost = ot_report(*cpu, c, a.data(), b.data(), cfg, r)[0].transport_cost;
      INFO("metric " << int(metric) << " eps " << eps << ": " << cost << " vs exact " << exact);
      REQUIRE(cost - exact > -1e-8);
      REQUIRE(cost - exact <= eps * std::log(double(n) * m));
    }
  }
}

TEST_CASE("Unbalanced Sinkhorn satisfies the KL first-order conditions and tends to balanced as tau grows", "[ot]") {
  auto cpu = make_cpu_backend();
  Problem p = random_problem(40, 50, 3);
  for (double& v : p.b) v *= 1.7;  // unequal masses: only a relaxed problem makes sense
  SinkhornConfig cfg;
  cfg.eps = 0.05;
  cfg.tol = 1e-13;
  cfg.tau_a = 0.3;
  cfg.tau_b = 1.0;
  const auto method = GENERATE(as<std::string>{}, "log", "scaling");
  cfg.method = method;
  const SinkhornResult r = sinkhorn(*cpu, p.matrix(), p.a.data(), p.b.data(), 1, cfg);
  REQUIRE(r.converged);
  const Margins mg = margins(explicit_plan(p, r, cfg.eps), p.n, p.m);
  // optimality: (P 1)_i = a_i exp(-f_i / tau_a), (P^T 1)_j = b_j exp(-g_j / tau_b)
  for (int i = 0; i < p.n; ++i)
    REQUIRE(mg.row[size_t(i)] == Approx(p.a[size_t(i)] * std::exp(-r.f[size_t(i)] / cfg.tau_a)).epsilon(1e-9));
  for (int j = 0; j < p.m; ++j)
    REQUIRE(mg.col[size_t(j)] == Approx(p.b[size_t(j)] * std::exp(-r.g[size_t(j)] / cfg.tau_b)).epsilon(1e-9));
  const OtReport rep = ot_report(*cpu, p.matrix(), p.a.data(), p.b.data(), cfg, r)[0];
  REQUIRE(std::fabs(rep.gap) < 1e-9);

  // tau -> inf: the relaxed plan approaches the balanced one (masses made equal again)
  Problem q = random_problem(40, 50, 3);
  SinkhornConfig bal;
  bal.eps = 0.05;
  bal.tol = 1e-13;
  const SinkhornResult rb = sinkhorn_log(*cpu, q.matrix(), q.a.data(), q.b.data(), 1, bal);
  SinkhornConfig rel = bal;
  rel.tau_a = rel.tau_b = 1e5;
  const SinkhornResult ru = sinkhorn_log(*cpu, q.matrix(), q.a.data(), q.b.data(), 1, rel);
  const std::vector<double> Pb = explicit_plan(q, rb, bal.eps), Pu = explicit_plan(q, ru, bal.eps);
  double diff = 0.0;
  for (size_t k = 0; k < Pb.size(); ++k) diff += std::fabs(Pb[k] - Pu[k]);
  REQUIRE(diff < 1e-4);
}

TEST_CASE("A batch solves each problem as if alone, bitwise, and freezes converged ones", "[ot]") {
  auto cpu = make_cpu_backend();
  const Problem p = random_problem(50, 40, 21);
  // three weight pairs on one cost; the second needs more iterations than the first
  std::vector<double> A, B;
  std::mt19937_64 rng(2);
  std::uniform_real_distribution<double> w(0.01, 1.0);
  for (int k = 0; k < 3; ++k) {
    std::vector<double> a(static_cast<size_t>(p.n)), b(static_cast<size_t>(p.m));
    for (double& v : a) v = k == 0 ? 1.0 : std::pow(w(rng), 3 * k);
    for (double& v : b) v = w(rng);
    const double sa = std::accumulate(a.begin(), a.end(), 0.0), sb = std::accumulate(b.begin(), b.end(), 0.0);
    for (double& v : a) A.push_back(v / sa);
    for (double& v : b) B.push_back(v / sb);
  }
  SinkhornConfig cfg;
  cfg.eps = 0.02;
  cfg.tol = 1e-11;
  const bool on_points = GENERATE(false, true);
  const CostInput cost = on_points ? p.points() : p.matrix();
  const SinkhornResult all = sinkhorn_log(*cpu, cost, A.data(), B.data(), 3, cfg);
  REQUIRE(all.converged);
  for (int k = 0; k < 3; ++k) {
    const SinkhornResult one = sinkhorn_log(*cpu, cost, A.data() + k * p.n, B.data() + k * p.m, 1, cfg);
    REQUIRE(std::equal(one.f.begin(), one.f.end(), all.f.begin() + k * p.n));
    REQUIRE(std::equal(one.g.begin(), one.g.end(), all.g.begin() + k * p.m));
    REQUIRE(one.error[0] == all.error[size_t(k)]);
  }
}

TEST_CASE("Point costs equal the same costs given as a matrix (sqeuclidean, euclidean, haversine)", "[ot]") {
  auto cpu = make_cpu_backend();
  Problem p = random_problem(30, 35, 4);
  // as (lon, lat) in the north-eastern US
  for (size_t k = 0; k < p.x.size(); k += 2) { p.x[k] = -80 + 8 * p.x[k]; p.x[k + 1] = 38 + 6 * p.x[k + 1]; }
  for (size_t k = 0; k < p.y.size(); k += 2) { p.y[k] = -80 + 8 * p.y[k]; p.y[k + 1] = 38 + 6 * p.y[k + 1]; }
  for (const CostMetric metric : {CostMetric::SqEuclidean, CostMetric::Euclidean, CostMetric::Haversine}) {
    // the matrix from an independent formula (haversine: kernels/flows/distance.hpp's)
    std::vector<double> X, Y;
    for (int i = 0; i < p.n; ++i) { X.push_back(p.x[2 * size_t(i)]); Y.push_back(p.x[2 * size_t(i) + 1]); }
    for (int j = 0; j < p.m; ++j) { X.push_back(p.y[2 * size_t(j)]); Y.push_back(p.y[2 * size_t(j) + 1]); }
    const flows::Coords co{X.data(), Y.data(), p.n + p.m, flows::Metric::Haversine};
    for (int i = 0; i < p.n; ++i)
      for (int j = 0; j < p.m; ++j) {
        const double dx = X[size_t(i)] - X[size_t(p.n + j)], dy = Y[size_t(i)] - Y[size_t(p.n + j)];
        double& c = p.C[size_t(i) * size_t(p.m) + size_t(j)];
        c = metric == CostMetric::SqEuclidean ? dx * dx + dy * dy
            : metric == CostMetric::Euclidean ? std::hypot(dx, dy)
                                              : co.distance(i, p.n + j);
      }
    SinkhornConfig cfg;
    cfg.eps = metric == CostMetric::Haversine ? 20.0 : 0.5;  // km for haversine
    cfg.tol = 1e-12;
    const SinkhornResult rp = sinkhorn_log(*cpu, p.points(metric), p.a.data(), p.b.data(), 1, cfg);
    const SinkhornResult rm = sinkhorn_log(*cpu, p.matrix(), p.a.data(), p.b.data(), 1, cfg);
    REQUIRE(rp.converged);
    const std::vector<double> Pp = explicit_plan(p, rp, cfg.eps), Pm = explicit_plan(p, rm, cfg.eps);
    for (size_t k = 0; k < Pp.size(); ++k) REQUIRE(Pp[k] == Approx(Pm[k]).epsilon(1e-8).margin(1e-14));
  }
}

TEST_CASE("Scaling form: agrees with the log domain, and rolls back to it when eps is too small", "[ot]") {
  auto cpu = make_cpu_backend();
  const Problem p = random_problem(70, 60, 8);
  SinkhornConfig cfg;
  cfg.eps = 0.1;
  cfg.tol = 1e-12;
  const SinkhornResult rl = sinkhorn_log(*cpu, p.matrix(), p.a.data(), p.b.data(), 1, cfg);
  const SinkhornResult rs = sinkhorn_scaling(*cpu, p.matrix(), p.a.data(), p.b.data(), 1, cfg);
  REQUIRE(rs.method == "scaling");
  REQUIRE_FALSE(rs.rolled_back);
  const std::vector<double> Pl = explicit_plan(p, rl, cfg.eps), Ps = explicit_plan(p, rs, cfg.eps);
  for (size_t k = 0; k < Pl.size(); ++k) REQUIRE(Ps[k] == Approx(Pl[k]).epsilon(1e-8).margin(1e-15));

  // eps = 1e-4 of the cost scale: K = e^{-C/eps} underflows to 0 for most pairs
  cfg.eps = 2e-4;
  cfg.max_iter = 100000;
  const SinkhornResult r = sinkhorn_scaling(*cpu, p.matrix(), p.a.data(), p.b.data(), 1, cfg);
  INFO(r.message);
  REQUIRE(r.rolled_back);
  REQUIRE(r.method == "scaling+log");
  REQUIRE(r.converged);
  const Margins mg = margins(explicit_plan(p, r, cfg.eps), p.n, p.m);
  REQUIRE(l1(mg.row, p.a.data()) < 1e-9);
  REQUIRE(l1(mg.col, p.b.data()) < 1e-9);
  // auto picks the log domain for such an eps, the scaling form for a large one
  cfg.method = "auto";
  REQUIRE(sinkhorn(*cpu, p.matrix(), p.a.data(), p.b.data(), 1, cfg).method == "log");
  cfg.eps = 0.5;
  REQUIRE(sinkhorn(*cpu, p.matrix(), p.a.data(), p.b.data(), 1, cfg).method == "scaling");
}

TEST_CASE("Zero weights, warm starts and eps-scaling", "[ot]") {
  auto cpu = make_cpu_backend();
  Problem p = random_problem(40, 40, 12);
  p.a[3] = 0.0;
  p.b[7] = 0.0;
  const double sa = std::accumulate(p.a.begin(), p.a.end(), 0.0), sb = std::accumulate(p.b.begin(), p.b.end(), 0.0);
  for (double& v : p.a) v /= sa;
  for (double& v : p.b) v /= sb;
  SinkhornConfig cfg;
  cfg.eps = 0.01;
  cfg.tol = 1e-11;
  const SinkhornResult r = sinkhorn_log(*cpu, p.points(), p.a.data(), p.b.data(), 1, cfg);
  REQUIRE(r.converged);
  REQUIRE(r.f[3] == -INFINITY);  // an empty row of the plan
  REQUIRE(r.g[7] == -INFINITY);
  const Margins mg = margins(explicit_plan(p, r, cfg.eps), p.n, p.m);
  REQUIRE(l1(mg.row, p.a.data()) < 1e-10);
  REQUIRE(l1(mg.col, p.b.data()) < 1e-10);
  // warm start from the solution: converged at the first check
  const SinkhornResult w = sinkhorn_log(*cpu, p.points(), p.a.data(), p.b.data(), 1, cfg, &r);
  REQUIRE(w.converged);
  REQUIRE(w.iterations < cfg.check_every);
  // eps-scaling reaches the same plan (potentials are unique up to a constant)
  SinkhornConfig sc = cfg;
  sc.eps_scaling = 0.5;
  const SinkhornResult s = sinkhorn_log(*cpu, p.points(), p.a.data(), p.b.data(), 1, sc);
  REQUIRE(s.converged);
  const std::vector<double> P1 = explicit_plan(p, r, cfg.eps), P2 = explicit_plan(p, s, cfg.eps);
  for (size_t k = 0; k < P1.size(); ++k) REQUIRE(P2[k] == Approx(P1[k]).epsilon(1e-7).margin(1e-12));
}

TEST_CASE("The CPU result does not depend on the thread count", "[ot]") {
#ifdef _OPENMP
  auto cpu = make_cpu_backend();
  const Problem p = random_problem(300, 280, 9);
  SinkhornConfig cfg;
  cfg.eps = 0.01;
  cfg.tol = 1e-10;
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const SinkhornResult one = sinkhorn_log(*cpu, p.points(), p.a.data(), p.b.data(), 1, cfg);
  omp_set_num_threads(std::max(2, threads));
  const SinkhornResult many = sinkhorn_log(*cpu, p.points(), p.a.data(), p.b.data(), 1, cfg);
  omp_set_num_threads(threads);
  REQUIRE(one.f == many.f);
  REQUIRE(one.g == many.g);
#else
  WARN("built without OpenMP: nothing to compare");
#endif
}

TEST_CASE("Bad OT input is rejected with a message that names it", "[ot]") {
  auto cpu = make_cpu_backend();
  Problem p = random_problem(5, 4, 1);
  SinkhornConfig cfg;
  auto solve = [&]() { return sinkhorn(*cpu, p.matrix(), p.a.data(), p.b.data(), 1, cfg); };
  p.a[2] = -0.1;
  REQUIRE_THROWS_WITH(solve(), Catch::Contains("entry 2 of problem 0 is -0.1"));
  p = random_problem(5, 4, 1);
  p.b[0] += 0.5;
  REQUIRE_THROWS_WITH(solve(), Catch::Contains("differs from sum b"));
  cfg.tau_b = 1.0;  // relaxed: fine
  REQUIRE(solve().converged);
  p = random_problem(5, 4, 1);
  p.C[6] = NAN;
  REQUIRE_THROWS_WITH(solve(), Catch::Contains("entry (1, 2) is not finite"));
  p = random_problem(5, 4, 1);
  cfg.eps = 0.0;
  REQUIRE_THROWS_WITH(solve(), Catch::Contains("eps must be"));
  cfg.eps = 0.1;
  cfg.method = "sparse";
  REQUIRE_THROWS_WITH(solve(), Catch::Contains("unknown method 'sparse'"));
}
