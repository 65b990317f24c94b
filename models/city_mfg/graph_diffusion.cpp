#include "models/city_mfg/graph_diffusion.hpp"

#include <algorithm>
#include <utility>

#include "kernels/core/error.hpp"
#include "kernels/linalg/cholesky.hpp"

namespace migra::mfg {

void GraphDiffusion::chain_solve(const Chain& c, double* x) {
  const size_t m = c.node.size();
  if (m == 0) return;
  for (size_t i = 0; i < m; ++i) x[i] = (x[i] + (i ? c.link * x[i - 1] : 0.0)) * c.pivot[i];
  for (size_t i = m - 1; i-- > 0;) x[i] -= c.upper[i] * x[i + 1];
}

GraphDiffusion::GraphDiffusion(const Grid& g, double nu_dt) : g_(g), V_(g.net->vertices()) {
  MIGRA_THROW_IF_NOT_FMT(nu_dt > 0.0, "implicit diffusion needs nu dt > 0, got %g", nu_dt);
  MIGRA_THROW_IF_NOT_FMT(g.net->vertices() <= kMaxVertices,
                         "implicit diffusion factors a dense system on the vertices: %d vertices is more than "
                         "its limit of %d (use diffusion = \"branches\" for this network)",
                         g.net->vertices(), kMaxVertices);
  const size_t V = size_t(V_);
  // the Schur complement on the vertices; its diagonal starts at |C_v| + dt nu sum 1/dx_j
  std::vector<double> S(V * V, 0.0);
  for (size_t v = 0; v < V; ++v) S[v * V + v] = g.measure[v];
  for (int j = 0; j < int(g.cells.size()); ++j) {
    Chain c;
    const Edge& e = g.net->edges[size_t(j)];
    c.a = e.a, c.b = e.b;
    c.link = nu_dt / g.dx[size_t(j)];
    S[size_t(c.a) * V + size_t(c.a)] += c.link;
    S[size_t(c.b) * V + size_t(c.b)] += c.link;
    for (int q = 1; q < g.cells[size_t(j)]; ++q) c.node.push_back(g.node(j, q));
    const size_t m = c.node.size();
    longest_ = std::max(longest_, m);
    if (m == 0) {  // one cell: the two vertices are linked directly
      S[size_t(c.a) * V + size_t(c.b)] -= c.link;
      S[size_t(c.b) * V + size_t(c.a)] -= c.link;
      chains_.push_back(std::move(c));
      continue;
    }
    c.upper.resize(m), c.pivot.resize(m);
    double prev = 0.0;  // c'_{i-1}
    for (size_t i = 0; i < m; ++i) {
      const double denom = g.measure[size_t(c.node[i])] + 2.0 * c.link + c.link * prev;
      c.pivot[i] = 1.0 / denom;
      c.upper[i] = prev = -c.link / denom;
    }
    c.from_a.assign(m, 0.0), c.from_b.assign(m, 0.0);
    c.from_a[0] = c.link, c.from_b[m - 1] = c.link;
    chain_solve(c, c.from_a.data());
    chain_solve(c, c.from_b.data());
    S[size_t(c.a) * V + size_t(c.a)] -= c.link * c.from_a[0];
    S[size_t(c.a) * V + size_t(c.b)] -= c.link * c.from_b[0];
    S[size_t(c.b) * V + size_t(c.a)] -= c.link * c.from_a[m - 1];
    S[size_t(c.b) * V + size_t(c.b)] -= c.link * c.from_b[m - 1];
    chains_.push_back(std::move(c));
  }
  // symmetric (the chains' T is) and positive definite (a Schur complement of the SPD A)
  const bool spd = linalg::cholesky_factor(S, V_);
  MIGRA_ASSERT(spd);
  cholesky_ = std::move(S);
}

void GraphDiffusion::solve(const double* r, double* z) const {
  const size_t V = size_t(V_);
  std::vector<double> rv(r, r + V), y(longest_);
  // each chain with its vertices at 0, into z's interior nodes (each read from r just before)
  for (const Chain& c : chains_) {
    if (c.node.empty()) continue;
    for (size_t i = 0; i < c.node.size(); ++i) y[i] = r[c.node[i]];
    chain_solve(c, y.data());
    for (size_t i = 0; i < c.node.size(); ++i) z[c.node[i]] = y[i];
    rv[size_t(c.a)] += c.link * y[0];
    rv[size_t(c.b)] += c.link * y[c.node.size() - 1];
  }
  linalg::cholesky_solve(cholesky_, V_, rv);
  for (size_t v = 0; v < V; ++v) z[v] = rv[v];
  for (const Chain& c : chains_)  // then the vertices' share
    for (size_t i = 0; i < c.node.size(); ++i) z[c.node[i]] += c.from_a[i] * rv[size_t(c.a)] + c.from_b[i] * rv[size_t(c.b)];
}

void GraphDiffusion::smooth_values(double* u) const {
  const size_t N = g_.measure.size();
  for (size_t q = 0; q < N; ++q) u[q] *= g_.measure[q];
  solve(u, u);
}

void GraphDiffusion::spread_masses(double* M) const {
  const size_t N = g_.measure.size();
  double before = 0.0, after = 0.0;
  for (size_t q = 0; q < N; ++q) before += M[q];
  solve(M, M);
  for (size_t q = 0; q < N; ++q) after += M[q] *= g_.measure[q];
  // Exact in exact arithmetic (1^T |C| A^{-1} = 1^T, as K 1 = 0); the elimination's round-off,
  // ~1e-15 per step, would add up over thousands of steps past spec test 9's 1e-12
  if (after > 0.0)
    for (size_t q = 0; q < N; ++q) M[q] *= before / after;
}

std::vector<double> GraphDiffusion::transition_cdfs() const {
  const size_t N = g_.measure.size();
  std::vector<double> cdf(N * N, 0.0);
  for (size_t r = 0; r < N; ++r) {
    double* row = cdf.data() + r * N;
    row[r] = 1.0;
    solve(row, row);  // row = A^{-1} e_r, the r-th row of A^{-1} (symmetric)
    double sum = 0.0;
    for (size_t q = 0; q < N; ++q) row[q] = sum += row[q] * g_.measure[q];
    for (size_t q = 0; q < N; ++q) row[q] /= sum;  // sum is 1 up to round-off
  }
  return cdf;
}

}  // namespace migra::mfg
