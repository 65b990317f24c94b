#pragma once
/// The MFG's Picard map G (spec §3.7) and the state its solvers share. From masses
/// M = (M^w, M^f), (N_T + 1) x N each with row 0 the initial masses, one sweep computes the
/// labour market's potentials and the rents of M, solves both HJ equations backward and both
/// FP equations forward; G(M) is the FP masses. A fixed point M = G(M) solves the discrete MFG.
/// The damped Picard iteration (mfg.cpp) and Newton–Krylov (mfg_newton.cpp) both iterate G.
#include <vector>

#include "models/city_mfg/mfg.hpp"

namespace migra::mfg {

/// One application of G, with what the result keeps of its last one.
struct Sweep {
  std::vector<double> Mw, Mf;            ///< G(M)
  std::vector<double> Uw, Uf;            ///< the HJ value functions
  std::vector<double> phi_w, phi_f;      ///< the market potentials, N_T x N
  std::vector<double> Gw, Gf;            ///< the couplings phi + F, N_T x N
  Controls cw, cf;
  ot::SinkhornResult ot;                 ///< its potentials warm-start the next sweep
  long long floor_hits = 0;
};

/// Factors on both populations' viscosities nu, overcrowding coefficients C and thresholds b
/// (1: the config's): what an arclength walk varies.
struct Knobs {
  double nu = 1.0, C = 1.0, b = 1.0;
};

class PicardMap {
 public:
  PicardMap(Backend& backend, const Grid& g, const std::vector<double>& D, const MfgConfig& cfg);
  /// G(M); `warm`: Sinkhorn's start (a sweep's ot), or null for a cold start; `knobs` scale the
  /// config's nu, C and b (the arclength solver's parameter).
  Sweep operator()(const double* Mw, const double* Mf, const ot::SinkhornResult* warm, const Knobs& knobs = {}) const;
  /// The unknowns of a solver: both populations' masses at t_1..t_NT (row 0 is m0), one vector.
  std::vector<double> pack(const std::vector<double>& Mw, const std::vector<double>& Mf) const;
  /// The inverse of pack: (N_T + 1) x N masses with row 0 = m0.
  void unpack(const std::vector<double>& x, std::vector<double>& Mw, std::vector<double>& Mf) const;
  /// The solvers' residual between two mass pairs: max_{k,n} sum_q |A^k_{q,n} - B^k_{q,n}| / Mass^k.
  double distance(const double* Aw, const double* Af, const double* Bw, const double* Bf) const;
  /// A result holding m0 at every time (or the guess), masses and sizes filled in.
  MfgResult start(const MfgGuess* guess) const;
  /// Moves a sweep's value functions, potentials, couplings and controls into r.
  static void keep(Sweep& s, MfgResult& r);
  /// Counts a sweep in r's totals: one more sweep, its Sinkhorn iterations and OT method.
  static void count(const Sweep& s, MfgResult& r);

  int N = 0, NT = 0;
  double mass_w = 0.0, mass_f = 0.0;
  std::vector<double> M0w, M0f;  ///< initial masses m0 |C|

 private:
  Backend& be_;
  const Grid& g_;
  const MfgConfig& cfg_;
  std::vector<double> cost_;
  Balls balls_;
};

/// Where an iteration leaves a solve: enough to go on with the same bits. Picard: the damping
/// stage and the iterations since it changed; Newton: `done` steps.
struct SolveState {
  int done = 0, stage = 0, since_stage = 0;
  ot::SinkhornResult warm;
  /// arclength, once the walk has a point past the start: the last point z_k = (x / xs, mu), the
  /// secant t and the next step ds; `warm` is then the start of z_k's sweep.
  std::vector<double> zk, t;
  double xs = 0.0, ds = 0.0;
};

/// Newton–Krylov iterations on F(M) = G(M) - M from r's masses (mfg_newton.cpp); `save` is
/// called after each step with the state (its caller decides about the checkpoint).
void newton_solve(const PicardMap& G, const MfgConfig& cfg, MfgResult& r, SolveState& st,
                  const std::function<void(int, double)>& on_iteration,
                  const std::function<void(const MfgResult&, const SolveState&)>& save);

/// Pseudo-arclength continuation of the fixed points in cfg.arclength_parameter
/// (mfg_arclength.cpp): a Newton solve of r's masses at the config's values, then the branch
/// through folds. on_point(k, s) after each point; `save` after each Newton step of the start
/// and each point (st then holds the walk: SolveState::zk).
void arclength_solve(const PicardMap& G, const MfgConfig& cfg, MfgResult& r, SolveState& st,
                     const std::function<void(int, double)>& on_point,
                     const std::function<void(const MfgResult&, const SolveState&)>& save);

}  // namespace migra::mfg
