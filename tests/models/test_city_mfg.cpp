// Paper 001's network MFG (models/city_mfg) against the spec's acceptance tests (§5): grid
// measures, geodesic distances against Dijkstra on the fine node graph, row-stochastic FP
// matrices and exact mass conservation, the exact HJ case, the last step, rotation symmetry on
// the triangle, convergence and uniqueness of the fixed point, and its checkpoint/resume.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>
#include <functional>
#include <map>
#include <numeric>
#include <queue>
#include <random>

#include "kernels/core/backend.hpp"
#include "models/city_mfg/mfg.hpp"
#include "models/city_mfg/picard_map.hpp"
#include "tests/models/mfg_fixtures.hpp"

using namespace migra;
using namespace migra::mfg;
using namespace migra::mfg::testing;

namespace {

// a tree with a degree-1 vertex and unequal edges (ceil rounding of N_j)
const char* kTree = "vertex a 0 0\nvertex b 1 0\nvertex c 1.3 0.7\nvertex d 2 -0.2\nedge a b\nedge b c\nedge b d length=1.37\n";

/// The fine node graph: per node, its neighbours one cell away and the cell's length.
std::vector<std::vector<std::pair<int, double>>> node_graph(const Grid& g) {
  std::vector<std::vector<std::pair<int, double>>> adj(static_cast<size_t>(g.nodes()));
  for (int j = 0; j < int(g.cells.size()); ++j)
    for (int q = 0; q < g.cells[size_t(j)]; ++q) {
      const int u = g.node(j, q), v = g.node(j, q + 1);
      adj[size_t(u)].emplace_back(v, g.dx[size_t(j)]);
      adj[size_t(v)].emplace_back(u, g.dx[size_t(j)]);
    }
  return adj;
}

std::vector<double> dijkstra(const Grid& g, int src) {
  const int N = g.nodes();
  const auto adj = node_graph(g);
  std::vector<double> d(static_cast<size_t>(N), INFINITY);
  using Item = std::pair<double, int>;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> pq;
  d[size_t(src)] = 0.0;
  pq.emplace(0.0, src);
  while (!pq.empty()) {
    const auto [du, u] = pq.top();
    pq.pop();
    if (du > d[size_t(u)]) continue;
    for (const auto& [v, w] : adj[size_t(u)])
      if (du + w < d[size_t(v)]) {
        d[size_t(v)] = du + w;
        pq.emplace(d[size_t(v)], v);
      }
  }
  return d;
}

/// Every FP row of every step: non-negative weights on valid nodes, summing to 1.
void require_stochastic_rows(const Grid& g, const Stencils& st, const Controls& ctl, int NT, double tol) {
  Stencil row;
  for (int n = 0; n < NT; ++n)
    for (int i = 0; i < g.nodes(); ++i) {
      fp_row(g, st, ctl, n, i, row);
      double s = 0.0;
      for (size_t k = 0; k < row.w.size(); ++k) {
        REQUIRE(row.w[k] >= 0.0);
        REQUIRE(row.node[k] >= 0);
        REQUIRE(row.node[k] < g.nodes());
        s += row.w[k];
      }
      REQUIRE(std::fabs(s - 1.0) < tol);
    }
}

}  // namespace

TEST_CASE("Network files: vertices, edges, options and errors with the line", "[mfg]") {
  const Network net = parse_network(kTree, "tree.net");
  REQUIRE(net.vertices() == 4);
  REQUIRE(net.edges.size() == 3);
  REQUIRE(net.edges[2].length == 1.37);
  REQUIRE(net.incident[1].size() == 3);
  REQUIRE_THROWS_WITH(parse_network("vertex a 0 0\nedge a b\n", "x.net"), Catch::Contains("x.net:2: edge names vertex 'b'"));
  REQUIRE_THROWS_WITH(parse_network("vertex a 0 0\nvertex b 1 0\nedge a b colour=3\n", "x.net"),
                      Catch::Contains("x.net:3: unknown option 'colour'"));
  REQUIRE_THROWS_WITH(parse_network("vertex a 0 0\nvertex a 1 0\n", "x.net"), Catch::Contains("x.net:2: vertex 'a' is defined twice"));
  REQUIRE_THROWS_WITH(parse_network("vertex a 0 0\nvertex b 0 0\nedge a b\n", "x.net"), Catch::Contains("edge length must be > 0"));
}

TEST_CASE("Grid measures sum to |Gamma| and distances equal Dijkstra on the node graph (spec tests 1-2)", "[mfg]") {
  for (const char* text : {kTriangle, kTheta, kTree}) {
    const Network net = parse_network(text, "net");
    for (double dx : {0.1, 0.033, 0.01}) {
      const Grid g = make_grid(net, dx);
      const double sum = std::accumulate(g.measure.begin(), g.measure.end(), 0.0);
      REQUIRE(std::fabs(sum - net.total_length()) < 1e-12);
      if (dx < 0.02) continue;  // the O(N^2) checks on the coarser grids
      const int N = g.nodes();
      const std::vector<double> D = node_distances(g);
      for (int p = 0; p < N; ++p) {
        REQUIRE(D[size_t(p) * N + p] == 0.0);
        const std::vector<double> ref = dijkstra(g, p);
        for (int q = 0; q < N; ++q) {
          REQUIRE(D[size_t(p) * N + q] == Approx(D[size_t(q) * N + p]).margin(1e-12));
          REQUIRE(D[size_t(p) * N + q] == Approx(ref[size_t(q)]).margin(1e-12));
        }
      }
      std::mt19937 rng(1);
      std::uniform_int_distribution<int> pick(0, N - 1);
      for (int t = 0; t < 2000; ++t) {
        const int i = pick(rng), j = pick(rng), k = pick(rng);
        REQUIRE(D[size_t(i) * N + k] <= D[size_t(i) * N + j] + D[size_t(j) * N + k] + 1e-12);
      }
    }
  }
}

TEST_CASE("FP matrices are row-stochastic and conserve mass exactly (spec tests 8-9)", "[mfg]") {
  for (const char* text : {kTriangle, kTheta, kTree})
  for (const char* overshoot : {"all", "onward"}) {
    INFO(overshoot);
    const Network net = parse_network(text, "net");
    const Grid g = make_grid(net, 0.05);
    const double dt = 0.05;
    const int NT = 20;
    Population pop;
    pop.nu = 0.4;
    pop.overshoot = overshoot;
    // random controls, including large ones that cross several vertices
    Controls ctl;
    ControlGrid cg;
    const std::vector<double> G(size_t(NT) * g.nodes(), 0.0);
    solve_hj(g, pop, cg, dt, NT, G, ctl);  // for the layout
    std::mt19937 rng(3);
    std::uniform_real_distribution<double> u(-40.0, 40.0);
    for (double& a : ctl.alpha) a = u(rng);
    require_stochastic_rows(g, Stencils(g, pop, dt), ctl, NT, 1e-14);
    std::vector<double> M0(static_cast<size_t>(g.nodes()));
    for (double& m : M0) m = std::fabs(u(rng));
    const double mass = std::accumulate(M0.begin(), M0.end(), 0.0);
    const std::vector<double> M = solve_fp(g, pop, dt, NT, ctl, M0);
    for (int n = 0; n <= NT; ++n) {
      const double s = std::accumulate(M.begin() + long(n) * g.nodes(), M.begin() + long(n + 1) * g.nodes(), 0.0);
      REQUIRE(std::fabs(s - mass) <= 1e-12 * mass);
    }
    REQUIRE(*std::min_element(M.begin(), M.end()) >= 0.0);
  }
}

