#pragma once
/// Semi-Lagrangian schemes on a network grid (paper 001 spec §3.2-3.4).
///
/// Discrete trajectories. From a point at local coordinate y of edge j with control alpha, two
/// equally likely branches  y^+- = y + alpha dt +- sigma,  sigma = sqrt(2 nu dt) (or three, see
/// Population::branches), each landed by
///   Land(e, y, w):   0 <= y <= l_e: the point (e, y) with weight w;  past an end vertex v by
///                    delta: Enter(m, v, delta, w p_vm) for every m in Inc_v (the origin edge
///                    included: reflection at degree-1 vertices);
///   Enter(m, v, d, w): Land(m, d, w) if v is m's start, else Land(m, l_m - d, w),
/// at most kMaxDepth vertex crossings deep (then the vertex reached). From a vertex v the agent
/// picks edge m with p_vm = 1/deg(v) and an edge control alpha_m (positive: away from v):
/// delta = alpha_m dt +- sigma; delta >= 0 enters m, delta < 0 re-crosses v and splits over
/// Inc_v. Under Population::overshoot = "onward" (the default), every split skips the edge it
/// came along (except at a dead end); "all" is the spec's literal rule. Landed points spread onto nodes by P1 (hat) weights, so a stencil is
/// a row of weights summing to 1.
///
/// HJ (backward, U^{N_T} = 0, L(alpha) = lambda/2 alpha^2 + h):
///   interior i: U_i^n = min_alpha { sum_l w_l U^{n+1}(z_l) + dt L(alpha) } + dt G_i^n
///   vertex v:   U_v^n = sum_m p_vm min_alpha_m { ... } + dt G_v^n
/// with G = Phi + F the coupling, minimised over a grid of n_alpha controls on
/// [-a_max, a_max] searched from 0 outwards (ties keep the smaller |alpha|, then +), then
/// refined by golden section within one grid step (spec §3.3's optional refinement: without
/// it, drifts weaker than the grid step round to 0 and transport stalls).
/// FP (forward, the adjoint): masses M^{n+1}_q = sum_i B^n[i, q] M^n_i with B^n's rows the
/// stencils of the stored optimal controls: non-negative and summing to 1, so mass is
/// conserved exactly and stays >= 0.
/// Population::diffusion = "implicit" keeps the drift in the stencils (sigma = 0) and diffuses
/// by one backward Euler step per time step (graph_diffusion.hpp): HJ on E[S U^{n+1}], FP
/// M^{n+1} = S^T B^n^T M^n with S = A^{-1} |C|.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/city_mfg/network.hpp"

namespace migra::mfg {

inline constexpr int kMaxDepth = 4;

/// A stencil as a list of (node, weight).
struct Stencil {
  std::vector<int> node;
  std::vector<double> w;
  void clear() { node.clear(), w.clear(); }
  void add(int q, double weight) { node.push_back(q), w.push_back(weight); }
};

/// A node's mass m pushed along a stencil on the fly: next[node] += w m (the FP needs no list).
struct Scatter {
  double* next = nullptr;
  double m = 0.0;
  void clear() {}
  void add(int q, double weight) { next[q] += weight * m; }
};
/// A stencil applied on the fly: sum of w U[node] (the HJ objective needs no list).
struct Expectation {
  const double* U = nullptr;
  double value = 0.0;
  void clear() { value = 0.0; }
  void add(int q, double weight) { value += weight * U[q]; }
};

struct Population;

/// The noise of one step: offsets (multiples of sigma = sqrt(2 nu dt)) and their weights.
struct NoiseBranches {
  std::vector<double> offset, weight;
};
NoiseBranches noise_branches(const Population& pop, double dt);

class GraphDiffusion;
/// The step's backward Euler diffusion under Population::diffusion = "implicit", else null.
std::unique_ptr<GraphDiffusion> implicit_diffusion(const Grid& g, const Population& pop, double dt);

/// The housing cost h of a population on an edge (the edge's own h when the network gives one).
double housing(const Grid& g, const Population& pop, int edge);

/// Trajectory stencils of one population (viscosity nu, step dt) on a grid.
class Stencils {
 public:
  Stencils(const Grid& g, const Population& pop, double dt);
  /// Interior node i with control alpha (along its edge's orientation). Sink: Stencil or
  /// Expectation (cleared first).
  template <class Sink>
  void interior(int i, double alpha, Sink& out) const;
  /// Vertex v, given that the agent takes its k-th incident edge with control alpha (away from
  /// v); weights sum to 1 (the caller weighs branches by p_vm).
  template <class Sink>
  void vertex_branch(int v, int k, double alpha, Sink& out) const;

