#pragma once
/// Monte Carlo of the discrete chain behind the SL scheme (paper 001 spec §5 test 14).
///
/// Each particle follows the process that the stencils (sl_scheme.hpp) enumerate, but *draws*
/// every choice instead of weighing all of them: at a vertex the edge m with p_vm = 1/deg, the
/// control (the stored argmin, or a draw from the relaxed mixture), one noise branch, at every
/// vertex crossing one edge of the split, and finally one node by randomised P1 rounding
/// (node q with probability beta_q(z)); under implicit diffusion (no branches) then one jump of
/// the backward Euler step's Markov chain (GraphDiffusion::transition_cdfs). So the chain's law at t_n is exactly the FP masses
/// M_{., n} = (B_{n-1}^T ... B_0^T) M_0, and its realised cost
///   sum_n dt (lambda/2 alpha_n^2 + h + G_{X_n, n})   [+ T log(pi(alpha_n) |A|) for relaxed controls]
/// has expectation U_{X_0, 0} (the soft-min's entropy term makes the relaxed case exact too).
/// Sampling and enumerating are independent implementations of the spec's §3.2 rules; the
/// comparison checks the stencils, the FP transpose and the HJ value in one go.
#include <cstdint>
#include <vector>

#include "models/city_mfg/sl_scheme.hpp"

namespace migra::mfg {

/// Implicit diffusion's transition table is dense: grids up to this many nodes (200 MB).
inline constexpr int kMaxDiffusionNodes = 5000;
/// Throws migra::Error when sample_chain cannot simulate `pop` on `g` (implicit diffusion on a
/// grid past kMaxDiffusionNodes), so a caller can refuse before a long solve.
void check_chain_fits(const Grid& g, const Population& pop);

struct ChainSample {
  long long particles = 0;
  std::vector<long long> count;  ///< (N_T + 1) x N: particles at node q at t_n
  double mean_cost = 0.0;        ///< realised cost from t_0, averaged over particles
  double cost_sd = 0.0;          ///< its sample standard deviation (one particle)
};

/// Simulates `particles` chains of one population from X_0 ~ M0 / sum M0, with the controls and
/// couplings G (N_T x N) of an HJ solve (solve_hj with the same grid, population, controls and
/// dt). Counter-based draws (Philox, stream Chain): the counts do not depend on the thread count.
ChainSample sample_chain(const Grid& g, const Population& pop, const ControlGrid& cg, double dt, int NT,
                         const Controls& ctl, const std::vector<double>& G, const std::vector<double>& M0,
                         long long particles, std::uint64_t seed);

/// FP masses against a chain sample: per (n, q) with p = M_{q,n} / Mass the score
/// z = (count / P - p) / sqrt(p (1 - p) / P); a count where p = 0 is a hard mismatch.
struct ChainAgreement {
  double max_abs_z = 0.0;   ///< over all (n, q) with 0 < p < 1
  double mean_z2 = 0.0;     ///< ~1 when the laws agree
  long long cells = 0;      ///< (n, q) pairs scored
  long long impossible = 0; ///< particles where the FP has no mass
};
ChainAgreement compare_chain(const ChainSample& s, const std::vector<double>& M, int NT, int N);

}  // namespace migra::mfg