TEST_CASE("The HJ stencil table holds the stencil of every slot and grid control, entry for entry", "[mfg]") {
  for (const char* text : {kTriangle, kTheta, kTree})
  for (const char* overshoot : {"all", "onward"}) {
    INFO(overshoot);
    const Network net = parse_network(text, "net");
    const Grid g = make_grid(net, 0.05);
    Population pop;
    pop.overshoot = overshoot;
    pop.branches = 3;
    const Stencils st(g, pop, 0.05);
    ControlGrid cg;
    cg.a_max = 30.0;  // large controls: crossings of several vertices, up to the depth cap
    cg.n = 21;
    Controls ctl;
    solve_hj(g, pop, cg, 0.05, 1, std::vector<double>(size_t(g.nodes()), 0.0), ctl);  // for the layout
    const std::vector<double> alphas = cg.values();
    const StencilTable t = stencil_table(g, st, ctl, alphas);
    REQUIRE(t.start.size() == size_t(ctl.slots) * alphas.size() + 1);
    std::vector<double> U(size_t(g.nodes()));
    std::mt19937 rng(5);
    for (double& x : U) x = std::uniform_real_distribution<double>(-1.0, 1.0)(rng);
    Stencil s;
    Expectation e{U.data()};
    for (int q = 0; q < g.nodes(); ++q) {
      const int slot = ctl.slot_of_node[size_t(q)];
      const int branches = q < net.vertices() ? int(net.incident[size_t(q)].size()) : 1;
      for (int k = 0; k < branches; ++k)
        for (size_t c = 0; c < alphas.size(); ++c) {
          if (q < net.vertices()) st.vertex_branch(q, k, alphas[c], s), st.vertex_branch(q, k, alphas[c], e);
          else st.interior(q, alphas[c], s), st.interior(q, alphas[c], e);
          const size_t r = size_t(slot + k) * alphas.size() + c;
          REQUIRE(t.start[r + 1] - t.start[r] == s.node.size());
          REQUIRE(std::equal(s.node.begin(), s.node.end(), t.node.begin() + long(t.start[r])));
          REQUIRE(std::equal(s.w.begin(), s.w.end(), t.w.begin() + long(t.start[r])));
          REQUIRE(std::fabs(t.expect(slot + k, int(c), U.data()) - e.value) <= 1e-14);
        }
    }
  }
}

TEST_CASE("HJ: U = h0 (T - t) with no coupling, and no steering at the last step (spec tests 10-11)", "[mfg]") {
  const Network net = parse_network(kTheta, "theta.net");
  const Grid g = make_grid(net, 0.02);
  const double dt = 0.05, h0 = 1.7;
  const int NT = 40;
  Population pop;
  pop.h = h0;
  ControlGrid cg;
  Controls ctl;
  const std::vector<double> U = solve_hj(g, pop, cg, dt, NT, std::vector<double>(size_t(NT) * g.nodes(), 0.0), ctl);
  for (int n = 0; n <= NT; ++n)
    for (int q = 0; q < g.nodes(); ++q) REQUIRE(U[size_t(n) * g.nodes() + q] == Approx(h0 * (NT - n) * dt).epsilon(1e-13));
  for (double a : ctl.alpha) REQUIRE(a == 0.0);
  // any coupling: the last step has U^{N_T} = 0, so the argmin of dt L is alpha = 0
  std::mt19937 rng(9);
  std::uniform_real_distribution<double> u(-3.0, 3.0);
  std::vector<double> G(size_t(NT) * g.nodes());
  for (double& v : G) v = u(rng);
  solve_hj(g, pop, cg, dt, NT, G, ctl);
  for (int s = 0; s < ctl.slots; ++s) REQUIRE(ctl.alpha[size_t(NT - 1) * ctl.slots + s] == 0.0);
  REQUIRE(std::any_of(ctl.alpha.begin(), ctl.alpha.end(), [](double a) { return a != 0.0; }));
}

namespace {

/// Hopf-Cole reference of the HJ equation -u_t - nu u_ss + u_s^2 / (2 lambda) = V(s), u(T) = 0,
/// on a cycle of length L: u = -2 lambda nu log w with w_tau = nu w_ss - V w / (2 lambda nu),
/// w(tau = 0) = 1, tau = T - t, by Crank-Nicolson on M points (a cyclic tridiagonal system,
/// Thomas with the Sherman-Morrison correction). Returns u(t = 0) at the M points s = L m / M.
std::vector<double> hopf_cole_cycle(double L, double T, double lambda, double nu, const std::function<double(double)>& V,
                                    int M, int steps) {
  const double h = L / M, k = T / steps, c = 1.0 / (2 * lambda * nu), off = -k * nu / (2 * h * h);
  std::vector<double> w(size_t(M), 1.0), diag(static_cast<size_t>(M)), rhs(static_cast<size_t>(M)), v(static_cast<size_t>(M));
  for (int m = 0; m < M; ++m) v[size_t(m)] = V(m * h);
  // (I - k/2 A) w' = (I + k/2 A) w,  A = nu D2 - c V
  const auto solve_cyclic = [&](std::vector<double> b) {  // diag, constant off-diagonals, corners
    const size_t n = size_t(M);
    std::vector<double> d = diag;
    const double gamma = -d[0];
    d[0] -= gamma, d[n - 1] -= off * off / gamma;
    std::vector<double> u(n, 0.0);
    u[0] = gamma, u[n - 1] = off;
    const auto thomas = [&](std::vector<double> r) {
      std::vector<double> cp(n), x(n);
      cp[0] = off / d[0];
      r[0] /= d[0];
      for (size_t i = 1; i < n; ++i) {
        const double den = d[i] - off * cp[i - 1];
        cp[i] = off / den;
        r[i] = (r[i] - off * r[i - 1]) / den;
      }
      x[n - 1] = r[n - 1];
      for (size_t i = n - 1; i-- > 0;) x[i] = r[i] - cp[i] * x[i + 1];
      return x;
    };
    const std::vector<double> y = thomas(b), z = thomas(u);
    const double f = (y[0] + off / gamma * y[n - 1]) / (1 + z[0] + off / gamma * z[n - 1]);
    for (size_t i = 0; i < n; ++i) b[i] = y[i] - f * z[i];
    return b;
  };
  for (int m = 0; m < M; ++m) diag[size_t(m)] = 1 + k * nu / (h * h) + 0.5 * k * c * v[size_t(m)];
  for (int step = 0; step < steps; ++step) {
    for (int m = 0; m < M; ++m) {
      const double wl = w[size_t((m + M - 1) % M)], wr = w[size_t((m + 1) % M)], wm = w[size_t(m)];
      rhs[size_t(m)] = wm + 0.5 * k * (nu * (wl - 2 * wm + wr) / (h * h) - c * v[size_t(m)] * wm);
    }
    w = solve_cyclic(rhs);
  }
  for (double& x : w) x = -2 * lambda * nu * std::log(x);
  return w;
}

}  // namespace

/// Spec test 12's measurement: the L1 error at t = 0 of the SL HJ solve (dt = dx, h = 0,
/// three-point noise, a time-independent potential) against a reference, at dx = 0.1 ... 0.0125,
/// per vertex rule. potential(g) and reference(g) give node values on grid g.
using NodeValues = std::function<std::vector<double>(const Grid&)>;
std::map<std::string, std::vector<double>> hj_errors(const Network& net, double T, double lambda, double nu,
                                                     const NodeValues& potential, const NodeValues& reference) {
  Population pop;
  pop.lambda = lambda, pop.nu = nu, pop.h = 0.0, pop.branches = 3;
  ControlGrid cg;
  std::map<std::string, std::vector<double>> errors_of;
  for (const char* scheme : {"all", "onward", "implicit"})  // the two vertex rules; implicit diffusion
  for (const double dx : {0.1, 0.05, 0.025, 0.0125}) {
    pop.overshoot = std::string(scheme) == "all" ? "all" : "onward";
    pop.diffusion = std::string(scheme) == "implicit" ? "implicit" : "branches";
    const Grid g = make_grid(net, dx);
    const int N = g.nodes(), NT = int(std::lround(T / dx));
    const std::vector<double> v = potential(g), u = reference(g);
    std::vector<double> G(size_t(NT) * size_t(N));
    for (int n = 0; n < NT; ++n) std::copy(v.begin(), v.end(), G.begin() + long(n) * N);
    Controls ctl;
    const std::vector<double> U = solve_hj(g, pop, cg, dx, NT, G, ctl);
    REQUIRE(ctl.saturated == 0);
    double err = 0.0;
    for (int q = 0; q < N; ++q) err += std::fabs(U[size_t(q)] - u[size_t(q)]) * g.measure[size_t(q)];
    errors_of[scheme].push_back(err);
  }
  return errors_of;
}

