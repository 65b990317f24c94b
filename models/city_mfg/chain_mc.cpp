#include "models/city_mfg/chain_mc.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "kernels/core/error.hpp"
#include "kernels/random/philox.hpp"
#include "models/city_mfg/graph_diffusion.hpp"

namespace migra::mfg {
namespace {

/// The uniforms of one particle in one step, four at a time from its Philox counter.
class Draws {
 public:
  Draws(std::uint64_t seed, std::uint32_t particle, std::uint32_t step) : seed_(seed), particle_(particle), step_(step) {}
  double next() {
    if (used_ == 4) block_ = rng::uniforms(seed_, rng::Stream::Chain, step_, particle_, blocks_++), used_ = 0;
    return block_.u[used_++];
  }
  /// An index in [0, n) with equal probabilities.
  int index(int n) { return std::min(int(next() * n), n - 1); }

 private:
  std::uint64_t seed_;
  std::uint32_t particle_, step_, blocks_ = 0;
  rng::Uniforms block_{};
  int used_ = 4;
};

/// One particle's moves on the network: the §3.2 rules with every choice drawn.
class Walker {
 public:
  Walker(const Grid& g, const Population& pop) : g_(g), onward_(pop.overshoot == "onward") {}

  /// The node reached from local coordinate y of edge e, at most kMaxDepth - depth crossings deep.
  int land(int e, double y, int depth, Draws& r) const {
    for (;; ++depth) {
      const Edge& E = g_.net->edges[size_t(e)];
      if (y >= 0.0 && y <= E.length) return round(e, y, r);
      const bool past_b = y > E.length;
      const int v = past_b ? E.b : E.a;
      if (depth >= kMaxDepth) return v;
      const double d = past_b ? y - E.length : -y;
      e = pick(v, e, r);
      y = enter_at(e, v, d);
    }
  }
  /// Past vertex v by d, having come along edge `from`: one incident edge drawn (not `from`
  /// under "onward", unless v is a dead end), then landed.
  int split(int v, int from, double d, Draws& r) const {
    const int m = pick(v, from, r);
    return land(m, enter_at(m, v, d), 0, r);
  }
  /// Local coordinate of the point d into edge m from its end vertex v.
  double enter_at(int m, int v, double d) const {
    const Edge& E = g_.net->edges[size_t(m)];
    return v == E.a ? d : E.length - d;
  }

