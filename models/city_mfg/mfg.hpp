#pragma once
/// The two-population mean-field game on a network coupled with entropic optimal transport
/// (paper 001; spec §1.5-1.6, §3.5-3.7). Workers (w) and firms (f) live on the edges; each
/// solves an HJ equation with running cost L + phi^k + F^k and moves by the FP equation of its
/// optimal drift (sl_scheme.hpp). At every time t_n the labour market is the entropic OT
///   min <c(d_Gamma), P> - eps H(P),  P 1 = M^w_n / Mass^w,  P^T 1 = M^f_n / Mass^f
/// (one batched Sinkhorn over n = 0..N_T-1, kernels/ot), whose potentials enter the HJ right
/// sides: phi^w = f - eps log |C_q| (variant B, default), phi^f = g - eps log |C_s|, normalised
/// by kappa = sum phi^w |C| / |Gamma| (phi^w -= kappa, phi^f += kappa). Variant A keeps
/// f and g (the paper literally); C uses the Schroedinger potentials f - eps log mu.
/// Rents F^k = S^k + O^k from averages over geodesic balls B_r:
///   m#_k(x) = sum_{B_r(x)} M^k / sum_{B_r(x)} |C|
///   S^k = (m#_k / (m#_w + m#_f + eta) - a^k)^-     O^k = C^k (m#_w + m#_f - b^k)^+
/// (the kinks optionally smoothed: MfgConfig::rent_smoothing).
/// Picard iteration M <- (1 - theta) M + theta FP(HJ(OT(M), F(M))) until
///   err = max_{k,n} sum_q |M~^k_{q,n} - M^k_{q,n}| / Mass^k < tol,
/// with theta = cfg.theta (1), then half of it after 5 iterations without progress, then 1/(s+1)
/// (fictitious play). Where that stalls (small viscosities), solver = "newton" solves
/// G(M) - M = 0 by Newton–Krylov instead (picard_map.hpp, mfg_newton.cpp).
#include <functional>
#include <string>
#include <vector>

#include "kernels/core/backend.hpp"
#include "kernels/ot/sinkhorn.hpp"
#include "models/checkpointing.hpp"
#include "models/city_mfg/network.hpp"
#include "models/city_mfg/sl_scheme.hpp"