/// Every halving of dx cuts the error by at least 2^order, and the finest error is below `last`.
void require_orders(const std::map<std::string, std::vector<double>>& errors_of,
                    const std::map<std::string, std::pair<double, double>>& bound) {
  for (const auto& [rule, errors] : errors_of) {
    INFO(rule << ": L1 errors " << errors[0] << ", " << errors[1] << ", " << errors[2] << ", " << errors[3]);
    for (size_t k = 1; k < errors.size(); ++k) CHECK(std::log2(errors[k - 1] / errors[k]) >= bound.at(rule).first);
    CHECK(errors.back() < bound.at(rule).second);
  }
}

TEST_CASE("HJ against the Hopf-Cole reference on the triangle: the SL error falls with dx = dt (spec test 12)", "[mfg]") {
  // The triangle's three unit edges in file order make a cycle of length 3 (degree-2 vertices:
  // Kirchhoff = smoothness), so the reference is the periodic heat equation of Hopf-Cole.
  const Network net = parse_network(kTriangle, "triangle.net");
  const double T = 1.0, lambda = 1.0, nu = 0.2;
  const auto V = [](double s) { return 0.5 + 0.4 * std::cos(2 * M_PI * s / 3) + 0.2 * std::sin(4 * M_PI * s / 3); };
  const int M = 6000;
  const std::vector<double> ref = hopf_cole_cycle(3.0, T, lambda, nu, V, M, 2000);
  const auto arclength = [](const Grid& g) {  // along the cycle
    std::vector<double> s_of(static_cast<size_t>(g.nodes()));
    for (int j = 0; j < 3; ++j)
      for (int q = 0; q <= g.cells[size_t(j)]; ++q) s_of[size_t(g.node(j, q))] = j + q * g.dx[size_t(j)];
    return s_of;
  };
  const auto potential = [&](const Grid& g) {
    std::vector<double> v = arclength(g);
    for (double& x : v) x = V(x);
    return v;
  };
  const auto reference = [&](const Grid& g) {
    std::vector<double> u = arclength(g);
    for (double& x : u) {
      const double pos = x / 3.0 * M, f = pos - std::floor(pos);
      const int m0 = int(std::floor(pos)) % M, m1 = (m0 + 1) % M;
      x = (1 - f) * ref[size_t(m0)] + f * ref[size_t(m1)];
    }
    return u;
  };
  // Measured (2026-11-24), L1 errors at dx = 0.1 ... 0.0125:
  //   overshoot "all" (spec choice 6): 0.079, 0.057, 0.040, 0.028: order 0.47-0.51, below the
  //     spec's 0.7. The error at the vertices grows under refinement while mid-edge nodes
  //     converge: splitting an overshoot over all edges sends part of the drift back.
  //   overshoot "onward" (the default: no split back into the edge an overshoot came along):
  //     order 0.97-0.99, 0.0041 at dx = 0.0125.
  //   implicit diffusion ("onward"): 0.038, 0.019, 0.0094, 0.0047, order 1.00.
  // The bounds pin the measured orders, so a regression shows.
  require_orders(hj_errors(net, T, lambda, nu, potential, reference),
                 {{"all", {0.45, 0.03}}, {"onward", {0.85, 0.006}}, {"implicit", {0.95, 0.0055}}});
}

/// The Hopf-Cole reference on a metric graph: u = -2 lambda nu log w with
///   w_tau = nu w'' - V w / (2 lambda nu),  w(tau = 0) = 1  (tau = T - t),
/// continuity and Kirchhoff (sum_j d_j w = 0) at the vertices, by finite volumes on the fine
/// node graph of `g` ((M w)' = nu S w - c M V w with S the flux stiffness sum (w_s - w_q) / h
/// and M the cell measures, which holds Kirchhoff at the vertices) and Crank-Nicolson in tau; the
/// SPD system M + k/2 (c M V - nu S) is solved by Jacobi-preconditioned conjugate gradients.
/// Returns u at t = 0 on g's nodes.
std::vector<double> hopf_cole_graph(const Grid& g, double T, double lambda, double nu, const std::vector<double>& V,
                                    int steps) {
  const int N = g.nodes();
  const double k = T / steps, c = 1.0 / (2 * lambda * nu);
  const auto nb = node_graph(g);  // neighbour, h
  // y = (M + s (c M V - nu S)) x, s = +k/2 (the system) or -k/2 (the explicit half)
  const auto apply = [&](double s, const std::vector<double>& x, std::vector<double>& y) {
    for (int q = 0; q < N; ++q) {
      double flux = 0.0;
      for (const auto& [r, h] : nb[size_t(q)]) flux += (x[size_t(r)] - x[size_t(q)]) / h;
      y[size_t(q)] = g.measure[size_t(q)] * (1.0 + s * c * V[size_t(q)]) * x[size_t(q)] - s * nu * flux;
    }
  };
  std::vector<double> diag(static_cast<size_t>(N));
  for (int q = 0; q < N; ++q) {
    double sum = 0.0;
    for (const auto& [r, h] : nb[size_t(q)]) sum += 1.0 / h;
    diag[size_t(q)] = g.measure[size_t(q)] * (1.0 + 0.5 * k * c * V[size_t(q)]) + 0.5 * k * nu * sum;
  }
  std::vector<double> w(static_cast<size_t>(N), 1.0), b(w.size()), r(w.size()), z(w.size()), p(w.size()), Ap(w.size());
  const auto dot = [](const std::vector<double>& x, const std::vector<double>& y) {
    return std::inner_product(x.begin(), x.end(), y.begin(), 0.0);
  };
  for (int step = 0; step < steps; ++step) {
    apply(-0.5 * k, w, b);
    apply(0.5 * k, w, Ap);  // w is the first guess
    for (int q = 0; q < N; ++q) r[size_t(q)] = b[size_t(q)] - Ap[size_t(q)], p[size_t(q)] = z[size_t(q)] = r[size_t(q)] / diag[size_t(q)];
    double rz = dot(r, z);
    const double stop = 1e-28 * dot(b, b);
    for (int it = 0; it < 10 * N && dot(r, r) > stop; ++it) {
      apply(0.5 * k, p, Ap);
      const double alpha = rz / dot(p, Ap);
      for (int q = 0; q < N; ++q) w[size_t(q)] += alpha * p[size_t(q)], r[size_t(q)] -= alpha * Ap[size_t(q)];
      for (int q = 0; q < N; ++q) z[size_t(q)] = r[size_t(q)] / diag[size_t(q)];
      const double rz1 = dot(r, z);
      for (int q = 0; q < N; ++q) p[size_t(q)] = z[size_t(q)] + rz1 / rz * p[size_t(q)];
      rz = rz1;
    }
  }
  for (double& x : w) x = -2 * lambda * nu * std::log(x);
  return w;
}

