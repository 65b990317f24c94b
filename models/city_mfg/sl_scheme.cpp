#include "models/city_mfg/sl_scheme.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/core/error.hpp"
#include "models/city_mfg/graph_diffusion.hpp"

namespace migra::mfg {
namespace {

Controls control_layout(const Grid& g, int NT) {
  Controls c;
  const int V = g.net->vertices();
  c.slot_of_node.resize(size_t(g.nodes()));
  for (int q = 0; q < g.nodes(); ++q) {
    c.slot_of_node[size_t(q)] = c.slots;
    c.slots += q < V ? int(g.net->incident[size_t(q)].size()) : 1;
  }
  c.alpha.assign(size_t(NT) * size_t(c.slots), 0.0);
  return c;
}

/// (min, argmin) of J over the control grid, searched in its order (0, +d, -d, ...): ties keep
/// the smaller |alpha|, then +. Jk(k) is J at alphas[k].
template <class GridObjective>
std::pair<double, double> grid_min(const std::vector<double>& alphas, const GridObjective& Jk) {
  double bv = INFINITY, ba = 0.0;
  for (size_t k = 0; k < alphas.size(); ++k) {
    const double v = Jk(int(k));
    if (v < bv) bv = v, ba = alphas[k];
  }
  return {bv, ba};
}

/// grid_min, then a golden-section search within one grid step of its argmin (the grid alone
/// quantises weak drifts to 0); the refined control is kept only if better beyond round-off.
template <class GridObjective, class Objective>
std::pair<double, double> refined_min(const std::vector<double>& alphas, double step, double a_max, double dt,
                                      const GridObjective& Jk, const Objective& J) {
  auto [bv, ba] = grid_min(alphas, Jk);
  if (step <= 0.0) return {bv, ba};
  double lo = std::max(-a_max, ba - step), hi = std::min(a_max, ba + step);
  constexpr double kInvPhi = 0.6180339887498949;
  double x1 = hi - kInvPhi * (hi - lo), x2 = lo + kInvPhi * (hi - lo);
  double f1 = J(x1), f2 = J(x2);
  while (hi - lo > 1e-9 * a_max) {
    if (f1 < f2) hi = x2, x2 = x1, f2 = f1, x1 = hi - kInvPhi * (hi - lo), f1 = J(x1);
    else lo = x1, x1 = x2, f1 = f2, x2 = lo + kInvPhi * (hi - lo), f2 = J(x2);
  }
  const double a = f1 < f2 ? x1 : x2, v = std::min(f1, f2);
  if (v < bv - 1e-13 * (std::fabs(bv) + dt)) bv = v, ba = a;
  return {bv, ba};
}

/// Relaxed controls (ControlGrid::temperature): the soft-min of J over the grid and the Gibbs
/// mixture pi ~ exp(-J / T) (weights below 1e-12 dropped, the rest renormalised) in `mix`, as
/// (grid index, weight); returns (soft-min, mean control). `values` is scratch. Controls more
/// than 40 T above the minimum get weight 0 without an exp: e^-40 = 4e-18 is far below the
/// kept 1e-12, and the sum z >= 1 moves by at most K e^-40 relative.
template <class GridObjective>
std::pair<double, double> relaxed_min(const std::vector<double>& alphas, double T, const GridObjective& Jk,
                                      std::vector<double>& values, std::vector<std::pair<int, double>>& mix) {
  values.resize(alphas.size());
  double bv = INFINITY;
  for (size_t k = 0; k < alphas.size(); ++k) bv = std::min(bv, values[k] = Jk(int(k)));
  double z = 0.0, mean = 0.0;
  const double cut = bv + 40.0 * T;
  for (size_t k = 0; k < alphas.size(); ++k) z += values[k] = values[k] > cut ? 0.0 : std::exp(-(values[k] - bv) / T);
  mix.clear();
  for (size_t k = 0; k < alphas.size(); ++k)
    if (values[k] / z > 1e-12) mix.emplace_back(int(k), values[k] / z);
  double kept = 0.0;
  for (const auto& [k, w] : mix) kept += w;
  for (auto& [k, w] : mix) mean += alphas[size_t(k)] * (w /= kept);
  return {bv - T * std::log(z / double(alphas.size())), mean};
}

}  // namespace

double housing(const Grid& g, const Population& pop, int edge) {
  const double h = g.net->edges[size_t(edge)].h;
  return h >= 0.0 ? h : pop.h;
}

NoiseBranches noise_branches(const Population& pop, double dt) {
  MIGRA_THROW_IF_NOT_FMT(pop.diffusion == "branches" || pop.diffusion == "implicit",
                         "diffusion must be 'branches' or 'implicit', got '%s'", pop.diffusion.c_str());
  if (pop.diffusion == "implicit") return {{0.0}, {1.0}};  // the drift only: GraphDiffusion diffuses
  MIGRA_THROW_IF_NOT_FMT(pop.branches == 2 || pop.branches == 3, "noise branches must be 2 or 3, got %d", pop.branches);
  const double sigma = std::sqrt(2.0 * pop.nu * dt);
  if (pop.branches == 2) return {{sigma, -sigma}, {0.5, 0.5}};
  return {{std::sqrt(3.0) * sigma, 0.0, -std::sqrt(3.0) * sigma}, {1.0 / 6.0, 2.0 / 3.0, 1.0 / 6.0}};
}

std::unique_ptr<GraphDiffusion> implicit_diffusion(const Grid& g, const Population& pop, double dt) {
  if (pop.diffusion != "implicit") return nullptr;
  return std::make_unique<GraphDiffusion>(g, pop.nu * dt);
}

Stencils::Stencils(const Grid& g, const Population& pop, double dt)
    : g_(g), dt_(dt), noise_(noise_branches(pop, dt)), onward_(pop.overshoot == "onward") {
  MIGRA_THROW_IF_NOT_FMT(pop.overshoot == "all" || pop.overshoot == "onward",
                         "overshoot must be 'all' or 'onward', got '%s'", pop.overshoot.c_str());
}

template <class Sink>
void Stencils::spread(int e, double y, double w, Sink& out) const {
  const int N = g_.cells[size_t(e)];
  const double s = y / g_.dx[size_t(e)];
  const int q = std::min(int(std::floor(s)), N - 1);
  const double theta = s - q;
  out.add(g_.node(e, q), w * (1.0 - theta));
  out.add(g_.node(e, q + 1), w * theta);
}

template <class Sink>
void Stencils::land(int e, double y, double w, int depth, Sink& out) const {
  const Edge& E = g_.net->edges[size_t(e)];
  if (y >= 0.0 && y <= E.length) return spread(e, y, w, out);
  const bool past_b = y > E.length;
  const int v = past_b ? E.b : E.a;
  if (depth >= kMaxDepth) return out.add(v, w);
  split(v, e, past_b ? y - E.length : -y, w, depth + 1, out);
}

template <class Sink>
void Stencils::split(int v, int from, double d, double w, int depth, Sink& out) const {
  const auto& inc = g_.net->incident[size_t(v)];
  const bool skip = onward_ && inc.size() > 1;  // "onward": not back into `from` (unless a dead end)
  const double p = 1.0 / double(inc.size() - (skip ? 1 : 0));
  for (int m : inc)
    if (!skip || m != from) enter(m, v, d, w * p, depth, out);
}

template <class Sink>
void Stencils::enter(int m, int v, double d, double w, int depth, Sink& out) const {
  const Edge& E = g_.net->edges[size_t(m)];
  land(m, v == E.a ? d : E.length - d, w, depth, out);
}

template <class Sink>
void Stencils::interior(int i, double alpha, Sink& out) const {
  out.clear();
  const int e = g_.node_edge[size_t(i)];
  const double y = g_.node_y[size_t(i)];
  for (size_t b = 0; b < noise_.offset.size(); ++b) land(e, y + alpha * dt_ + noise_.offset[b], noise_.weight[b], 0, out);
}

template <class Sink>
void Stencils::vertex_branch(int v, int k, double alpha, Sink& out) const {
  out.clear();
  const auto& inc = g_.net->incident[size_t(v)];
  for (size_t b = 0; b < noise_.offset.size(); ++b) {
    const double d = alpha * dt_ + noise_.offset[b];
    if (d >= 0.0) enter(inc[size_t(k)], v, d, noise_.weight[b], 0, out);
    else split(v, inc[size_t(k)], -d, noise_.weight[b], 0, out);
  }
}

template void Stencils::interior(int, double, Stencil&) const;
template void Stencils::interior(int, double, Expectation&) const;
template void Stencils::vertex_branch(int, int, double, Stencil&) const;
template void Stencils::vertex_branch(int, int, double, Expectation&) const;

std::vector<double> ControlGrid::values() const {
  MIGRA_THROW_IF_NOT_FMT(n >= 1 && n % 2 == 1 && a_max > 0.0, "controls: an odd count >= 1 and a_max > 0 are needed");
  std::vector<double> v{0.0};
  const double d = n > 1 ? a_max / ((n - 1) / 2) : 0.0;
  for (int k = 1; k <= (n - 1) / 2; ++k) {
    v.push_back(k * d);
    v.push_back(-k * d);
  }
  return v;
}

StencilTable stencil_table(const Grid& g, const Stencils& st, const Controls& layout, const std::vector<double>& alphas) {
  const int N = g.nodes(), V = g.net->vertices(), C = int(alphas.size());
  StencilTable t;
  t.controls = C;
  t.start.assign(size_t(layout.slots) * size_t(C) + 1, 0);
  // the stencils of node q's slots, one per control, handed to put(row, stencil)
  const auto each = [&](int q, Stencil& s, auto&& put) {
    const size_t first = size_t(layout.slot_of_node[size_t(q)]) * size_t(C);
    const int branches = q < V ? int(g.net->incident[size_t(q)].size()) : 1;
    for (int k = 0; k < branches; ++k)
      for (int c = 0; c < C; ++c) {
        if (q < V) st.vertex_branch(q, k, alphas[size_t(c)], s);
        else st.interior(q, alphas[size_t(c)], s);
        put(first + size_t(k) * size_t(C) + size_t(c), s);
      }
  };
  // two passes over the nodes: the row sizes, then the entries in place
#pragma omp parallel for schedule(dynamic, 64)
  for (int q = 0; q < N; ++q) {
    Stencil s;
    each(q, s, [&](size_t r, const Stencil& x) { t.start[r + 1] = x.node.size(); });
  }
  for (size_t r = 0; r + 1 < t.start.size(); ++r) t.start[r + 1] += t.start[r];
  t.node.resize(t.start.back());
  t.w.resize(t.start.back());
#pragma omp parallel for schedule(dynamic, 64)
  for (int q = 0; q < N; ++q) {
    Stencil s;
    each(q, s, [&](size_t r, const Stencil& x) {
      std::copy(x.node.begin(), x.node.end(), t.node.begin() + long(t.start[r]));
      std::copy(x.w.begin(), x.w.end(), t.w.begin() + long(t.start[r]));
    });
  }
  return t;
}

std::vector<double> solve_hj(const Grid& g, const Population& pop, const ControlGrid& cg, double dt, int NT,
                             const std::vector<double>& G, Controls& ctl) {
  const int N = g.nodes(), V = g.net->vertices();
  MIGRA_ASSERT(G.size() == size_t(NT) * size_t(N));
  const Stencils st(g, pop, dt);
  const std::vector<double> alphas = cg.values();
  const double step = cg.n > 1 ? cg.a_max / ((cg.n - 1) / 2) : 0.0;
  ctl = control_layout(g, NT);
  MIGRA_THROW_IF_NOT_FMT(cg.n >= 1 && cg.n <= 65535, "control grid: n-alpha must be in [1, 65535], got %d", cg.n);
  std::vector<std::vector<std::pair<int, double>>> step_mix;  // one step's mixtures, then compacted
  if (cg.temperature > 0.0) {
    ctl.mixture.steps.resize(size_t(NT));
    ctl.mixture.slots = ctl.slots;
    step_mix.resize(size_t(ctl.slots));
  }
  const auto shared_table = std::make_shared<const StencilTable>(stencil_table(g, st, ctl, alphas));
  const StencilTable& table = *shared_table;
  if (cg.temperature > 0.0) ctl.table = shared_table;
  std::vector<double> U(size_t(NT + 1) * size_t(N), 0.0);
  const std::unique_ptr<GraphDiffusion> diffusion = implicit_diffusion(g, pop, dt);
  std::vector<double> diffused(diffusion ? size_t(N) : 0);
  for (int n = NT - 1; n >= 0; --n) {
    const double* next = U.data() + size_t(n + 1) * size_t(N);
    if (diffusion) {  // E[U^{n+1}] after the step's diffusion, then the drift's P1 landing below
      std::copy(next, next + N, diffused.begin());
      diffusion->smooth_values(diffused.data());
      next = diffused.data();
    }
    double* cur = U.data() + size_t(n) * size_t(N);
    double* alpha_n = ctl.alpha.data() + size_t(n) * size_t(ctl.slots);
    long long saturated = 0;
#pragma omp parallel reduction(+ : saturated) if (N > 256)
    {
    std::vector<double> J;                    // per thread: relaxed_min's scratch
    std::vector<std::pair<int, double>> mix;  // per thread: swapped with the slots' mixtures
#pragma omp for schedule(static)
    for (int q = 0; q < N; ++q) {
      Expectation s{next};
      // min over controls of E[U^{n+1}] + dt L, for one edge choice (control slot)
      const auto best = [&](int edge, int slot_k, auto&& stencil_of) {
        const double h = housing(g, pop, edge);
        const auto objective = [&](double a) {
          stencil_of(a, s);
          return s.value + dt * (0.5 * pop.lambda * a * a + h);
        };
        const auto grid_objective = [&](int k) {
          const double a = alphas[size_t(k)];
          return table.expect(slot_k, k, next) + dt * (0.5 * pop.lambda * a * a + h);
        };
        if (cg.temperature > 0.0) return relaxed_min(alphas, cg.temperature, grid_objective, J, mix);
        const auto [bv, ba] = cg.refine ? refined_min(alphas, step, cg.a_max, dt, grid_objective, objective)
                                        : grid_min(alphas, grid_objective);
        if (std::fabs(ba) >= cg.a_max && cg.n > 1) ++saturated;
        return std::pair{bv, ba};
      };
      double value = 0.0;
      const int slot = ctl.slot_of_node[size_t(q)];
      if (q < V) {
        const auto& inc = g.net->incident[size_t(q)];
        for (size_t k = 0; k < inc.size(); ++k) {
          const auto [bv, ba] = best(inc[k], slot + int(k), [&](double a, Expectation& o) { st.vertex_branch(q, int(k), a, o); });
          value += bv / double(inc.size());
          alpha_n[slot + int(k)] = ba;
          if (cg.temperature > 0.0) step_mix[size_t(slot) + k].swap(mix);
        }
      } else {
        const auto [bv, ba] = best(g.node_edge[size_t(q)], slot, [&](double a, Expectation& o) { st.interior(q, a, o); });
        value = bv;
        alpha_n[slot] = ba;
        if (cg.temperature > 0.0) step_mix[size_t(slot)].swap(mix);
      }
      cur[q] = value + dt * G[size_t(n) * size_t(N) + size_t(q)];
    }
    }
    ctl.saturated += saturated;
    if (cg.temperature > 0.0) {
      Mixtures::Step& out = ctl.mixture.steps[size_t(n)];
      out.start.assign(1, 0);
      for (const auto& m : step_mix) {
        for (const auto& [k, w] : m) out.index.push_back(std::uint16_t(k)), out.weight.push_back(w);
        out.start.push_back(std::uint32_t(out.index.size()));
      }
      out.index.shrink_to_fit(), out.weight.shrink_to_fit();
    }
  }
  return U;
}

template <class Sink>
void fp_row(const Grid& g, const Stencils& st, const Controls& ctl, int n, int i, Sink& out) {
  const double* alpha_n = ctl.alpha.data() + size_t(n) * size_t(ctl.slots);
  const int slot = ctl.slot_of_node[size_t(i)];
  out.clear();
  Stencil branch;
  // the stencil of one control slot, weighted: the stored argmin, or the relaxed mixture (its
  // grid controls' stencils from the HJ's table)
  const auto add = [&](int k, double weight, auto&& stencil_of) {
    const size_t at = size_t(n) * size_t(ctl.slots) + size_t(slot + k);
    const auto append = [&](const int* node, const double* w, size_t size, double scale) {
      for (size_t t = 0; t < size; ++t) out.add(node[t], w[t] * scale);
    };
    if (ctl.mixture.empty()) {
      stencil_of(alpha_n[slot + k], branch);
      return append(branch.node.data(), branch.w.data(), branch.node.size(), weight);
    }
    const StencilTable& t = *ctl.table;
    const Mixtures::Row mix = ctl.mixture.row(at);
    for (size_t m = 0; m < mix.size; ++m) {
      const auto [first, last] = t.row(slot + k, mix.index[m]);
      append(t.node.data() + first, t.w.data() + first, last - first, weight * mix.weight[m]);
    }
  };
  if (i >= g.net->vertices()) return add(0, 1.0, [&](double a, Stencil& o) { st.interior(i, a, o); });
  const auto& inc = g.net->incident[size_t(i)];
  for (size_t k = 0; k < inc.size(); ++k)
    add(int(k), 1.0 / double(inc.size()), [&](double a, Stencil& o) { st.vertex_branch(i, int(k), a, o); });
}

std::vector<double> solve_fp(const Grid& g, const Population& pop, double dt, int NT, const Controls& ctl,
                             const std::vector<double>& M0) {
  const int N = g.nodes();
  const Stencils st(g, pop, dt);
  std::vector<double> M(size_t(NT + 1) * size_t(N), 0.0);
  std::copy(M0.begin(), M0.end(), M.begin());
  const std::unique_ptr<GraphDiffusion> diffusion = implicit_diffusion(g, pop, dt);
  for (int n = 0; n < NT; ++n) {
    const double* cur = M.data() + size_t(n) * size_t(N);
    Scatter push{M.data() + size_t(n + 1) * size_t(N)};
    // a serial scatter in node order: deterministic (the symmetry tests need it)
    for (int i = 0; i < N; ++i) {
      if (cur[i] == 0.0) continue;
      push.m = cur[i];
      fp_row(g, st, ctl, n, i, push);
    }
    if (diffusion) diffusion->spread_masses(push.next);  // the adjoint of the HJ's smoothing
  }
  return M;
}

template void fp_row(const Grid&, const Stencils&, const Controls&, int, int, Stencil&);
template void fp_row(const Grid&, const Stencils&, const Controls&, int, int, Scatter&);

}  // namespace migra::mfg
