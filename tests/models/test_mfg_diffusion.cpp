// The MFG's implicit diffusion (models/city_mfg/graph_diffusion.hpp, Population::diffusion =
// "implicit"): the graph solve against a dense brute force, the stochastic and adjoint maps, the
// uniform limit and the exact HJ case, and self-convergence (spec test 18) of a decoupled game,
// where the noise branches do not converge, and of Test 2 itself.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "host/tasks/mfg_config.hpp"
#include "kernels/core/backend.hpp"
#include "models/city_mfg/graph_diffusion.hpp"
#include "models/city_mfg/mfg.hpp"
#include "models/city_mfg/sl_scheme.hpp"
#include "tests/models/mfg_fixtures.hpp"

using namespace migra;
using namespace migra::mfg;
using namespace migra::mfg::testing;

namespace {

// a degree-1 end, a one-cell edge (length 0.05 < dx) and a cycle
const char* kMixed =
    "vertex a 0 0\nvertex b 1 0\nvertex c 1.03 0.04\nvertex d 2 0\n"
    "edge a b\nedge b c length=0.05\nedge b d\nedge c d\n";

/// A = diag|C| - nu dt K assembled densely from the fine node graph.
std::vector<double> dense_matrix(const Grid& g, double nu_dt) {
  const size_t N = size_t(g.nodes());
  std::vector<double> A(N * N, 0.0);
  for (size_t q = 0; q < N; ++q) A[q * N + q] = g.measure[q];
  for (const auto& [p, q] : grid_links(g)) {
    const int j = g.node_edge[size_t(p)] >= 0 ? g.node_edge[size_t(p)] : g.node_edge[size_t(q)];
    double dx = -1.0;
    if (j >= 0) {
      dx = g.dx[size_t(j)];
    } else {  // a one-cell edge between two vertices
      for (int e = 0; e < int(g.cells.size()); ++e)
        if (g.cells[size_t(e)] == 1 && ((g.node(e, 0) == p && g.node(e, 1) == q) || (g.node(e, 0) == q && g.node(e, 1) == p)))
          dx = g.dx[size_t(e)];
    }
    REQUIRE(dx > 0.0);
    const double c = nu_dt / dx;
    A[size_t(p) * N + size_t(p)] += c, A[size_t(q) * N + size_t(q)] += c;
    A[size_t(p) * N + size_t(q)] -= c, A[size_t(q) * N + size_t(p)] -= c;
  }
  return A;
}

std::vector<double> mat_vec(const std::vector<double>& A, const std::vector<double>& x) {
  const size_t N = x.size();
  std::vector<double> y(N, 0.0);
  for (size_t i = 0; i < N; ++i)
    for (size_t k = 0; k < N; ++k) y[i] += A[i * N + k] * x[k];
  return y;
}

/// P1 reading of node values along edge j at local coordinate s.
double p1(const Grid& g, const std::vector<double>& v, int j, double s) {
  const double h = g.dx[size_t(j)];
  const int q = std::min(int(std::floor(s / h)), g.cells[size_t(j)] - 1);
  const double t = s / h - q;
  return (1 - t) * v[size_t(g.node(j, q))] + t * v[size_t(g.node(j, q + 1))];
}

/// sum over edges of int |a - b| ds, both read as P1 functions, midpoint rule on 20k points per edge.
double l1_between(const Network& net, const Grid& ga, const std::vector<double>& a, const Grid& gb,
                  const std::vector<double>& b) {
  double total = 0.0;
  for (int j = 0; j < int(net.edges.size()); ++j) {
    const double L = net.edges[size_t(j)].length;
    const int n = 20000;
    for (int k = 0; k < n; ++k) total += std::fabs(p1(ga, a, j, (k + 0.5) * L / n) - p1(gb, b, j, (k + 0.5) * L / n)) * L / n;
  }
  return total;
}

}  // namespace

