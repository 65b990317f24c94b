#pragma once
/// One implicit (backward Euler) diffusion step on a network grid, the alternative to the
/// semi-Lagrangian noise branches (Population::diffusion = "implicit").
///
/// Finite volumes on the fine node graph: node q has the cell |C_q| and each grid cell of edge j
/// is a link of conductance nu / dx_j, so
///   (K u)_q = sum_{r ~ q} (nu / l_qr) (u_r - u_q)        (K symmetric, K 1 = 0)
/// is the Laplacian with Kirchhoff's conditions at the vertices (continuity, and fluxes summing
/// to zero, each incident edge weighted alike as the spec's gamma = 1/deg). One step solves
///   A z = r,   A = diag|C| - dt K   (symmetric, an M-matrix: A^{-1} >= 0 entrywise)
/// and gives the two adjoint maps
///   values    u <- A^{-1} |C| u     (rows >= 0 summing to 1: a conditional expectation)
///   masses    M <- |C| A^{-1} M     (columns sum to 1: mass conserved, M >= 0 kept)
/// so that sum M u is the same through either, as the FP is the HJ's adjoint.
///
/// Why: with two or three noise branches the landed points lie on a lattice of spacing
/// ~sqrt(dt), and a wave of that wavelength passes a step unattenuated (the branches' transfer
/// function is 1 there). Only the P1 interpolation, O(dx^2 / dt) per step, damps it, so on fine
/// grids kinks of U at vertices are copied along the lattice and the controls pile mass into
/// spikes (issue 5 note). Backward Euler damps every wave: its factor is 1 / (1 + dt nu k^2).
///
/// Solve: every edge's interior is a tridiagonal chain between its two vertices. Its response
/// to the right side and to a unit value at either vertex (Thomas algorithm, factored once)
/// leaves a dense V x V symmetric positive-definite system on the vertices (Cholesky,
/// linalg::cholesky_factor, once); then
/// the interiors follow. O(N + V^2) per step, O(V^3) once: meant for networks of up to a few
/// thousand vertices (kMaxVertices; the paper's have 3 to 64).
#include <cstddef>
#include <vector>

#include "models/city_mfg/network.hpp"

namespace migra::mfg {

class GraphDiffusion {
 public:
  static constexpr int kMaxVertices = 4000;  ///< dense V x V: 128 MB, a few seconds to factor
  /// nu_dt = nu * dt > 0.
  GraphDiffusion(const Grid& g, double nu_dt);
  /// z = A^{-1} r (N each; z may alias r).
  void solve(const double* r, double* z) const;
  /// u <- A^{-1} |C| u (values, HJ).
  void smooth_values(double* u) const;
  /// M <- |C| A^{-1} M (masses, FP), its sum kept to round-off.
  void spread_masses(double* M) const;
  /// The step as a Markov chain on the nodes: row r holds P(r -> q) = |C_q| (A^{-1})_{rq}
  /// (the mass that spread_masses moves from r to q, and the weight smooth_values gives U_q
  /// at r: A is symmetric) as a cumulative distribution over q. N x N, one solve per row.
  std::vector<double> transition_cdfs() const;

 private:
  struct Chain {
    std::vector<int> node;       ///< interior nodes in order from vertex a to vertex b
    int a = 0, b = 0;
    double link = 0.0;           ///< dt nu / dx_j
    std::vector<double> upper;   ///< Thomas: modified super-diagonal
    std::vector<double> pivot;   ///< Thomas: 1 / modified diagonal
    std::vector<double> from_a, from_b;  ///< interior response to a unit value at a, at b
  };
  /// Thomas forward and back substitution of one chain, in place (x: its interior right side).
  static void chain_solve(const Chain& c, double* x);
  const Grid& g_;
  int V_ = 0;
  std::vector<Chain> chains_;
  std::size_t longest_ = 0;          ///< the most interior nodes of one chain
  std::vector<double> cholesky_;     ///< V x V Schur complement, Cholesky factored (linalg)
};

}  // namespace migra::mfg
