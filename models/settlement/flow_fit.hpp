#pragma once
/// The three nested origin–destination flow models of paper 003 (spec §2.1–2.4), fitted by
/// ordinary least squares on raw counts:
///
///   That_ik = mu P_i P_k exp(f_ik),  i != k
///   baseline  f = u_k − u_i            extended  f = u_k − u_i − gamma d_ik
///   spatial   f = −gamma d_ik
///   Phi = Σ_{i≠k} c_ik (T_ik − That_ik)²   (c = 1, or pair multiplicities of a pair bootstrap)
///
/// Levenberg–Marquardt in theta = (m = log mu, gamma?, u_0 .. u_{N−2}?) with the gauge
/// u_{N−1} fixed (u → u + const leaves That unchanged). With A = dThat/dtheta and Q = c That²,
/// the normal matrix AᵀA is assembled analytically in O(N²) (spec §2.4):
///
///   (mm) = ΣQ   (mγ) = −Σ dQ   (γγ) = Σ d²Q
///   (m,u_j) = Σ_i Q_ij − Σ_k Q_jk           (γ,u_j) = −Σ_i d_ij Q_ij + Σ_k d_jk Q_jk
///   (u_j,u_j) = Σ_i Q_ij + Σ_k Q_jk         (u_a,u_b) = −(Q_ab + Q_ba)   (a weighted Laplacian)
///
/// and Aᵀr the same with Q replaced by c r That (r = T − That). Steps solve
/// (AᵀA + λ diag AᵀA) δ = Aᵀr by Cholesky, with Nielsen's update of λ (Madsen, Nielsen &
/// Tingleff, Methods for Non-Linear Least Squares Problems, 2004, §3.2). Stops when Phi's
/// relative decrease, achieved or predicted by the damped model, is below rel_tol, the
/// gradient ‖2Aᵀr‖∞ is below grad_tol·Phi, the fit is exact, or no damped step decreases Phi
/// any more.
#include <cstdint>
#include <string>
#include <vector>

namespace migra::settle {

enum class FlowModel : int { Baseline, Extended, Spatial };
const char* model_name(FlowModel m);
inline bool has_gamma(FlowModel m) { return m != FlowModel::Baseline; }
inline bool has_u(FlowModel m) { return m != FlowModel::Spatial; }

/// One least-squares problem. Pointers are N×N row-major (diagonals ignored) or N long.
struct FitProblem {
  int n = 0;
  const double* T = nullptr;       ///< observed flows, row = origin
  const double* log_p = nullptr;   ///< log P_i
  const double* d = nullptr;       ///< dimensionless distance, symmetric
  const double* weight = nullptr;  ///< pair multiplicities c_ik; null: all 1
};

struct FitParams {
  double log_mu = 0, gamma = 0;
  std::vector<double> u;  ///< N values, or empty for u ≡ 0
};

struct FitConfig {
  int max_iter = 1000;
  double rel_tol = 1e-12, grad_tol = 1e-10;
};

struct FitResult {
  FlowModel model = FlowModel::Extended;
  FitParams params;  ///< at the optimum; u shifted so that min u = 0
  double phi = 0;
  double r2 = 0;     ///< 1 − Phi / Σ c (T − Tbar)², Tbar the (weighted) mean of T over i != k
  int iterations = 0;
  bool converged = false;
  std::string stop;  ///< why the iteration ended
};

/// The model flows That (N×N, zero diagonal) for parameters (u empty: u ≡ 0).
std::vector<double> model_flows(const FitProblem& p, FlowModel model, const FitParams& theta);

/// The least-squares log mu for fixed (gamma, u): mu* = Σ c T w / Σ c w², w = P_i P_k exp(f).
double closed_form_log_mu(const FitProblem& p, FlowModel model, const FitParams& theta);

/// The Gauss–Newton system at theta: AᵀA (p×p row-major), Aᵀr and Phi, in the parameter
/// order of the header comment.
struct NormalEquations {
  int size = 0;
  std::vector<double> ata, atr;
  double phi = 0;
};
NormalEquations normal_equations(const FitProblem& p, FlowModel model, const FitParams& theta);

/// Levenberg–Marquardt from `start` (its u, if any, must have N values).
FitResult fit_flow_model(const FitProblem& p, FlowModel model, const FitParams& start, const FitConfig& cfg = {});

/// The spatial model's profile Phi(gamma) at the closed-form mu on a grid lo, lo+step, ..,
/// hi, and its minimum polished by golden-section search inside the best grid cell: the
/// exact one-dimensional reference for the optimiser (spec §2.4).
struct GammaProfile {
  std::vector<double> gamma, phi;
  double best_gamma = 0, best_phi = 0, best_log_mu = 0;
};
GammaProfile gamma_profile(const FitProblem& p, double lo = 0.0, double hi = 3.0, double step = 1e-3);

/// All three models with the nested initialisation of spec §2.4: spatial from the profile,
/// baseline from u = 0, extended from both optima, keeping the lower Phi — so that
/// R²_ext ≥ max(R²_base, R²_spatial) holds exactly.
struct NestedFits {
  FitResult baseline, extended, spatial;
  GammaProfile profile;
  const FitResult& get(FlowModel m) const;
};
NestedFits fit_nested(const FitProblem& p, const FitConfig& cfg = {}, double profile_step = 1e-3);

}  // namespace migra::settle
