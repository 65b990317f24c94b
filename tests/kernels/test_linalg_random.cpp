// Cholesky solves against the residual of the original system, and the Poisson sampler's
// moments and zero-probability against the distribution's.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "kernels/linalg/cholesky.hpp"
#include "kernels/lsq/flow_normal.hpp"
#include "kernels/random/poisson.hpp"

using namespace migra;

TEST_CASE("cholesky: L Lᵀ x = b solves SPD systems; indefinite ones are refused", "[linalg]") {
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