/// P1 interpolation of node values `u` of grid `ref` at the nodes of grid `g` (same network).
std::vector<double> interpolate_nodes(const Grid& ref, const std::vector<double>& u, const Grid& g) {
  std::vector<double> out(static_cast<size_t>(g.nodes()));
  for (int q = 0; q < g.nodes(); ++q) {
    const int e = g.node_edge[size_t(q)];
    if (e < 0) {
      out[size_t(q)] = u[size_t(q)];  // a vertex: the same node index on every grid
      continue;
    }
    const double s = g.node_y[size_t(q)] / ref.dx[size_t(e)];
    const int m = std::min(int(std::floor(s)), ref.cells[size_t(e)] - 1);
    const double f = s - m;
    out[size_t(q)] = (1 - f) * u[size_t(ref.node(e, m))] + f * u[size_t(ref.node(e, m + 1))];
  }
  return out;
}

TEST_CASE("HJ against the Hopf-Cole reference on the diamond: degree-3 vertices (spec test 12, Test-2 graph)", "[mfg]") {
  const Network net = parse_network(kTheta, "theta.net");
  const double T = 1.0, lambda = 1.0, nu = 0.2;
  const auto V = [](double x, double y) { return 0.5 + 0.4 * std::sin(2 * M_PI * x + 0.7) + 0.3 * y; };
  const auto potential = [&](const Grid& g) {
    std::vector<double> v(static_cast<size_t>(g.nodes()));
    for (int q = 0; q < g.nodes(); ++q) v[size_t(q)] = V(g.px[size_t(q)], g.py[size_t(q)]);
    return v;
  };
  const Grid fine = make_grid(net, 0.0025);
  const std::vector<double> ref = hopf_cole_graph(fine, T, lambda, nu, potential(fine), 2000);
  // the reference converges: half its resolution moves it by far less than the SL errors below
  const Grid half = make_grid(net, 0.005);
  const std::vector<double> ref_half = interpolate_nodes(fine, ref, half),
                            coarse = hopf_cole_graph(half, T, lambda, nu, potential(half), 1000);
  double ref_change = 0.0;
  for (int q = 0; q < half.nodes(); ++q) ref_change += std::fabs(coarse[size_t(q)] - ref_half[size_t(q)]) * half.measure[size_t(q)];
  REQUIRE(ref_change < 2e-4);

  const auto errors_of = hj_errors(net, T, lambda, nu, potential,
                                   [&](const Grid& g) { return interpolate_nodes(fine, ref, g); });
  // Measured (2026-11-24), L1 errors at dx = 0.1 ... 0.0125 (the reference moves by 8e-6 when
  // its own resolution halves):
  //   "all" (the spec's rule): 0.100, 0.065, 0.043, 0.031: order 0.48-0.62, below the spec's 0.7,
  //     as on the triangle;
  //   "onward": 0.051, 0.026, 0.013, 0.0068: order 0.93-1.00, at degree-3 vertices too.
  // (A potential with extrema at the vertices, 0.4 cos(2 pi x), hides the difference: both
  // rules reach order 0.8-1.1 there.) Implicit diffusion ("onward"): 0.074, 0.037, 0.019,
  // 0.0093, order 1.00 (backward Euler's error constant is about 1.4x the branches').
  // The bounds pin the measured orders.
  require_orders(errors_of, {{"all", {0.4, 0.035}}, {"onward", {0.85, 0.008}}, {"implicit", {0.95, 0.0105}}});
}

TEST_CASE("Triangle: the fixed point is invariant under the 120-degree rotation and converges (spec tests 15, 17)", "[mfg]") {
  auto cpu = make_cpu_backend();
  const Network net = parse_network(kTriangle, "triangle.net");
  const Grid g = make_grid(net, 0.05);
  MfgConfig cfg;
  cfg.dx = 0.05;
  cfg.dt = 0.05;
  cfg.T = 1.0;
  cfg.workers.sl = {1.0, 0.4, 1.0};
  cfg.firms.sl = {4.0, 0.2, 1.0};
  cfg.workers.a = 0.5, cfg.firms.a = 0.1, cfg.workers.b = 4, cfg.firms.b = 8;
  cfg.workers.initial = {"uniform", 1.2};
  cfg.firms.initial = {"uniform", 0.8};
  // a rotation-invariant seed: a mode-3 cosine along the cycle (period = one edge)
  cfg.workers.initial = {"cosine", 1.2, 0.1, 3.0, 0.0};
  cfg.firms.initial = {"cosine", 0.8, 0.1, 3.0, M_PI / 2};
  cfg.max_iter = 5;
  // rotation: vertex v -> v+1, interior node q of edge j -> node q of edge j+1
  const int N = g.nodes();
  std::vector<int> rot(static_cast<size_t>(N));
  for (int j = 0; j < 3; ++j)
    for (int q = 0; q <= g.cells[size_t(j)]; ++q) rot[size_t(g.node(j, q))] = g.node((j + 1) % 3, q);
  // the grid-only control search is exactly equivariant (1e-10, the spec's bound); the
  // golden-section refinement resolves controls to 1e-9 a_max, so round-off may pick a
  // different point of a flat minimum on rotated nodes: 1e-5 (measured 2.8e-6 under "onward")
  for (const char* overshoot : {"all", "onward"})
  for (const bool refine : {false, true}) {
    cfg.workers.sl.overshoot = cfg.firms.sl.overshoot = overshoot;
    cfg.controls.refine = refine;
    const MfgResult r = solve_mfg(*cpu, g, node_distances(g), cfg);
    double scale = *std::max_element(r.Mw.begin(), r.Mw.end()), worst = 0.0;
    for (int n = 0; n <= r.NT; ++n)
      for (int q = 0; q < N; ++q) {
        worst = std::max(worst, std::fabs(r.Mw[size_t(n) * N + q] - r.Mw[size_t(n) * N + rot[size_t(q)]]));
        worst = std::max(worst, std::fabs(r.Mf[size_t(n) * N + q] - r.Mf[size_t(n) * N + rot[size_t(q)]]));
      }
    INFO(overshoot << ", refine " << refine << ": " << worst / scale);
    REQUIRE(worst <= (refine ? 1e-5 : 1e-10) * scale);
  }
  cfg.controls.refine = true;

  // Picard converges with the Schroedinger potentials (variant C); variants A and B carry
  // eps log m, which turns empty nodes into wells and makes the iteration oscillate (note)
  cfg.potential = "C";
  cfg.max_iter = 50;
  const MfgResult c = solve_mfg(*cpu, g, node_distances(g), cfg);
  INFO("residuals: " << c.residuals.front() << " ... " << c.residuals.back() << " after " << c.iterations);
  REQUIRE(c.converged);
  for (int n = 0; n <= c.NT; ++n) {
    const double mw = std::accumulate(c.Mw.begin() + long(n) * N, c.Mw.begin() + long(n + 1) * N, 0.0);
    REQUIRE(std::fabs(mw - c.mass_w) <= 1e-12 * c.mass_w);
  }
}

