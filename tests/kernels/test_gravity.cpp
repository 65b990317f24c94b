#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "kernels/core/backend.hpp"
#include "kernels/flows/gravity.hpp"
#include "kernels/flows/pair_ops.hpp"
#include "tests/support.hpp"

using namespace migra;
using namespace migra::flows;
using migra::test::PointSet;

namespace {

std::vector<double> dense(const PairKernel& K, const GravityBalance& g) {
  const int n = K.coords.n;
  std::vector<double> T(size_t(n) * size_t(n));
  pair_fill(Exec::cpu(), K, g.a.data(), g.b.data(), 0, n, T.data());
  return T;
}

double f_ref(const DeterrenceFn& f, double d) {
  return f.kind == Deterrence::Exp ? std::exp(-f.param * d)
                                   : std::pow(std::max(d, f.min_distance), -f.param);
}

}  // namespace

TEST_CASE("pair_rowsum and pair_fill match the double loop", "[flows][gravity]") {
  const PointSet p = test::random_points(157, 7);
  const auto det = GENERATE(DeterrenceFn{Deterrence::Exp, 0.01, 1.0}, DeterrenceFn{Deterrence::Power, 1.7, 5.0});
  const bool excl = GENERATE(true, false);
  const PairKernel K{p.coords(), det, excl};
  const int n = p.n();
  std::vector<double> y(static_cast<size_t>(n)), a(p.m), b(static_cast<size_t>(n));
  for (int j = 0; j < n; ++j) b[size_t(j)] = 1.0 + j % 5;
  pair_rowsum(Exec::cpu(), K, p.m.data(), y.data());
  std::vector<double> T(size_t(n) * 20);
  pair_fill(Exec::cpu(), K, a.data(), b.data(), 30, 50, T.data());
  for (int i = 0; i < n; ++i) {
    double ref = 0.0;
    for (int j = 0; j < n; ++j)
      if (!(excl && i == j)) ref += p.m[size_t(j)] * f_ref(det, test::euclid(p, i, j));
    REQUIRE(test::rel_err(y[size_t(i)], ref) < 1e-13);
  }
  for (int i = 30; i < 50; ++i)
    for (int j = 0; j < n; ++j) {
      const double ref = (excl && i == j) ? 0.0 : a[size_t(i)] * b[size_t(j)] * f_ref(det, test::euclid(p, i, j));
      REQUIRE(test::rel_err(T[size_t(i - 30) * size_t(n) + size_t(j)], ref) < 1e-14);
    }
}

TEST_CASE("gravity constraints hold to 1e-10", "[flows][gravity]") {
  auto be = make_cpu_backend();
  const PointSet p = test::random_points(211, 11);
  const int n = p.n();
  const bool excl = GENERATE(true, false);
  const PairKernel K{p.coords(), {Deterrence::Exp, 0.004, 1.0}, excl};
  std::vector<double> O(p.m), D(static_cast<size_t>(n));
  // D: a different margin with the same total (doubly needs equal totals)
  for (int j = 0; j < n; ++j) D[size_t(j)] = p.m[size_t((j * 7) % n)];
  const double total = std::accumulate(O.begin(), O.end(), 0.0);

  SECTION("none: T = O_i D_j f_ij") {
    const auto T = dense(K, gravity_balance(*be, K, O, D, Constraint::None));
    for (int i = 0; i < n; i += 13)
      for (int j = 0; j < n; j += 7) {
        const double ref = (excl && i == j) ? 0.0 : O[size_t(i)] * D[size_t(j)] * std::exp(-0.004 * test::euclid(p, i, j));
        REQUIRE(test::rel_err(T[size_t(i) * size_t(n) + size_t(j)], ref) < 1e-14);
      }
  }
  SECTION("production, attraction and doubly margins") {
    const Constraint c = GENERATE(Constraint::Production, Constraint::Attraction, Constraint::Doubly);
    const GravityBalance g = gravity_balance(*be, K, O, D, c, {1e-13, 10000});
    REQUIRE(g.converged);
    const auto T = dense(K, g);
    double sum = 0.0;
    for (int i = 0; i < n; ++i) {
      double row = 0.0, col = 0.0;
      for (int j = 0; j < n; ++j) {
        row += T[size_t(i) * size_t(n) + size_t(j)];
        col += T[size_t(j) * size_t(n) + size_t(i)];
      }
      sum += row;
      if (c != Constraint::Attraction) REQUIRE(std::abs(row - O[size_t(i)]) / O[size_t(i)] < 1e-10);
      if (c != Constraint::Production) REQUIRE(std::abs(col - D[size_t(i)]) / D[size_t(i)] < 1e-10);
    }
    REQUIRE(sum == Approx(total).epsilon(1e-10));
    if (c == Constraint::Doubly) {
      REQUIRE(g.iterations > 1);
      REQUIRE(g.margin_error < 1e-10);
    }
  }
}

