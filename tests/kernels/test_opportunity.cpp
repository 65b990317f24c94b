#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "kernels/flows/opportunity.hpp"
#include "tests/support.hpp"

using namespace migra;
using namespace migra::flows;
using migra::test::PointSet;

namespace {

std::vector<double> sums(const PointSet& p, bool origin) {
  std::vector<double> s(static_cast<size_t>(p.n()) * size_t(p.n()));
  intervening_sums(Exec::cpu(), p.coords(), p.m.data(), origin, 0, p.n(), s.data());
  return s;
}

std::vector<double> flows_of(const PointSet& p, const std::vector<double>& O, OpportunityParams prm) {
  std::vector<double> T(static_cast<size_t>(p.n()) * size_t(p.n()));
  opportunity_fill(Exec::cpu(), p.coords(), p.m.data(), O.data(), prm, 0, p.n(), T.data());
  return T;
}

}  // namespace

TEST_CASE("intervening sums equal the O(n^3) loop exactly (spec 004 T4)", "[flows][radiation]") {
  const bool origin = GENERATE(false, true);
  SECTION("random map, n = 300") {
    const PointSet p = test::random_points(300, 21, 1000.0, true);
    REQUIRE(sums(p, origin) == test::brute_intervening(p, origin));
  }
  SECTION("lattice with ties and duplicated points, n = 400 + 25") {
    const PointSet p = test::lattice_points(20, 25, 22);
    REQUIRE(sums(p, origin) == test::brute_intervening(p, origin));
  }
  SECTION("row blocks give the same rows") {
    const PointSet p = test::lattice_points(9, 4, 23);
    const int n = p.n();
    std::vector<double> part(size_t(7) * size_t(n));
    intervening_sums(Exec::cpu(), p.coords(), p.m.data(), origin, 30, 37, part.data());
    const auto all = sums(p, origin);
    REQUIRE(std::equal(part.begin(), part.end(), all.begin() + 30 * n));
  }
}

TEST_CASE("radiation telescoping identities (spec 004 T5)", "[flows][radiation]") {
  const PointSet p = test::random_points(250, 31);
  const int n = p.n();
  const double M = std::accumulate(p.m.begin(), p.m.end(), 0.0);
  std::vector<double> O(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) O[size_t(i)] = 0.5 + i;  // outflows independent of m
  SECTION("standard: sum_{j != i} T_ij = O_i (1 - m_i / M), T_ii = 0") {
    const auto T = flows_of(p, O, {OpportunityModel::Radiation, 0});
    for (int i = 0; i < n; ++i) {
      const double row = std::accumulate(T.begin() + i * n, T.begin() + (i + 1) * n, 0.0);
      REQUIRE(T[size_t(i) * size_t(n) + size_t(i)] == 0.0);
      REQUIRE(test::rel_err(row, O[size_t(i)] * (1 - p.m[size_t(i)] / M)) < 1e-12);
    }
  }
  SECTION("literal: sum_j T_ij = O_i (1 - m_i / (m_i + M)), T_ii = O_i / 2") {
    const auto T = flows_of(p, O, {OpportunityModel::RadiationLiteral, 0});
    for (int i = 0; i < n; ++i) {
      const double row = std::accumulate(T.begin() + i * n, T.begin() + (i + 1) * n, 0.0);
      REQUIRE(T[size_t(i) * size_t(n) + size_t(i)] == Approx(O[size_t(i)] / 2).epsilon(1e-15));
      REQUIRE(test::rel_err(row, O[size_t(i)] * (1 - p.m[size_t(i)] / (p.m[size_t(i)] + M))) < 1e-12);
    }
  }
  SECTION("equal populations: the m-th nearest neighbour gets q / (m (m + 1))") {
    PointSet q = p;
    std::fill(q.m.begin(), q.m.end(), 7.0);
    const std::vector<double> Oq(size_t(n), 7.0);
    const auto T = flows_of(q, Oq, {OpportunityModel::Radiation, 0});
    for (int i = 0; i < n; i += 17) {
      std::vector<std::pair<double, int>> nb;
      for (int j = 0; j < n; ++j)
        if (j != i) nb.push_back({test::euclid(q, i, j), j});
      std::sort(nb.begin(), nb.end());
      for (size_t r = 0; r < nb.size(); ++r) {
        const double m = double(r + 1);
        REQUIRE(test::rel_err(T[size_t(i) * size_t(n) + size_t(nb[r].second)], 7.0 / (m * (m + 1))) < 1e-13);
      }
    }
  }
}

TEST_CASE("radiation and IO against the formula with brute-force s", "[flows][radiation][io]") {
  const PointSet p = test::lattice_points(12, 10, 41);  // ties
  const int n = p.n();
  const auto s = test::brute_intervening(p, false);
  const std::vector<double> O(p.m);
  const double L = 3e-5;
  const auto R = flows_of(p, O, {OpportunityModel::Radiation, 0});
  const auto S = flows_of(p, O, {OpportunityModel::Schneider, L});
  for (int i = 0; i < n; ++i) {
    std::vector<double> io(size_t(n), 0.0);
    for (int j = 0; j < n; ++j)
      if (j != i) {
        const double sij = s[size_t(i) * size_t(n) + size_t(j)], mi = p.m[size_t(i)], mj = p.m[size_t(j)];
        REQUIRE(test::rel_err(R[size_t(i) * size_t(n) + size_t(j)], O[size_t(i)] * mi * mj / ((mi + sij) * (mi + mj + sij))) < 1e-13);
        io[size_t(j)] = std::exp(-L * sij) - std::exp(-L * (sij + mj));
      }
    const double tot = std::accumulate(io.begin(), io.end(), 0.0);
    double row = 0.0;
    for (int j = 0; j < n; ++j) {
      row += S[size_t(i) * size_t(n) + size_t(j)];
      REQUIRE(std::abs(S[size_t(i) * size_t(n) + size_t(j)] - O[size_t(i)] * io[size_t(j)] / tot) <= 1e-9 * O[size_t(i)]);
    }
    REQUIRE(test::rel_err(row, O[size_t(i)]) < 1e-12);  // IO is production-constrained
  }
}

TEST_CASE("a site with zero population sends nothing", "[flows][radiation]") {
  PointSet p = test::random_points(40, 51);
  p.m[3] = 0.0;
  const auto T = flows_of(p, p.m, {OpportunityModel::Radiation, 0});
  for (int j = 0; j < p.n(); ++j) REQUIRE(T[size_t(3) * size_t(p.n()) + size_t(j)] == 0.0);
}