 private:
  int pick(int v, int from, Draws& r) const {
    const auto& inc = g_.net->incident[size_t(v)];
    if (!onward_ || inc.size() == 1) return inc[size_t(r.index(int(inc.size())))];
    int k = r.index(int(inc.size()) - 1);
    for (int m : inc)
      if (m != from && k-- == 0) return m;
    MIGRA_ASSERT(false);
    return from;
  }
  /// Randomised P1 rounding: node q + 1 with probability theta, node q otherwise.
  int round(int e, double y, Draws& r) const {
    const int N = g_.cells[size_t(e)];
    const double s = y / g_.dx[size_t(e)];
    const int q = std::min(int(std::floor(s)), N - 1);
    return r.next() < s - q ? g_.node(e, q + 1) : g_.node(e, q);
  }
  const Grid& g_;
  bool onward_;
};

}  // namespace

void check_chain_fits(const Grid& g, const Population& pop) {
  MIGRA_THROW_IF_NOT_FMT(pop.diffusion != "implicit" || g.nodes() <= kMaxDiffusionNodes,
                         "chain: the Monte Carlo check under implicit diffusion keeps an N x N transition table; "
                         "this grid has %d nodes, more than %d (use a coarser dx)", g.nodes(), kMaxDiffusionNodes);
}

ChainSample sample_chain(const Grid& g, const Population& pop, const ControlGrid& cg, double dt, int NT,
                         const Controls& ctl, const std::vector<double>& G, const std::vector<double>& M0,
                         long long particles, std::uint64_t seed) {
  const int N = g.nodes(), V = g.net->vertices();
  MIGRA_THROW_IF_NOT_FMT(particles > 0 && particles < (1LL << 32), "chain: particles must be in [1, 2^32), got %lld",
                         particles);
  MIGRA_ASSERT(G.size() == size_t(NT) * size_t(N) && M0.size() == size_t(N));
  MIGRA_ASSERT(ctl.alpha.size() == size_t(NT) * size_t(ctl.slots));
  const NoiseBranches noise = noise_branches(pop, dt);
  check_chain_fits(g, pop);
  // implicit diffusion: after the drift's landing, one jump of the backward Euler step's chain
  const std::unique_ptr<GraphDiffusion> diffusion = implicit_diffusion(g, pop, dt);
  const std::vector<double> jump = diffusion ? diffusion->transition_cdfs() : std::vector<double>{};
  const Walker walk(g, pop);
  const bool relaxed = !ctl.mixture.empty();
  const std::vector<double> alphas = cg.values();  // the grid the mixtures index
  const double log_controls = std::log(double(alphas.size()));
  std::vector<double> cdf(M0.size());
  std::partial_sum(M0.begin(), M0.end(), cdf.begin());
  MIGRA_THROW_IF_NOT_FMT(cdf.back() > 0.0, "chain: the initial masses sum to %g", cdf.back());
  int last = N - 1;  // the last node with mass
  while (M0[size_t(last)] <= 0.0) --last;

  // the control of slot `at`: the stored one, or a draw from the mixture; adds its entropy term
  const auto control = [&](size_t at, Draws& r, double& cost) {
    if (!relaxed) return ctl.alpha[at];
    const Mixtures::Row mix = ctl.mixture.row(at);
    double u = r.next();
    size_t k = 0;
    while (k + 1 < mix.size && (u -= mix.weight[k]) >= 0.0) ++k;
    cost += cg.temperature * (std::log(mix.weight[k]) + log_controls);
    return alphas[mix.index[k]];
  };

  constexpr long long kChunk = 4096;
  const long long chunks = (particles + kChunk - 1) / kChunk;
  std::vector<double> chunk_sum(size_t(chunks), 0.0), chunk_sq(size_t(chunks), 0.0);
  ChainSample out;
  out.particles = particles;
  out.count.assign(size_t(NT + 1) * size_t(N), 0);
#pragma omp parallel
  {
    std::vector<long long> count(out.count.size(), 0);
#pragma omp for schedule(static)
    for (long long c = 0; c < chunks; ++c) {
      for (long long p = c * kChunk; p < std::min(particles, (c + 1) * kChunk); ++p) {
        Draws start(seed, std::uint32_t(p), std::uint32_t(NT));
        int x = int(std::upper_bound(cdf.begin(), cdf.end(), start.next() * cdf.back()) - cdf.begin());
        if (x == N) x = last;  // u cdf.back() rounded up to cdf.back()
        double cost = 0.0;
        ++count[size_t(x)];
        for (int n = 0; n < NT; ++n) {
          Draws r(seed, std::uint32_t(p), std::uint32_t(n));
          const size_t slot = size_t(n) * size_t(ctl.slots) + size_t(ctl.slot_of_node[size_t(x)]);
          int edge, k = 0;
          if (x < V) {
            const auto& inc = g.net->incident[size_t(x)];
            k = r.index(int(inc.size()));
            edge = inc[size_t(k)];
          } else {
            edge = g.node_edge[size_t(x)];
          }
          const double alpha = control(slot + size_t(k), r, cost);
          cost += dt * (0.5 * pop.lambda * alpha * alpha + housing(g, pop, edge) + G[size_t(n) * size_t(N) + size_t(x)]);
          double u = r.next();
          size_t b = 0;
          while (b + 1 < noise.weight.size() && (u -= noise.weight[b]) >= 0.0) ++b;
          const double shift = alpha * dt + noise.offset[b];
          if (x >= V) x = walk.land(edge, g.node_y[size_t(x)] + shift, 0, r);
          else x = shift >= 0.0 ? walk.land(edge, walk.enter_at(edge, x, shift), 0, r) : walk.split(x, edge, -shift, r);
          if (diffusion) {
            const double* row = jump.data() + size_t(x) * size_t(N);
            x = std::min(int(std::upper_bound(row, row + N, r.next()) - row), N - 1);
          }
          ++count[size_t(n + 1) * size_t(N) + size_t(x)];
        }
        chunk_sum[size_t(c)] += cost;
        chunk_sq[size_t(c)] += cost * cost;
      }
    }
#pragma omp critical
    for (size_t i = 0; i < count.size(); ++i) out.count[i] += count[i];
  }
  double s = 0.0, s2 = 0.0;
  for (long long c = 0; c < chunks; ++c) s += chunk_sum[size_t(c)], s2 += chunk_sq[size_t(c)];
  out.mean_cost = s / double(particles);
  out.cost_sd = particles > 1 ? std::sqrt(std::max(0.0, (s2 - s * out.mean_cost) / double(particles - 1))) : 0.0;
  return out;
}

ChainAgreement compare_chain(const ChainSample& s, const std::vector<double>& M, int NT, int N) {
  MIGRA_ASSERT(M.size() == size_t(NT + 1) * size_t(N) && s.count.size() == M.size());
  const double mass = std::accumulate(M.begin(), M.begin() + N, 0.0), P = double(s.particles);
  ChainAgreement a;
  double z2 = 0.0;
  for (size_t i = 0; i < M.size(); ++i) {
    const double p = M[i] / mass, c = double(s.count[i]);
    if (p <= 0.0) a.impossible += s.count[i];
    // scored where the binomial is near normal: at least 10 expected on either side
    if (p * P < 10.0 || (1.0 - p) * P < 10.0) continue;
    const double z = (c / P - p) / std::sqrt(p * (1.0 - p) / P);
    a.max_abs_z = std::max(a.max_abs_z, std::fabs(z));
    z2 += z * z;
    ++a.cells;
  }
  a.mean_z2 = a.cells > 0 ? z2 / double(a.cells) : 0.0;
  return a;
}

}  // namespace migra::mfg