TEST_CASE("Monotone case: different first iterates converge to the same solution (spec test 16)", "[mfg]") {
  // F^w = F^f = C (m^w + m^f - b)^+ at each node (a ball of one node), no separation, OT
  // variant B: a monotone game, so the fixed point is unique whatever M^(0) is. Picard stalls
  // here and fictitious play (damping 1/(s+1)) converges like 1/s, so tol is 1e-3 (about 350
  // iterations); with three-point noise and relaxed controls.
  auto cpu = make_cpu_backend();
  const Network net = parse_network(kTriangle, "triangle.net");
  const Grid g = make_grid(net, 0.1);
  MfgConfig cfg;
  cfg.dx = 0.1;
  cfg.dt = 0.1;
  cfg.T = 1.0;
  cfg.potential = "B";
  cfg.separation = false;
  cfg.r = 0.05;  // < dx: each ball is its own node
  cfg.workers.C = cfg.firms.C = 2.0;
  cfg.workers.b = cfg.firms.b = 1.5;
  cfg.workers.initial = {"cosine", 1.2, 0.5, 1.0, 0.0};
  cfg.firms.initial = {"cosine", 0.8, 0.5, 2.0, 1.0};
  cfg.workers.sl.branches = cfg.firms.sl.branches = 3;
  cfg.controls.temperature = 1e-3;
  cfg.tol = 1e-3;
  cfg.max_iter = 1000;
  const std::vector<double> D = node_distances(g);
  const MfgResult plain = solve_mfg(*cpu, g, D, cfg);
  INFO("default start: " << plain.iterations << " iterations, residual " << plain.residuals.back());
  REQUIRE(plain.converged);
  const int N = g.nodes(), NT = plain.NT;
  const double length = net.total_length();
  // Other first iterates: everyone spread uniformly at t > 0, and the populations swapped.
  MfgGuess uniform, swapped;
  for (int n = 0; n <= NT; ++n)
    for (int q = 0; q < N; ++q) {
      const size_t k = size_t(n) * size_t(N) + size_t(q);
      const double share = g.measure[size_t(q)] / length;
      uniform.Mw.push_back(n == 0 ? plain.Mw[size_t(q)] : plain.mass_w * share);
      uniform.Mf.push_back(n == 0 ? plain.Mf[size_t(q)] : plain.mass_f * share);
      swapped.Mw.push_back(n == 0 ? plain.Mw[size_t(q)] : plain.Mf[k] * plain.mass_w / plain.mass_f);
      swapped.Mf.push_back(n == 0 ? plain.Mf[size_t(q)] : plain.Mw[k] * plain.mass_f / plain.mass_w);
    }
  for (const MfgGuess* guess : {&uniform, &swapped}) {
    const MfgResult other = solve_mfg(*cpu, g, D, cfg, {}, {}, guess);
    INFO("other start: " << other.iterations << " iterations, residual " << other.residuals.back());
    REQUIRE(other.converged);
    double diff = 0.0;
    for (int n = 0; n <= NT; ++n) {
      double dw = 0.0, df = 0.0;
      for (int q = 0; q < N; ++q) {
        const size_t k = size_t(n) * size_t(N) + size_t(q);
        dw += std::fabs(other.Mw[k] - plain.Mw[k]);
        df += std::fabs(other.Mf[k] - plain.Mf[k]);
      }
      diff = std::max({diff, dw / plain.mass_w, df / plain.mass_f});
    }
    INFO("largest L1 difference " << diff);
    CHECK(other.residuals.front() > 10 * cfg.tol);  // it did start elsewhere
    REQUIRE(diff < 10 * cfg.tol);
  }
}

namespace {

/// A resumed solve ends with the uninterrupted one's bits.
void require_same_solve(const MfgResult& resumed, const MfgResult& whole) {
  REQUIRE(resumed.iterations == whole.iterations);
  REQUIRE(resumed.Mw == whole.Mw);
  REQUIRE(resumed.Mf == whole.Mf);
  REQUIRE(resumed.Uw == whole.Uw);
  REQUIRE(resumed.Uf == whole.Uf);
  REQUIRE(resumed.residuals == whole.residuals);
  REQUIRE(resumed.thetas == whole.thetas);
  REQUIRE(resumed.sweeps == whole.sweeps);
  REQUIRE(resumed.ot_iterations == whole.ot_iterations);
}

}  // namespace

TEST_CASE("Newton-Krylov reaches Picard's fixed point, quadratically, and resumes to the same bits", "[mfg]") {
  auto cpu = make_cpu_backend();
  const Network net = parse_network(kTheta, "theta.net");  // the grid points to it
  const Grid g = make_grid(net, 0.1);
  const MfgConfig cfg = coarse_test2_config();
  const std::vector<double> D = node_distances(g);
  const MfgResult picard = solve_mfg(*cpu, g, D, cfg);
  INFO("Picard: " << picard.iterations << " iterations, residual " << picard.residuals.back());
  REQUIRE(picard.converged);
  MfgConfig nc = cfg;
  nc.solver = "newton";
  nc.max_iter = 20;
  std::vector<std::string> saved;
  models::Checkpointing ck;
  ck.every = 1;
  ck.save = [&](const models::StateBytes& state) { saved.push_back(state()); };
  const MfgResult newton = solve_mfg(*cpu, g, D, nc, {}, ck);
  std::ostringstream trace;
  for (size_t k = 0; k < newton.residuals.size(); ++k) trace << newton.residuals[k] << " (step " << newton.thetas[k] << ") ";
  INFO("Newton residuals: " << trace.str() << "; " << newton.sweeps << " sweeps; Picard " << picard.iterations);
  REQUIRE(newton.converged);
  REQUIRE(newton.iterations <= 8);
  REQUIRE(newton.residuals.size() == size_t(newton.iterations) + 1);  // the start, then each step
  // superlinear: the second step contracts the residual far more than the first (Picard's
  // contraction is about constant); after that the OT tolerance's noise floor is near
  const std::vector<double>& res = newton.residuals;
  REQUIRE(res.size() >= 3);
  CHECK(res[2] / res[1] < 0.1 * res[1] / res[0]);
  double diff = 0.0;
  for (size_t q = 0; q < picard.Mw.size(); ++q)
    diff = std::max({diff, std::fabs(newton.Mw[q] - picard.Mw[q]) / picard.mass_w,
                     std::fabs(newton.Mf[q] - picard.Mf[q]) / picard.mass_f});
  REQUIRE(diff < 1e-9);
  REQUIRE(newton.Uw.size() == picard.Uw.size());  // the solution's value functions are kept
  for (size_t q = 0; q < picard.Uw.size(); ++q) REQUIRE(newton.Uw[q] == Approx(picard.Uw[q]).margin(1e-6));

  REQUIRE(saved.size() == size_t(newton.iterations) - 1);  // after every step but the last
  models::Checkpointing from;
  from.initial = saved[0];
  const MfgResult resumed = solve_mfg(*cpu, g, D, nc, {}, from);
  REQUIRE(resumed.resumed_at == 1);
  require_same_solve(resumed, newton);
}

TEST_CASE("Newton-Krylov gets far below a slow Picard run, and stops at its noise floor as stalled", "[mfg]") {
  auto cpu = make_cpu_backend();
  const Network net = parse_network(kTheta, "theta.net");
  const Grid g = make_grid(net, 0.1);
  MfgConfig cfg = coarse_theta_config();  // argmin controls: Picard contracts slowly here
  cfg.firms.sl = {4.0, 0.2, 1.0};         // Table 1's firms (as `migra mfg` reads them)
  cfg.firms.a = 0.1, cfg.firms.b = 8.0;
  cfg.tol = 1e-9;
  cfg.max_iter = 60;
  const std::vector<double> D = node_distances(g);
  const MfgResult picard = solve_mfg(*cpu, g, D, cfg);
  cfg.solver = "newton";
  const MfgResult newton = solve_mfg(*cpu, g, D, cfg);
  INFO("Picard " << picard.residuals.back() << " after " << picard.iterations << "; Newton " << newton.residuals.back()
                 << " after " << newton.iterations << " steps (" << newton.sweeps << " sweeps)");
  REQUIRE_FALSE(picard.converged);
  REQUIRE(picard.residuals.back() > 1e-5);
  REQUIRE(newton.residuals.back() < 1e-6);  // the finite-difference Jacobian's floor is near 1e-8
  REQUIRE_FALSE(newton.converged);         // tol 1e-9 is below it
  REQUIRE(newton.stalled);
  REQUIRE(newton.iterations < cfg.max_iter);
  REQUIRE_FALSE(picard.stalled);           // a Newton notion: Picard runs its damping stages
}

