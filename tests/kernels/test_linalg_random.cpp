// Cholesky and GMRES solves against the residual of the original system, the finite-difference
// Jacobian of a fixed-point residual against the analytic one, and the Poisson
// sampler's moments and zero-probability against the distribution's.
#include <catch2/catch.hpp>
#include <array>
#include <cmath>
#include <random>
#include <vector>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "kernels/linalg/batched_products.hpp"
#include "kernels/linalg/cholesky.hpp"
#include "kernels/linalg/fd_jacobian.hpp"
#include "kernels/linalg/gmres.hpp"
#include "kernels/lsq/flow_normal.hpp"
#include "kernels/random/poisson.hpp"

using namespace migra;

TEST_CASE("cholesky: L Lᵀ x = b solves SPD systems, indefinite ones are refused", "[linalg]") {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> z;
  for (int n : {1, 2, 7, 64, 301}) {
    std::vector<double> G(size_t(n) * size_t(n)), A(size_t(n) * size_t(n), 0.0), b(static_cast<size_t>(n));
    for (double& g : G) g = z(rng);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) {
        for (int k = 0; k < n; ++k) A[size_t(i * n + j)] += G[size_t(i * n + k)] * G[size_t(j * n + k)];
        if (i == j) A[size_t(i * n + j)] += 1e-3;
      }
    for (double& v : b) v = z(rng);
    std::vector<double> L = A, x = b;
    REQUIRE(linalg::cholesky_factor(L, n));
    linalg::cholesky_solve(L, n, x);
    double res = 0, scale = 0;
    for (int i = 0; i < n; ++i) {
      double s = -b[size_t(i)];
      for (int j = 0; j < n; ++j) s += A[size_t(i * n + j)] * x[size_t(j)];
      res = std::max(res, std::fabs(s)), scale = std::max(scale, std::fabs(b[size_t(i)]));
    }
    INFO("n = " << n);
    CHECK(res < 1e-7 * scale * n);
  }
  std::vector<double> indefinite{1, 2, 2, 1};
  CHECK_FALSE(linalg::cholesky_factor(indefinite, 2));
}

TEST_CASE("gmres: solves nonsymmetric systems, restarted or not, and ends when the Krylov space does", "[linalg]") {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> z;
  const int n = 60;
  std::vector<double> A(size_t(n) * size_t(n)), b(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) A[size_t(i * n + j)] = (i == j ? 3.0 : 0.0) + z(rng) / std::sqrt(double(n));
  for (double& v : b) v = z(rng);
  int calls = 0;
  const linalg::LinearOperator op = [&](const std::vector<double>& v, std::vector<double>& Av) {
    ++calls;
    Av.assign(v.size(), 0.0);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) Av[size_t(i)] += A[size_t(i * n + j)] * v[size_t(j)];
  };
  const auto true_residual = [&](const std::vector<double>& x) {
    std::vector<double> Ax;
    op(x, Ax);
    double r = 0, nb = 0;
    for (int i = 0; i < n; ++i) r += (b[size_t(i)] - Ax[size_t(i)]) * (b[size_t(i)] - Ax[size_t(i)]), nb += b[size_t(i)] * b[size_t(i)];
    return std::sqrt(r / nb);
  };
  SECTION("full GMRES: one cycle of n vectors reaches any tolerance") {
    linalg::GmresConfig c;
    c.restart = n;
    c.rtol = 1e-12;
    const auto r = linalg::gmres(op, b, c);
    REQUIRE(r.products == calls);
    REQUIRE(r.products <= n + 1);
    REQUIRE(r.converged);
    REQUIRE(true_residual(r.x) < 1e-11);
  }
  SECTION("GMRES(5) restarted: the tracked residual is the true one") {
    linalg::GmresConfig c;
    c.restart = 5;
    c.cycles = 40;
    c.rtol = 1e-9;
    const auto r = linalg::gmres(op, b, c);
    REQUIRE(r.converged);
    REQUIRE(true_residual(r.x) < 2e-9);
    REQUIRE(true_residual(r.x) == Approx(r.residual).epsilon(0.05));
    linalg::GmresConfig one = c;  // one cycle only: not there yet, and says so
    one.cycles = 1;
    const auto short_run = linalg::gmres(op, b, one);
    REQUIRE_FALSE(short_run.converged);
    REQUIRE(short_run.residual == Approx(true_residual(short_run.x)).epsilon(1e-6));
  }
  SECTION("three distinct eigenvalues: exact after three products") {
    const linalg::LinearOperator diag3 = [&](const std::vector<double>& v, std::vector<double>& Av) {
      Av.resize(v.size());
      for (size_t i = 0; i < v.size(); ++i) Av[i] = (1.0 + double(i % 3)) * v[i];
    };
    linalg::GmresConfig c;
    c.restart = 30;
    c.rtol = 1e-13;
    const auto r = linalg::gmres(diag3, b, c);
    REQUIRE(r.converged);
    REQUIRE(r.products <= 4);  // r0's product, then three Arnoldi vectors
    for (int i = 0; i < n; ++i) REQUIRE(r.x[size_t(i)] == Approx(b[size_t(i)] / (1.0 + i % 3)).epsilon(1e-10));
  }
  SECTION("b = 0 gives x = 0 without a product") {
    const auto r = linalg::gmres(op, std::vector<double>(static_cast<size_t>(n), 0.0), {});
    REQUIRE(r.converged);
    REQUIRE(calls == 0);
    for (double v : r.x) REQUIRE(v == 0.0);
  }
}