 private:
  template <class Sink>
  void land(int e, double y, double w, int depth, Sink& out) const;
  template <class Sink>
  void enter(int m, int v, double d, double w, int depth, Sink& out) const;
  /// Weight w past vertex v by d, having come along edge `from`: into the incident edges.
  template <class Sink>
  void split(int v, int from, double d, double w, int depth, Sink& out) const;
  template <class Sink>
  void spread(int e, double y, double w, Sink& out) const;
  const Grid& g_;
  double dt_;
  NoiseBranches noise_;
  bool onward_ = false;          ///< Population::overshoot == "onward"
};

/// Per population: the HJ data and results.
struct Population {
  double lambda = 1.0;     ///< mobility cost: L = lambda/2 alpha^2 + h
  double nu = 0.4;         ///< viscosity
  double h = 1.0;          ///< housing cost (edges with their own h override it)
  /// Noise branches: 2 = xi in {-1, +1} (the paper); 3 = Gauss-Hermite {-sqrt 3, 0, sqrt 3}
  /// with weights {1/6, 2/3, 1/6}. With 2 branches and sigma a whole number of cells, every
  /// landing hits a node and the nodes split into classes that never exchange mass (no
  /// diffusion across classes); the 3-point rule mixes them.
  int branches = 2;
  /// Where an overshoot past a vertex goes: "onward", the other incident edges with equal
  /// weights (a dead end still reflects; the default), or "all" incident edges with p_vm, the
  /// origin edge included (spec choice 6, literally). "all" also sends part of the drift and of
  /// the diffusion back: the HJ error against a Hopf-Cole reference falls only like sqrt(dx)
  /// (order 0.5-0.6 on the triangle and the diamond, where "onward" gives 0.93-1.0), and a
  /// seed's decay is off by up to 4x against the linearised game (issue 5 note).
  std::string overshoot = "onward";
  /// How the noise is stepped: "branches" (the spec's scheme, above) or "implicit": the
  /// trajectories keep only the drift (one branch, sigma = 0) and every step also applies one
  /// backward Euler diffusion step on the node graph (graph_diffusion.hpp), to U^{n+1} before
  /// the HJ's minimisation and to the masses after the FP's scatter. The branches leave waves
  /// of wavelength ~sqrt(dt) undamped; backward Euler damps every wave (issue 5 note).
  std::string diffusion = "branches";
};

struct ControlGrid {
  double a_max = 5.0;
  int n = 101;
  bool refine = true;  ///< golden-section search within one grid step of the grid argmin
  /// Relaxed controls: > 0 replaces the argmin by the Gibbs mixture over the grid,
  /// pi(alpha) ~ exp(-J(alpha) / temperature), and the minimum by the matching soft-min
  /// J* = min J - temperature log mean exp(-(J - min J) / temperature) (entropy-regularised
  /// controls; -> the argmin as temperature -> 0). Units of J: cost x time. 0: off.
  /// Per step, and consistent as dt -> 0: J is quadratic in alpha, so the mixture's mean is the
  /// argmin and its spread adds a viscosity of about temperature / (2 lambda), whatever dt is
  /// (on Test 2's graph it stays 0.003 in L1 from the argmin solution as dt falls; issue 5 note).
  double temperature = 0.0;
  std::vector<double> values() const;  ///< ordered 0, +d, -d, +2d, -2d, ...
};

/// The stencils of every control slot (an interior node, or a vertex's incident edge) for every
/// control of the grid, in CSR rows r = slot · controls + c. They depend on the geometry, Δt
/// and the noise, not on U, so the HJ builds them once per solve and, at each of its N_T steps,
/// only gathers: the vertex crossings' recursion (up to (deg − 1)^kMaxDepth branches) is not
/// repeated. expect() sums in the order the stencil was built, as an Expectation sink would.
struct StencilTable {
  int controls = 0;
  std::vector<std::size_t> start;  ///< slots · controls + 1 row offsets
  std::vector<int> node;
  std::vector<double> w;
  /// The entries [first, last) of the stencil of `slot` under grid control c.
  std::pair<std::size_t, std::size_t> row(int slot, int c) const {
    const std::size_t r = std::size_t(slot) * std::size_t(controls) + std::size_t(c);
    return {start[r], start[r + 1]};
  }
  double expect(int slot, int c, const double* U) const {
    const auto [first, last] = row(slot, c);
    double v = 0.0;
    for (std::size_t e = first; e < last; ++e) v += w[e] * U[node[e]];
    return v;
  }
};
/// Relaxed controls' mixtures, compact (they dominate a solve's memory): per time step, CSR
/// rows over the control slots of (grid index, weight) pairs. Row `at` = n · slots + slot.
struct Mixtures {
  struct Step {
    std::vector<std::uint32_t> start;  ///< slots + 1
    std::vector<std::uint16_t> index;  ///< into the ControlGrid's values()
    std::vector<double> weight;
  };
  struct Row {
    const std::uint16_t* index;
    const double* weight;
    std::size_t size;
  };
  std::vector<Step> steps;
  int slots = 0;
  bool empty() const { return steps.empty(); }
  Row row(std::size_t at) const {
    const Step& s = steps[at / std::size_t(slots)];
    const std::size_t r = at % std::size_t(slots), e = s.start[r];
    return {s.index.data() + e, s.weight.data() + e, s.start[r + 1] - e};
  }
};

/// Optimal controls of one HJ solve: per time step n < N_T, per interior node one alpha, per
/// vertex one alpha per incident edge (offsets in slot()).
struct Controls {
  std::vector<int> slot_of_node;  ///< first slot of each node
  int slots = 0;
  std::vector<double> alpha;      ///< N_T x slots (relaxed controls: the mixture's mean)
  /// Relaxed controls only: per (n, slot) the (index into the ControlGrid's values(), weight)
  /// pairs of the mixture, and the grid controls' stencils (which the FP reuses).
  Mixtures mixture;
  std::shared_ptr<const StencilTable> table;
  long long saturated = 0;        ///< argmins at +-a_max
};

StencilTable stencil_table(const Grid& g, const Stencils& st, const Controls& layout, const std::vector<double>& alphas);

/// Solves the HJ equation backward. G: (N_T x N) coupling Phi + F at t_0..t_{N_T-1}.
/// Returns U (N_T + 1 x N) and fills the controls.
std::vector<double> solve_hj(const Grid& g, const Population& pop, const ControlGrid& cg, double dt, int NT,
                             const std::vector<double>& G, Controls& ctl);

/// Pushes masses M0 (N) forward with the stored controls: (N_T + 1 x N).
std::vector<double> solve_fp(const Grid& g, const Population& pop, double dt, int NT, const Controls& ctl,
                             const std::vector<double>& M0);

/// Row i of the FP matrix B^n: the stencil of node i with its stored controls, into a Sink
/// (cleared first): a Stencil (the tests read rows), or the FP's scatter of one node's mass.
template <class Sink>
void fp_row(const Grid& g, const Stencils& st, const Controls& ctl, int n, int i, Sink& out);

}  // namespace migra::mfg