TEST_CASE("A Picard solve resumed from a checkpoint ends with the uninterrupted bits", "[mfg]") {
  auto cpu = make_cpu_backend();
  const Network net = parse_network(kTheta, "theta.net");  // the grid points to it
  const Grid g = make_grid(net, 0.1);
  MfgConfig cfg = coarse_theta_config();
  cfg.tol = 1e-9;
  cfg.max_iter = 14;  // past the first damping stage change (after 5 stalled iterations) if it stalls
  const std::vector<double> D = node_distances(g);
  std::vector<std::string> saved;
  models::Checkpointing ck;
  ck.every = 3;
  ck.save = [&](const models::StateBytes& state) { saved.push_back(state()); };
  const MfgResult whole = solve_mfg(*cpu, g, D, cfg, {}, ck);
  REQUIRE(saved.size() == 4);  // after iterations 3, 6, 9 and 12
  for (const std::size_t k : {std::size_t(0), std::size_t(2)}) {
    models::Checkpointing from;
    from.initial = saved[k];
    const MfgResult resumed = solve_mfg(*cpu, g, D, cfg, {}, from);
    INFO("resumed after iteration " << 3 * (k + 1));
    REQUIRE(resumed.resumed_at == int(3 * (k + 1)));
    require_same_solve(resumed, whole);
  }
  models::Checkpointing wrong;
  wrong.initial = saved[0].substr(0, 40);
  REQUIRE_THROWS_WITH(solve_mfg(*cpu, g, D, cfg, {}, wrong), Catch::Contains("too short"));
}

TEST_CASE("Pure diffusion converges to the heat equation on a segment (branches and implicit), and to uniform on the triangle (spec test 13)", "[mfg]") {
  // m_t = nu m'' on [0, 1] with reflecting ends: m = 1 + e^{-nu pi^2 t} cos(pi x); dt = dx
  const Network seg = parse_network("vertex a 0 0\nvertex b 1 0\nedge a b\n", "segment.net");
  const double nu = 0.4, T = 0.5;
  const auto l1_error = [&](double dx, const Population& pop) {
    const double dt = dx;
    const int NT = int(std::lround(T / dt));
    const Grid g = make_grid(seg, dx);
    ControlGrid cg;
    Controls ctl;
    // no coupling and a constant h: every optimal control is exactly 0 (test 10)
    solve_hj(g, pop, cg, dt, NT, std::vector<double>(size_t(NT) * g.nodes(), 0.0), ctl);
    std::vector<double> M0(static_cast<size_t>(g.nodes()));
    for (int q = 0; q < g.nodes(); ++q) M0[size_t(q)] = (1.0 + std::cos(M_PI * g.px[size_t(q)])) * g.measure[size_t(q)];
    const std::vector<double> M = solve_fp(g, pop, dt, NT, ctl, M0);
    double err = 0.0;
    for (int q = 0; q < g.nodes(); ++q) {
      const double exact = 1.0 + std::exp(-nu * M_PI * M_PI * T) * std::cos(M_PI * g.px[size_t(q)]);
      err += std::fabs(M[size_t(NT) * g.nodes() + q] / g.measure[size_t(q)] - exact) * g.measure[size_t(q)];
    }
    return err;
  };
  const Population two{1.0, nu, 0.0, 2}, three{1.0, nu, 0.0, 3};
  Population implicit{1.0, nu, 0.0};
  implicit.diffusion = "implicit";
  const std::vector<double> dxs = {0.04, 0.02, 0.01, 0.005, 0.0025};
  for (size_t k = 1; k < dxs.size(); ++k) {
    const double coarse = l1_error(dxs[k - 1], two), fine = l1_error(dxs[k], two);
    INFO("two-point rule: L1 errors " << coarse << " -> " << fine);
    REQUIRE(std::log2(coarse / fine) >= 0.7);  // the spec's observed order
    // the three-point rule matches the Gaussian's moments to order 5: far smaller errors
    REQUIRE(l1_error(dxs[k], three) < 0.1 * fine);
    // implicit diffusion (backward Euler) is first order in dt; from dx = 0.02 on, T / dt is
    // whole (at 0.04 rounding lengthens T)
    if (k < 2) continue;
    const double coarse_be = l1_error(dxs[k - 1], implicit), fine_be = l1_error(dxs[k], implicit);
    INFO("implicit diffusion: L1 errors " << coarse_be << " -> " << fine_be);
    REQUIRE(std::log2(coarse_be / fine_be) >= 0.9);
  }
  // the triangle: a bump spreads to the uniform density 1/|Gamma| (per unit mass). Here
  // sigma = sqrt(2 nu dt) = 0.2 is 10 cells, so the paper's two-point rule lands on nodes only
  // and never mixes the 10 node classes (the mass stays on one class: density 10/3 there);
  // the three-point rule lands between nodes and mixes them.
  // The same on the diamond (Test 2's theta graph, two degree-3 vertices), under both vertex
  // rules: the limit is 1/|Gamma| with |Gamma| = 1 + 4 sqrt(1/2). Measured at t = 80, relative
  // to 1/|Gamma|: triangle 5e-11 (both rules); diamond 0.79 % ("all"), 1.08 % ("onward").
  for (const char* text : {kTriangle, kTheta})
  for (const char* overshoot : {"all", "onward"}) {
    const Network net = parse_network(text, "net");
    const double length = net.total_length();
    INFO(length << ", " << overshoot);
    const Grid g = make_grid(net, 0.02);
    Population pop{1.0, nu, 0.0};
    pop.branches = 3;
    pop.overshoot = overshoot;
    const int NT = 1600;  // t = 80: the diamond's slowest mode needs it
    Controls ctl;
    ControlGrid cg;
    solve_hj(g, pop, cg, 0.05, NT, std::vector<double>(size_t(NT) * g.nodes(), 0.0), ctl);
    std::vector<double> M0(static_cast<size_t>(g.nodes()), 0.0);
    M0[size_t(g.node(0, 10))] = 1.0;
    const std::vector<double> M = solve_fp(g, pop, 0.05, NT, ctl, M0);
    double worst = 0.0;
    for (int q = 0; q < g.nodes(); ++q)
      worst = std::max(worst, std::fabs(M[size_t(NT) * g.nodes() + q] / g.measure[size_t(q)] - 1.0 / length));
    REQUIRE(worst < 0.02 / length);  // O(dx) at large t
  }
}

TEST_CASE("Labour-market potentials: monotone (A, B) and 1-Lipschitz (C) on the theta graph (spec tests 6-7)", "[mfg]") {
  auto cpu = make_cpu_backend();
  const Network net = parse_network(kTheta, "theta.net");
  const Grid g = make_grid(net, 0.05);
  const int N = g.nodes(), pairs = 1000;
  const std::vector<double> D = node_distances(g);
  const std::vector<double> cost = commuting_costs("linear", D);
  // 2 x pairs random measures of unit mass with full support (batch rows 2k and 2k + 1)
  std::mt19937_64 rng(17);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> Mw(size_t(2 * pairs) * N), Mf(Mw.size());
  for (int k = 0; k < 2 * pairs; ++k) {
    double sw = 0.0, sf = 0.0;
    for (int q = 0; q < N; ++q) {
      sw += Mw[size_t(k) * N + q] = std::pow(u(rng), 3.0) + 1e-3;
      sf += Mf[size_t(k) * N + q] = std::pow(u(rng), 3.0) + 1e-3;
    }
    for (int q = 0; q < N; ++q) Mw[size_t(k) * N + q] /= sw, Mf[size_t(k) * N + q] /= sf;
  }
  MfgConfig cfg;
  cfg.eps = 0.5;
  cfg.ot_tol = 1e-13;
  for (const char* variant : {"A", "B", "C"}) {
    cfg.potential = variant;
    const MarketPotentials p = market_potentials(*cpu, g, cost, cfg, Mw.data(), Mf.data(), 2 * pairs, 1.0, 1.0);
    REQUIRE(p.sinkhorn.converged);
    if (std::string(variant) != "C") {
      double worst = INFINITY;
      for (int k = 0; k < pairs; ++k) {
        const size_t s1 = size_t(2 * k) * N, s2 = size_t(2 * k + 1) * N;
        double pairing = 0.0;
        for (int q = 0; q < N; ++q)
          pairing += (p.w[s1 + q] - p.w[s2 + q]) * (Mw[s1 + q] - Mw[s2 + q]) +
                     (p.f[s1 + q] - p.f[s2 + q]) * (Mf[s1 + q] - Mf[s2 + q]);
        worst = std::min(worst, pairing);
      }
      INFO("variant " << variant << ": smallest pairing " << worst);
      REQUIRE(worst >= -1e-10);  // (19): sum_k <phi_1 - phi_2, m_1 - m_2> >= 0
    } else {
      double worst = -INFINITY;
      for (int k = 0; k < 50; ++k)
        for (int q = 0; q < N; ++q)
          for (int s = 0; s < N; ++s)
            worst = std::max(worst, std::fabs(p.w[size_t(k) * N + q] - p.w[size_t(k) * N + s]) - D[size_t(q) * N + s]);
      REQUIRE(worst <= 1e-12);  // Prop. A.1 with L_c = 1
    }
  }
}