TEST_CASE("Implicit diffusion: the graph solve equals a dense solve, values are averaged, masses conserved", "[mfg]") {
  for (const char* text : {kTheta, kMixed}) {
    const Network net = parse_network(text, "net");
    const Grid g = make_grid(net, 0.1);
    const size_t N = size_t(g.nodes());
    const double nu_dt = 0.4 * 0.05;
    const GraphDiffusion d(g, nu_dt);
    const std::vector<double> A = dense_matrix(g, nu_dt);
    std::mt19937_64 rng(3);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<double> x(N), z(N);
    for (double& v : x) v = u(rng) - 0.3;
    const std::vector<double> r = mat_vec(A, x);
    d.solve(r.data(), z.data());
    for (size_t q = 0; q < N; ++q) REQUIRE(z[q] == Approx(x[q]).margin(1e-12));
    // u <- A^{-1} |C| u: every column of it is >= 0 and the rows sum to 1
    std::vector<double> ones(N, 1.0);
    d.smooth_values(ones.data());
    for (double v : ones) REQUIRE(v == Approx(1.0).margin(1e-13));
    for (size_t c = 0; c < N; ++c) {
      std::vector<double> e(N, 0.0);
      e[c] = 1.0;
      d.smooth_values(e.data());
      REQUIRE(*std::min_element(e.begin(), e.end()) >= 0.0);
    }
    // M <- |C| A^{-1} M: mass and signs kept, and sum M (S u) = sum (S^T M) u
    std::vector<double> M(N), U(N);
    for (size_t q = 0; q < N; ++q) M[q] = u(rng) * g.measure[q], U[q] = std::sin(7.0 * q);
    double before = 0.0, after = 0.0, pair_values = 0.0, pair_masses = 0.0;
    std::vector<double> SU = U, SM = M;
    d.smooth_values(SU.data());
    d.spread_masses(SM.data());
    for (size_t q = 0; q < N; ++q) {
      before += M[q], after += SM[q];
      pair_values += M[q] * SU[q], pair_masses += SM[q] * U[q];
      REQUIRE(SM[q] >= 0.0);
    }
    REQUIRE(std::fabs(after - before) <= 1e-14 * before);
    REQUIRE(pair_values == Approx(pair_masses).epsilon(1e-13));
  }
}

TEST_CASE("Implicit diffusion: a point mass relaxes to uniform, and the exact HJ case (spec tests 10, 13)", "[mfg]") {
  // A point mass on the triangle and on the diamond relaxes to 1/|Gamma|; U = h0 (T - t)
  // exactly. (The heat equation on a segment is in test_city_mfg.cpp's test 13.)
  Population p{1.0, 0.4, 1.7};
  p.diffusion = "implicit";
  for (const char* text : {kTriangle, kTheta}) {
    const Network net = parse_network(text, "net");
    const Grid g = make_grid(net, 0.02);
    const int NT = 1600;
    Controls ctl;
    ControlGrid cg;
    const std::vector<double> U = solve_hj(g, p, cg, 0.05, NT, std::vector<double>(size_t(NT) * g.nodes(), 0.0), ctl);
    for (int q = 0; q < g.nodes(); ++q) REQUIRE(U[size_t(q)] == Approx(1.7 * NT * 0.05).epsilon(1e-11));  // 1600 solves of round-off
    for (double a : ctl.alpha) REQUIRE(a == 0.0);
    std::vector<double> M0(static_cast<size_t>(g.nodes()), 0.0);
    M0[size_t(g.node(0, 10))] = 1.0;
    const std::vector<double> M = solve_fp(g, p, 0.05, NT, ctl, M0);
    double worst = 0.0, mass = 0.0;
    for (int q = 0; q < g.nodes(); ++q) {
      worst = std::max(worst, std::fabs(M[size_t(NT) * g.nodes() + q] / g.measure[size_t(q)] - 1.0 / net.total_length()));
      mass += M[size_t(NT) * g.nodes() + q];
    }
    INFO("mass " << mass - 1.0);
    REQUIRE(mass == Approx(1.0).epsilon(1e-12));
    REQUIRE(worst < 1e-6 / net.total_length());
  }
}