TEST_CASE("gravity: bad margins are reported", "[flows][gravity]") {
  auto be = make_cpu_backend();
  const PointSet p = test::random_points(20, 3);
  const PairKernel K{p.coords(), {Deterrence::Exp, 0.01, 1.0}, true};
  std::vector<double> D(p.m);
  D[0] *= 2;  // totals differ
  REQUIRE_THROWS_WITH(gravity_balance(*be, K, p.m, D, Constraint::Doubly),
                      Catch::Contains("equal totals"));
  const PairKernel far{p.coords(), {Deterrence::Exp, 1e4, 1.0}, true};  // every term underflows
  REQUIRE_THROWS_WITH(gravity_balance(*be, far, p.m, p.m, Constraint::Production),
                      Catch::Contains("no reachable partner"));
  REQUIRE_THROWS_AS(gravity_balance(*be, K, p.m, std::vector<double>(3), Constraint::None), Error);
}

TEST_CASE("doubly constrained gravity with O = D = Q is static (spec 004 T7)", "[flows][gravity]") {
  auto be = make_cpu_backend();
  const PointSet p = test::random_points(120, 5);
  const PairKernel K{p.coords(), {Deterrence::Exp, 0.02, 1.0}, false};
  const auto T = dense(K, gravity_balance(*be, K, p.m, p.m, Constraint::Doubly, {1e-13, 10000}));
  const int n = p.n();
  for (int j = 0; j < n; ++j) {
    double in = 0, out = 0;
    for (int i = 0; i < n; ++i) in += T[size_t(i) * size_t(n) + size_t(j)], out += T[size_t(j) * size_t(n) + size_t(i)];
    REQUIRE(std::abs(in - out) / p.m[size_t(j)] < 1e-10);  // dQ/dt = in - out = 0
  }
}

TEST_CASE("Furness with K tabulated equals Furness with K recomputed, bit for bit", "[flows][gravity]") {
  // Doubly constrained balancing reads K from an n x n table where it fits in a quarter of the
  // backend's budget: the same values, so the same factors to the last bit. A budget too small
  // for the table makes it recompute K on every pass.
  const PointSet p = test::random_points(97, 13);
  const bool excl = GENERATE(true, false);
  const PairKernel K{p.coords(), {Deterrence::Power, 1.3, 2.0}, excl};
  std::vector<double> D(p.m);
  std::reverse(D.begin(), D.end());
  auto tabulated = make_cpu_backend(), recomputed = make_cpu_backend();
  recomputed->set_budget_cap(4 * size_t(p.n()) * size_t(p.n()) * sizeof(double) - 1);
  const GravityBalance a = gravity_balance(*tabulated, K, p.m, D, Constraint::Doubly, {1e-13, 10000});
  const GravityBalance b = gravity_balance(*recomputed, K, p.m, D, Constraint::Doubly, {1e-13, 10000});
  REQUIRE(a.converged);
  REQUIRE(a.iterations == b.iterations);
  REQUIRE(a.a == b.a);
  REQUIRE(a.b == b.b);
  // and the table holds K: pair_rowsum through a table equals the on-the-fly pass
  const int n = p.n();
  std::vector<double> table(size_t(n) * size_t(n)), ones(size_t(n), 1.0), y1(static_cast<size_t>(n)), y2(static_cast<size_t>(n));
  pair_fill(Exec::cpu(), K, ones.data(), ones.data(), 0, n, table.data());
  PairKernel T = K;
  T.table = table.data();
  pair_rowsum(Exec::cpu(), K, p.m.data(), y1.data());
  pair_rowsum(Exec::cpu(), T, p.m.data(), y2.data());
  REQUIRE(y1 == y2);
}