TEST_CASE("Relaxed controls: stochastic FP rows, exact mass, and the argmin as the temperature vanishes", "[mfg]") {
  const Network net = parse_network(kTheta, "theta.net");
  const Grid g = make_grid(net, 0.05);
  const double dt = 0.05;
  const int NT = 10;
  Population pop;
  pop.branches = 3;
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<double> G(size_t(NT) * g.nodes());
  for (double& v : G) v = u(rng);
  ControlGrid hard;
  hard.refine = false;
  ControlGrid soft = hard;
  soft.temperature = 1e-3;
  Controls ch, cs;
  const std::vector<double> Uh = solve_hj(g, pop, hard, dt, NT, G, ch);
  const std::vector<double> Us = solve_hj(g, pop, soft, dt, NT, G, cs);
  // min J <= soft-min = min J - T log mean e^{-(J - min)/T} <= min J + T log(#controls), and
  // the schemes' averages do not expand differences: at most N_T such steps
  for (size_t k = 0; k < Uh.size(); ++k) {
    REQUIRE(Us[k] >= Uh[k] - 1e-12);
    REQUIRE(Us[k] <= Uh[k] + NT * soft.temperature * std::log(double(soft.n)) + 1e-12);
  }
  require_stochastic_rows(g, Stencils(g, pop, dt), cs, NT, 1e-13);
  std::vector<double> M0(static_cast<size_t>(g.nodes()), 1.0);
  const std::vector<double> M = solve_fp(g, pop, dt, NT, cs, M0);
  const double last = std::accumulate(M.end() - g.nodes(), M.end(), 0.0);
  REQUIRE(std::fabs(last - g.nodes()) < 1e-12 * g.nodes());
  // a vanishing temperature puts all the weight on the grid argmin
  soft.temperature = 1e-14;
  Controls cz;
  solve_hj(g, pop, soft, dt, NT, G, cz);
  for (size_t k = 0; k < ch.alpha.size(); ++k) REQUIRE(cz.alpha[k] == Approx(ch.alpha[k]).margin(1e-9));
}

TEST_CASE("Rent kernels: the ball and the Gaussian average a uniform density to itself, rents by hand", "[mfg]") {
  const Network net = parse_network(kTheta, "theta.net");
  const Grid g = make_grid(net, 0.05);
  const std::vector<double> D = node_distances(g);
  MfgConfig cfg;
  cfg.r = 0.15;
  const Balls ball = make_balls(g, D, cfg.r, "ball"), gauss = make_balls(g, D, cfg.r, "gaussian");
  for (double w : ball.weight) REQUIRE(w == 1.0);
  REQUIRE(gauss.node.size() > ball.node.size());  // reaches 4r
  for (size_t k = 0; k < gauss.node.size(); ++k) REQUIRE((gauss.weight[k] > 0.0 && gauss.weight[k] <= 1.0));
  // uniform densities 1.5 (workers) and 1 (firms): m# is exact whatever the kernel, so
  // F^w = (a^w - 1.5 / (2.5 + eta))^- + C^w (2.5 - b^w)^+ and the same for the firms
  cfg.workers.b = 2.0;
  cfg.workers.C = 3.0;
  cfg.firms.a = 0.45;
  std::vector<double> Mw(size_t(g.nodes())), Mf(size_t(g.nodes()));
  for (int q = 0; q < g.nodes(); ++q) Mw[size_t(q)] = 1.5 * g.measure[size_t(q)], Mf[size_t(q)] = g.measure[size_t(q)];
  for (const Balls* b : {&ball, &gauss}) {
    std::vector<double> Fw(size_t(g.nodes())), Ff(size_t(g.nodes()));
    rents(g, *b, cfg, Mw.data(), Mf.data(), Fw.data(), Ff.data());
    const double fw = std::max(0.5 - 1.5 / (2.5 + cfg.eta), 0.0) + 3.0 * 0.5;
    const double ff = (0.45 - 1.0 / (2.5 + cfg.eta)) + 0.0;  // b^f = 8: no overcrowding
    for (int q = 0; q < g.nodes(); ++q) {
      REQUIRE(Fw[size_t(q)] == Approx(fw).epsilon(1e-13));
      REQUIRE(Ff[size_t(q)] == Approx(ff).epsilon(1e-13));
    }
  }
  REQUIRE_THROWS_WITH(make_balls(g, D, cfg.r, "box"), Catch::Contains("rent kernel must be ball or gaussian"));
}

TEST_CASE("Smoothed rents: softplus within delta log 2 above the kink, and the kink as delta vanishes", "[mfg]") {
  for (double x : {-3.0, -0.1, -1e-3, 0.0, 1e-3, 0.1, 3.0, 800.0, -800.0}) {
    REQUIRE(positive_part(x, 0.0) == std::max(x, 0.0));
    for (double delta : {1e-1, 1e-2, 1e-4}) {
      const double sp = positive_part(x, delta);
      REQUIRE(std::isfinite(sp));
      REQUIRE(sp >= std::max(x, 0.0));
      REQUIRE(sp <= std::max(x, 0.0) + delta * std::log(2.0) * (1 + 1e-12));
      // the softplus's own value, where it can be computed directly
      if (std::fabs(x / delta) < 30) REQUIRE(sp == Approx(delta * std::log1p(std::exp(x / delta))).epsilon(1e-12));
    }
  }
  REQUIRE(positive_part(0.0, 1e-2) == Approx(1e-2 * std::log(2.0)).epsilon(1e-14));
  // derivative 1/2 at the kink, by central differences: smooth where max(x, 0) has a corner
  const double h = 1e-6, delta = 1e-2;
  REQUIRE((positive_part(h, delta) - positive_part(-h, delta)) / (2 * h) == Approx(0.5).epsilon(1e-6));
}

namespace {

/// max over times and populations of |G(M) - M|_1 / Mass at viscosities nu / divisor
double fixed_point_residual(Backend& be, const Grid& g, const std::vector<double>& D, const MfgConfig& cfg,
                            const MfgResult& r, double divisor) {
  const PicardMap G(be, g, D, cfg);
  const Sweep s = G(r.Mw.data(), r.Mf.data(), nullptr, Knobs{1.0 / divisor, 1.0, 1.0});
  return G.distance(s.Mw.data(), s.Mf.data(), r.Mw.data(), r.Mf.data());
}

}  // namespace