namespace migra::mfg {

/// m0(x) at node positions: "uniform" base; "cosine" base (1 + amplitude cos(2 pi mode s /
/// |Gamma| + phase)) with s the arclength along the edges in file order; "gaussian" base +
/// amplitude exp(-|x - (cx, cy)|^2 / width).
struct InitialDensity {
  std::string kind = "uniform";
  double base = 1.0, amplitude = 0.0, mode = 2.0, phase = 0.0, cx = 0.0, cy = 0.0, width = 1.0;
};

struct PopulationConfig {
  Population sl;            ///< lambda, nu, h
  double a = 0.5;           ///< happiness threshold of the separation cost
  double b = 4.0;           ///< overcrowding threshold
  double C = 1.0;           ///< overcrowding coefficient
  InitialDensity initial;
};

struct MfgConfig {
  double T = 2.0, dx = 0.01, dt = 0.05;
  double eps = 0.5;                ///< entropic OT regularisation
  std::string cost = "linear";     ///< c(d): linear, sqrt or quadratic
  std::string potential = "B";     ///< A, B or C
  bool ot_coupling = true;         ///< false: phi = 0 (no labour market)
  bool separation = true, overcrowding = true;
  double r = 0.1, eta = 1e-2;
  /// The local averages m# of the rents: "ball" (the indicator of d < r, the spec's choice) or
  /// "gaussian" (weights e^{-d^2 / (2 r^2)} for d < 4r). The ball's cosine transform has negative
  /// lobes (near k r = 4.5), where strong overcrowding attracts; with the SL scheme's weak damping
  /// of short waves that makes node-scale clusters (issue 5 note). The Gaussian's is positive.
  std::string rent_kernel = "ball";
  /// delta: the rents' kinks (x)^+ smoothed to delta log(1 + e^{x / delta}), which is above
  /// (x)^+ by at most delta log 2 (at x = 0) and smooth, so that Newton's linear model holds
  /// across the nodes where a threshold is crossed (the spec's kinks stall it: issue 5 note).
  /// 0 (default): the spec's kinks.
  double rent_smoothing = 0.0;
  ControlGrid controls;
  double tol = 1e-4;
  int max_iter = 200;              ///< Picard iterations, or Newton steps
  double theta = 1.0;
  std::string solver = "picard";   ///< picard | newton | arclength
  int krylov = 30;                 ///< newton, arclength: GMRES vectors per step (Jacobian products)
  /// arclength: follow the branch of fixed points in s from s = 1 (the config) towards
  /// s = arclength_to, in steps of arclength `arclength_step` (mfg_arclength.cpp), until s
  /// leaves [1 / arclength_to, arclength_to] or the walk has `arclength_points` points. The
  /// parameter: "nu" (both viscosities nu / s), "C" (both overcrowding coefficients C s) or
  /// "b" (both overcrowding thresholds b / s).
  std::string arclength_parameter = "nu";
  double arclength_to = 2.0, arclength_step = 0.02;
  int arclength_points = 200;
  double ot_tol = 1e-10;
  int ot_max_iter = 2000;
  PopulationConfig workers, firms;
  int steps() const;               ///< N_T = round(T / dt)
};

struct MfgResult {
  int NT = 0, N = 0;
  double mass_w = 0.0, mass_f = 0.0;
  std::vector<double> Mw, Mf;      ///< masses (N_T + 1) x N
  std::vector<double> Uw, Uf;      ///< value functions (N_T + 1) x N
  std::vector<double> phi_w, phi_f;  ///< OT potentials N_T x N (normalised)
  std::vector<double> residuals;   ///< err per Picard iteration or Newton step
  std::vector<double> thetas;      ///< damping used per iteration (Newton: the line search's step)
  long long sweeps = 0;            ///< applications of the Picard map (Newton: with its products)
  int iterations = 0;
  bool converged = false;
  bool stalled = false;            ///< newton: stopped without 10 % progress in 5 steps
  long long saturated = 0;         ///< control argmins at +-a_max (last iteration)
  long long ot_iterations = 0;     ///< Sinkhorn iterations, all Picard iterations
  long long floor_hits = 0;        ///< OT weights floored at 1e-300 (empty nodes), all iterations
  std::string ot_method;
  /// arclength: the branch's points, the first the converged start; the masses are the last's.
  struct BranchPoint {
    double scale = 1.0;            ///< s: the point's nu / s, C s or b / s (arclength_parameter)
    double residual = 0.0;
    int corrector_steps = 0;
    double ds = 0.0;               ///< the arclength step that reached it
  };
  std::vector<BranchPoint> branch;
  /// arclength: why the walk ended: "points" (arclength_points reached), "window" (s left
  /// [1 / arclength_to, arclength_to]) or "lost" (no corrector converged, however short the
  /// step: a branch point, a corner or the solver's noise floor); empty while none has
  std::string branch_end;
  std::vector<double> branch_w, branch_f;  ///< each point's final-time masses, points x N
  int resumed_at = 0;              ///< Picard iterations restored from a checkpoint
  /// The last Picard iteration's HJ solves: their controls and couplings G = phi + F (N_T x N),
  /// for checks of the discrete chain (chain_mc.hpp). Empty when no iteration ran.
  Controls controls_w, controls_f;
  std::vector<double> G_w, G_f;
};

/// Densities m0 on the grid's nodes.
std::vector<double> initial_density(const Grid& g, const InitialDensity& d);

/// The rents F^w, F^f at one time from masses (N each), given the neighbourhood CSR.
struct Balls {
  std::vector<int> start, node;    ///< CSR: the nodes s averaged at q
  std::vector<double> weight;      ///< their kernel weights (1 for the ball)
};
/// kernel: "ball" (d(q, s) < r, weight 1) or "gaussian" (d < 4r, weight e^{-d^2 / (2 r^2)}).
Balls make_balls(const Grid& g, const std::vector<double>& D, double r, const std::string& kernel = "ball");
/// (x)^+, or its softplus delta log(1 + e^{x / delta}) when delta > 0 (MfgConfig::rent_smoothing).
double positive_part(double x, double delta);
void rents(const Grid& g, const Balls& balls, const MfgConfig& cfg, const double* Mw, const double* Mf, double* Fw,
           double* Ff);

/// c(d_Gamma) for each node pair: linear, sqrt or quadratic.
std::vector<double> commuting_costs(const std::string& kind, const std::vector<double>& D);

/// The labour market's potentials (spec §3.6) for `batch` pairs of masses Mw, Mf (batch x N):
/// Sinkhorn on the normalised measures (floored at 1e-300), the cfg.potential variant, and
/// the kappa normalisation. w, f: batch x N.
struct MarketPotentials {
  std::vector<double> w, f;
  ot::SinkhornResult sinkhorn;
  long long floor_hits = 0;
};
MarketPotentials market_potentials(Backend& backend, const Grid& g, const std::vector<double>& cost,
                                   const MfgConfig& cfg, const double* Mw, const double* Mf, int batch,
                                   double mass_w, double mass_f, const ot::SinkhornResult* warm = nullptr);

/// on_iteration(s, err) after each Picard iteration. With `ck`, the iteration's state (the
/// damped masses, the residual history, the damping stage and the Sinkhorn warm start) is
/// offered to ck.save every ck.every iterations, and a non-empty ck.initial is resumed from:
/// the result has the bits of an uninterrupted solve (resumed_at says where it went on).
/// `guess`: the first iterate M^(0), Picard's or Newton's ((N_T + 1) x N masses per
/// population), instead of m0 held at every time (spec test 16 starts from several).
struct MfgGuess {
  std::vector<double> Mw, Mf;
};
MfgResult solve_mfg(Backend& backend, const Grid& g, const std::vector<double>& D, const MfgConfig& cfg,
                    const std::function<void(int, double)>& on_iteration = {},
                    const models::Checkpointing& ck = {}, const MfgGuess* guess = nullptr);

/// The spec's regime metrics of final masses (§5): m^ = m / Mass.
struct RegimeMetrics {
  double overlap = 0.0;            ///< Ov = int min(m^w, m^f)
  double peak_w = 0.0, peak_f = 0.0;  ///< P^k = max m^k |Gamma|
  int clusters_w = 0, clusters_f = 0;  ///< components of {m^k > 1.5 / |Gamma|}
};
RegimeMetrics regime_metrics(const Grid& g, const double* Mw, const double* Mf, double mass_w, double mass_f);

}  // namespace migra::mfg