TEST_CASE("Implicit diffusion: a decoupled game with per-edge housing costs self-converges (spec test 18's ratio)", "[mfg]") {
  // Test 2's diamond with h = 0.2 on the central arc, 2 on the upper and 1 on the lower path: a
  // fixed potential that steers agents across the vertices. Test 2's workers (lambda 1, nu 0.4),
  // relaxed controls at temperature 1e-3, dt = 5 dx. The L1 distances between the final
  // densities of successive levels fall by >= 1.5 per halving; with the three noise branches
  // instead they stay near 6 (the density breaks into spikes at the branches' lattice spacing).
  const Network net = parse_network(
      "vertex v1 0 0\nvertex v2 1 0\nvertex v3 0.5 0.5\nvertex v4 0.5 -0.5\n"
      "edge v1 v2 h=0.2\nedge v1 v3 h=2\nedge v3 v2 h=2\nedge v1 v4 h=1\nedge v4 v2 h=1\n", "theta-h.net");
  Population pop{1.0, 0.4, 1.0};
  pop.diffusion = "implicit";
  ControlGrid cg;
  cg.temperature = 1e-3;
  std::vector<Grid> grids;
  std::vector<std::vector<double>> finals;
  std::vector<double> distances;
  for (double dx : {0.02, 0.01, 0.005, 0.0025}) {
    const double dt = 5.0 * dx;
    const int NT = int(std::lround(2.0 / dt));
    grids.push_back(make_grid(net, dx));
    const Grid& g = grids.back();
    Controls ctl;
    solve_hj(g, pop, cg, dt, NT, std::vector<double>(size_t(NT) * g.nodes(), 0.0), ctl);
    std::vector<double> M0(static_cast<size_t>(g.nodes()));
    for (int q = 0; q < g.nodes(); ++q) {
      const double x = g.px[size_t(q)] - 0.5, y = g.py[size_t(q)];
      M0[size_t(q)] = (1.0 + 2.0 * std::exp(-(x * x + y * y) / 0.02)) * g.measure[size_t(q)];
    }
    const std::vector<double> M = solve_fp(g, pop, dt, NT, ctl, M0);
    std::vector<double> m(static_cast<size_t>(g.nodes()));
    for (int q = 0; q < g.nodes(); ++q) m[size_t(q)] = M[size_t(NT) * g.nodes() + q] / g.measure[size_t(q)];
    finals.push_back(std::move(m));
    if (finals.size() > 1) {
      const size_t k = finals.size() - 1;
      distances.push_back(l1_between(net, grids[k - 1], finals[k - 1], grids[k], finals[k]));
    }
  }
  INFO("L1 distances " << distances[0] << ", " << distances[1] << ", " << distances[2]);
  for (size_t k = 1; k < distances.size(); ++k) REQUIRE(distances[k - 1] / distances[k] >= 1.5);
}

TEST_CASE("Implicit diffusion: Test 2 with the linear cost self-converges (spec test 18)", "[mfg]") {
  // The shipped config (data/mfg/test2-linear.toml: OT coupling with potential B, rents, argmin
  // controls, implicit diffusion), dt = 5 dx, Picard to 1e-6 so that its error stays below the
  // distances. Under the noise branches the distances fall by only 1.0-1.5x per halving
  // (README, test 18).
  const std::string root = MIGRA_SOURCE_DIR;
  const Network net = read_network(root + "/data/networks/theta.net");
  MfgConfig cfg = tasks::read_mfg_config(root + "/data/mfg/test2-linear.toml");
  REQUIRE(cfg.workers.sl.diffusion == "implicit");
  REQUIRE(cfg.firms.sl.diffusion == "implicit");
  cfg.tol = 1e-6;
  auto cpu = make_cpu_backend();
  std::vector<Grid> grids;
  std::vector<std::vector<double>> fw, ff;
  std::vector<double> dw, df;
  for (double dx : {0.02, 0.01, 0.005, 0.0025}) {
    cfg.dx = dx, cfg.dt = 5.0 * dx;
    grids.push_back(make_grid(net, dx));
    const Grid& g = grids.back();
    const MfgResult r = solve_mfg(*cpu, g, node_distances(g), cfg);
    REQUIRE(r.converged);
    const size_t last = size_t(r.NT) * size_t(r.N);
    std::vector<double> mw(size_t(r.N)), mf(size_t(r.N));
    for (int q = 0; q < r.N; ++q)
      mw[size_t(q)] = r.Mw[last + size_t(q)] / g.measure[size_t(q)], mf[size_t(q)] = r.Mf[last + size_t(q)] / g.measure[size_t(q)];
    fw.push_back(std::move(mw)), ff.push_back(std::move(mf));
    if (fw.size() > 1) {
      const size_t k = fw.size() - 1;
      dw.push_back(l1_between(net, grids[k - 1], fw[k - 1], grids[k], fw[k]));
      df.push_back(l1_between(net, grids[k - 1], ff[k - 1], grids[k], ff[k]));
    }
  }
  INFO("workers " << dw[0] << ", " << dw[1] << ", " << dw[2] << "; firms " << df[0] << ", " << df[1] << ", " << df[2]);
  for (size_t k = 1; k < dw.size(); ++k) {
    REQUIRE(dw[k - 1] / dw[k] >= 1.5);
    REQUIRE(df[k - 1] / df[k] >= 1.5);
  }
}