TEST_CASE("fd_jacobian: the product of a fixed-point residual's Jacobian, against the analytic one", "[linalg]") {
  // g(y) = (y0^2 + y2 y1, sin y1 + y2) on y = (y0, y1, y2): F = g - (y0, y1), y2 a parameter
  // acting only through g (an arclength walk's). dF/dy = [[2 y0 - 1, y2, y1], [0, cos y1 - 1, 1]].
  int calls = 0;
  const linalg::Map g = [&](const std::vector<double>& y, std::vector<double>& gy) {
    ++calls;
    gy = {y[0] * y[0] + y[2] * y[1], std::sin(y[1]) + y[2]};
  };
  const std::vector<double> y{0.7, -1.3, 2.1};
  std::vector<double> gy;
  g(y, gy);
  const linalg::LinearOperator J = linalg::fd_jacobian(g, y, gy);
  for (const std::vector<double>& v : {std::vector<double>{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {0.3, -2.0, 5.0}}) {
    std::vector<double> Jv;
    J(v, Jv);
    REQUIRE(Jv.size() == 3);
    const double want0 = (2 * y[0] - 1) * v[0] + y[2] * v[1] + y[1] * v[2];
    const double want1 = (std::cos(y[1]) - 1) * v[1] + v[2];
    const double scale = 1e-6 * linalg::norm(v);  // the forward difference's O(h |v|) error
    REQUIRE(std::fabs(Jv[0] - want0) < scale);
    REQUIRE(std::fabs(Jv[1] - want1) < scale);
    REQUIRE(Jv[2] == 0.0);  // the caller's border row
  }
  const int before = calls;
  std::vector<double> J0;
  J(std::vector<double>{0, 0, 0}, J0);
  REQUIRE(calls == before);
  REQUIRE(J0 == std::vector<double>{0, 0, 0});
}

TEST_CASE("apply_rows and apply_cols: a batch times one matrix, against the plain sums", "[linalg]") {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  // sizes that leave every remainder: rows of a tile and of a block, columns, vectors
  for (const auto [n, m, batch] : {std::array<int, 3>{1, 1, 1}, {3, 5, 2}, {37, 261, 5}, {67, 530, 21}, {300, 19, 40}}) {
    std::vector<double> K(size_t(n) * m), V(size_t(batch) * m), U(size_t(batch) * n);
    for (double& k : K) k = u(rng);
    for (double& v : V) v = u(rng) - 0.3;
    for (double& x : U) x = u(rng) < 0.2 ? 0.0 : u(rng);  // zeros, as in sparse marginals
    for (int i = 0; i < n; ++i) U[size_t(i)] = 0.0;      // and one all-zero vector
    std::vector<double> Y(size_t(batch) * n, -1.0), Z(size_t(batch) * m, -1.0);
    linalg::apply_rows(K.data(), n, m, batch, V.data(), Y.data());
    linalg::apply_cols(K.data(), n, m, batch, U.data(), Z.data());
    double worst = 0.0;
    for (int b = 0; b < batch; ++b) {
      for (int i = 0; i < n; ++i) {
        long double s = 0.0L, scale = 0.0L;
        for (int j = 0; j < m; ++j) s += (long double)K[size_t(i) * m + j] * V[size_t(b) * m + j], scale += std::fabs(V[size_t(b) * m + j]);
        worst = std::max(worst, double(std::fabs(Y[size_t(b) * n + i] - s) / (scale + 1e-300)));
      }
      for (int j = 0; j < m; ++j) {
        long double s = 0.0L, scale = 0.0L;
        for (int i = 0; i < n; ++i) s += (long double)K[size_t(i) * m + j] * U[size_t(b) * n + i], scale += U[size_t(b) * n + i];
        worst = std::max(worst, double(std::fabs(Z[size_t(b) * m + j] - s) / (scale + 1e-300)));
      }
    }
    INFO("n " << n << " m " << m << " batch " << batch);
    CHECK(worst < 1e-14);
#ifdef _OPENMP
    // fixed blocks: the same bits on one thread as on several
    const int threads = omp_get_max_threads();
    omp_set_num_threads(1);
    std::vector<double> Y1(Y.size()), Z1(Z.size());
    linalg::apply_rows(K.data(), n, m, batch, V.data(), Y1.data());
    linalg::apply_cols(K.data(), n, m, batch, U.data(), Z1.data());
    omp_set_num_threads(std::max(threads, 3));
    std::vector<double> Y3(Y.size()), Z3(Z.size());
    linalg::apply_rows(K.data(), n, m, batch, V.data(), Y3.data());
    linalg::apply_cols(K.data(), n, m, batch, U.data(), Z3.data());
    omp_set_num_threads(threads);
    CHECK(Y1 == Y3);
    CHECK(Z1 == Z3);
#endif
  }
}

TEST_CASE("poisson: mean, variance and P(0) match the distribution on both branches", "[random]") {
  for (double lambda : {0.3, 4.0, 9.99, 10.0, 75.0, 4000.0}) {
    const int n = 200000;
    double s = 0, ss = 0, zeros = 0;
    for (int i = 0; i < n; ++i) {
      rng::UniformStream u(17, rng::Stream::Bootstrap, 0, std::uint32_t(i));
      const double k = rng::poisson(lambda, u);
      REQUIRE(k >= 0);
      REQUIRE(k == std::floor(k));
      s += k, ss += k * k, zeros += k == 0;
    }
    const double mean = s / n, var = ss / n - mean * mean;
    INFO("lambda = " << lambda);
    CHECK(std::fabs(mean - lambda) < 5 * std::sqrt(lambda / n));  // 5 standard errors
    CHECK(std::fabs(var / lambda - 1) < 5 * std::sqrt(2.0 / n) + 1e-3);
    if (lambda < 5) CHECK(std::fabs(zeros / n - std::exp(-lambda)) < 5 * std::sqrt(std::exp(-lambda) / n));
  }
  rng::UniformStream a(1, rng::Stream::Leap, 2, 3), b(1, rng::Stream::Leap, 2, 3);
  CHECK(rng::poisson(123.4, a) == rng::poisson(123.4, b));  // a pure function of its counter
}

TEST_CASE("log_factorial: table and Stirling series against lgamma", "[random]") {
  for (int k = 0; k <= 5000; ++k) CHECK(rng::log_factorial(double(k)) == Approx(std::lgamma(k + 1.0)).epsilon(1e-13).margin(1e-13));
}

TEST_CASE("poisson_replicates: every pair's draws have the Poisson mean and variance", "[random]") {
  const int n = 40, B = 400;
  const double lambdas[] = {0.2, 2.5, 9.9, 10.5, 60.0, 3000.0};
  std::vector<double> that(size_t(n) * n);
  for (size_t q = 0; q < that.size(); ++q) that[q] = lambdas[q % 6];
  std::vector<double> T(size_t(B) * that.size()), Tt(T.size());
  lsq::poisson_replicates(Exec::cpu(), n, B, 3, 11, that.data(), T.data(), Tt.data());
  for (int l = 0; l < 6; ++l) {
    double s = 0, ss = 0, cnt = 0;
    for (int b = 0; b < B; ++b)
      for (int i = 0; i < n; ++i)
        for (int k = 0; k < n; ++k) {
          const size_t q = size_t(i * n + k);
          if (i == k || int(q % 6) != l) continue;
          const double v = T[size_t(b) * that.size() + q];
          REQUIRE(v == std::floor(v));
          REQUIRE(Tt[size_t(b) * that.size() + size_t(k * n + i)] == v);
          s += v, ss += v * v, cnt += 1;
        }
    const double lambda = lambdas[l], mean = s / cnt, var = ss / cnt - mean * mean;
    INFO("lambda = " << lambda << ", " << cnt << " draws");
    CHECK(std::fabs(mean - lambda) < 5 * std::sqrt(lambda / cnt));
    CHECK(std::fabs(var / lambda - 1) < 5 * std::sqrt(2.0 / cnt) + 2e-3);
  }
  for (int b = 0; b < B; ++b)
    for (int i = 0; i < n; ++i) REQUIRE(T[size_t(b) * that.size() + size_t(i * n + i)] == 0.0);
}
