#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "kernels/stats/flow_metrics.hpp"
#include "kernels/stats/minimize.hpp"

using namespace migra::stats;

TEST_CASE("flow metrics against their definitions", "[stats]") {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0, 100);
  std::vector<double> o(500), m(500);
  for (size_t k = 0; k < o.size(); ++k) o[k] = u(rng), m[k] = 0.5 * o[k] + u(rng);
  FlowMetricsAccumulator a, b;
  for (size_t k = 0; k < o.size(); ++k) (k < 200 ? a : b).add(o[k], m[k]);  // two blocks
  a += b;
  const FlowMetrics r = a.metrics();
  double smin = 0, so = 0, sm = 0, sse = 0, mo = 0, mm = 0;
  for (size_t k = 0; k < o.size(); ++k) smin += std::min(o[k], m[k]), so += o[k], sm += m[k], sse += (o[k] - m[k]) * (o[k] - m[k]);
  mo = so / o.size(), mm = sm / m.size();
  double sst = 0, smm = 0, cov = 0;
  for (size_t k = 0; k < o.size(); ++k) sst += (o[k] - mo) * (o[k] - mo), smm += (m[k] - mm) * (m[k] - mm), cov += (o[k] - mo) * (m[k] - mm);
  REQUIRE(r.pairs == 500);
  REQUIRE(r.cpc == Approx(2 * smin / (so + sm)).epsilon(1e-13));
  REQUIRE(r.rmse == Approx(std::sqrt(sse / 500)).epsilon(1e-13));
  REQUIRE(r.r2 == Approx(1 - sse / sst).epsilon(1e-10));
  REQUIRE(r.pearson == Approx(cov / std::sqrt(sst * smm)).epsilon(1e-10));
}

TEST_CASE("flow metrics: identical and disjoint flows", "[stats]") {
  FlowMetricsAccumulator same, disjoint;
  for (int k = 0; k < 10; ++k) {
    same.add(k, k);
    disjoint.add(k % 2 ? k : 0, k % 2 ? 0 : k);
  }
  REQUIRE(same.metrics().cpc == 1.0);
  REQUIRE(same.metrics().rmse == 0.0);
  REQUIRE(same.metrics().r2 == 1.0);
  REQUIRE(same.metrics().pearson == Approx(1.0));
  REQUIRE(disjoint.metrics().cpc == 0.0);
  REQUIRE(std::isnan(FlowMetricsAccumulator{}.metrics().cpc));
}

TEST_CASE("golden-section search on a log scale", "[stats]") {
  const auto r = minimize_log_golden([](double x) { return std::pow(std::log(x / 0.0317), 2) + 2; }, 1e-6, 1e2, 1e-9);
  REQUIRE(r.x == Approx(0.0317).epsilon(1e-6));  // a flat minimum: ~sqrt(machine eps) at best
  REQUIRE(r.fx == Approx(2.0));
  REQUIRE_FALSE(r.at_bound);
  const auto edge = minimize_log_golden([](double x) { return x; }, 1e-3, 1.0);
  REQUIRE(edge.at_bound);
  REQUIRE_THROWS(minimize_log_golden([](double x) { return x; }, 1.0, 0.5));
}