TEST_CASE("Pseudo-arclength continuation passes the fold where Newton finds no fixed point, onto a second one", "[mfg]") {
  // Natural continuation in nu ends at a fold (issue 5 note): the branch of fixed points turns
  // back to larger viscosities, so below the fold's nu there is no nearby fixed point. The
  // arclength solver follows the branch round it; past it, at the same nu as a point before
  // it, stands a second fixed point.
  auto cpu = make_cpu_backend();
  const Network net = parse_network(kTriangle, "triangle.net");
  const MfgConfig cfg = coarse_test1a_config();
  const Grid g = make_grid(net, cfg.dx);
  const std::vector<double> D = node_distances(g);
  const MfgResult start = solve_mfg(*cpu, g, D, cfg);
  REQUIRE(start.converged);
  const MfgGuess guess{start.Mw, start.Mf};
  MfgConfig ac = cfg;
  ac.solver = "arclength";
  ac.arclength_step = 0.1;
  ac.arclength_to = 16;
  ac.arclength_points = 8;  // up to just before the fold
  const MfgResult before = solve_mfg(*cpu, g, D, ac, {}, {}, &guess);
  ac.arclength_points = 16;  // the same points, and on round the fold
  const MfgResult past = solve_mfg(*cpu, g, D, ac, {}, {}, &guess);
  std::ostringstream trace;
  for (const auto& b : past.branch) trace << b.scale << " (" << b.residual << ", " << b.corrector_steps << ") ";
  INFO("branch: divisor (residual, corrector steps): " << trace.str());
  REQUIRE(past.branch.size() == 16);
  REQUIRE(past.branch_end == "points");
  for (const auto& b : past.branch) REQUIRE(b.residual < cfg.tol);
  for (size_t k = 0; k < before.branch.size(); ++k) REQUIRE(before.branch[k].scale == past.branch[k].scale);
  // the divisor rises to a fold inside the branch, then falls
  size_t fold = 0;
  for (size_t k = 1; k < past.branch.size(); ++k)
    if (past.branch[k].scale > past.branch[fold].scale) fold = k;
  INFO("fold at point " << fold << ", nu / " << 16 * past.branch[fold].scale);
  REQUIRE(fold > before.branch.size() - 1);
  REQUIRE(fold + 3 < past.branch.size());
  const double s_before = before.branch.back().scale, s_past = past.branch.back().scale;
  REQUIRE(s_past < s_before);
  // Both ends are fixed points of G at their viscosities, checked afresh (a cold Sinkhorn)
  CHECK(fixed_point_residual(*cpu, g, D, cfg, before, s_before) < 10 * cfg.tol);
  CHECK(fixed_point_residual(*cpu, g, D, cfg, past, s_past) < 10 * cfg.tol);
  // Newton at the last point's nu from the point before the fold converges to the first
  // branch's fixed point, which is not the one round the fold
  MfgConfig nc = cfg;
  nc.solver = "newton";
  nc.max_iter = 20;
  nc.workers.sl.nu /= s_past, nc.firms.sl.nu /= s_past;
  const MfgGuess from_before{before.Mw, before.Mf};
  const MfgResult first = solve_mfg(*cpu, g, D, nc, {}, {}, &from_before);
  REQUIRE(first.converged);
  const PicardMap G(*cpu, g, D, nc);
  const double apart = G.distance(first.Mw.data(), first.Mf.data(), past.Mw.data(), past.Mf.data());
  INFO("the two fixed points at nu / " << 16 * s_past << " differ by " << apart);
  REQUIRE(apart > 100 * cfg.tol);

  ac.arclength_to = 1.25;  // a narrow window: the walk ends where s leaves it, and says so
  const MfgResult narrow = solve_mfg(*cpu, g, D, ac, {}, {}, &guess);
  REQUIRE(narrow.converged);
  REQUIRE(narrow.branch_end == "window");
  REQUIRE(narrow.branch.size() < 16);
  REQUIRE(narrow.branch.back().scale >= 1.25);
  REQUIRE(narrow.branch[narrow.branch.size() - 2].scale < 1.25);
}

TEST_CASE("Arclength walks in C and b: the first point is Newton's fixed point at C s or b / s", "[mfg]") {
  // The first step of a walk is a natural one (its direction is the parameter's), so its point
  // must be the fixed point a Newton solve finds with the config's C times s, or b over s.
  auto cpu = make_cpu_backend();
  const Network net = parse_network(kTriangle, "triangle.net");
  MfgConfig cfg = coarse_table1_config();
  cfg.workers.b = cfg.firms.b = 2.0;  // the total density: overcrowding binds in part
  cfg.workers.C = cfg.firms.C = 2.0;
  const Grid g = make_grid(net, cfg.dx);
  const std::vector<double> D = node_distances(g);
  const MfgResult start = solve_mfg(*cpu, g, D, cfg);
  REQUIRE(start.converged);
  const MfgGuess guess{start.Mw, start.Mf};
  for (const std::string parameter : {"C", "b"}) {
    MfgConfig ac = cfg;
    ac.solver = "arclength";
    ac.arclength_parameter = parameter;
    ac.arclength_step = 0.1;
    ac.arclength_points = 2;
    const MfgResult walk = solve_mfg(*cpu, g, D, ac, {}, {}, &guess);
    REQUIRE(walk.branch.size() == 2);
    const double s = walk.branch[1].scale;
    REQUIRE(s == Approx(std::exp(0.1)).epsilon(1e-9));
    MfgConfig nc = cfg;
    nc.solver = "newton";
    for (PopulationConfig* p : {&nc.workers, &nc.firms}) (parameter == "C" ? p->C *= s : p->b /= s);
    const MfgResult newton = solve_mfg(*cpu, g, D, nc, {}, {}, &guess);
    REQUIRE(newton.converged);
    const PicardMap G(*cpu, g, D, cfg);
    const double gap = G.distance(walk.Mw.data(), walk.Mf.data(), newton.Mw.data(), newton.Mf.data());
    const double moved = G.distance(walk.Mw.data(), walk.Mf.data(), start.Mw.data(), start.Mf.data());
    INFO(parameter << ": s " << s << ", walk vs Newton " << gap << ", moved " << moved);
    REQUIRE(moved > 1e-4);  // the parameter does move the fixed point
    REQUIRE(gap < 1e-3 * moved);
  }
}

TEST_CASE("An arclength walk resumed from a checkpoint inside it ends with the uninterrupted bits", "[mfg]") {
  auto cpu = make_cpu_backend();
  const Network net = parse_network(kTriangle, "triangle.net");
  MfgConfig cfg = coarse_table1_config();
  const Grid g = make_grid(net, cfg.dx);
  const std::vector<double> D = node_distances(g);
  const MfgResult start = solve_mfg(*cpu, g, D, cfg);
  REQUIRE(start.converged);
  const MfgGuess guess{start.Mw, start.Mf};
  cfg.solver = "arclength";
  cfg.arclength_step = 0.1;
  cfg.arclength_to = 100;
  cfg.arclength_points = 6;
  std::vector<std::string> saved;
  models::Checkpointing ck;
  ck.every = 1;
  ck.save = [&](const models::StateBytes& state) { saved.push_back(state()); };
  const MfgResult whole = solve_mfg(*cpu, g, D, cfg, {}, ck, &guess);
  REQUIRE(whole.branch.size() == 6);
  REQUIRE(saved.size() >= 5);  // after each point past the start (and any Newton step of the start)
  for (size_t k : {saved.size() - 5, saved.size() - 3, saved.size() - 1}) {
    models::Checkpointing from;
    from.initial = saved[k];
    const MfgResult resumed = solve_mfg(*cpu, g, D, cfg, {}, from, &guess);
    INFO("resumed from save " << k << " of " << saved.size());
    require_same_solve(resumed, whole);
    REQUIRE(resumed.branch.size() == whole.branch.size());
    for (size_t p = 0; p < whole.branch.size(); ++p) {
      REQUIRE(resumed.branch[p].scale == whole.branch[p].scale);
      REQUIRE(resumed.branch[p].residual == whole.branch[p].residual);
      REQUIRE(resumed.branch[p].corrector_steps == whole.branch[p].corrector_steps);
    }
    REQUIRE(resumed.branch_w == whole.branch_w);
    REQUIRE(resumed.branch_f == whole.branch_f);
  }
}
