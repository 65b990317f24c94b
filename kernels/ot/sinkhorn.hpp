#pragma once
/// Entropic optimal transport by Sinkhorn's algorithm, batched, balanced or KL-relaxed.
///
/// For each problem b of a batch (weights a_b: n, b_b: m, one shared cost C: n x m),
///
///   min_P  <C, P> - eps H(P) + tau_a KL(P 1 | a) + tau_b KL(P^T 1 | b),
///          H(P) = -sum_ij P_ij (log P_ij - 1),  KL(p|q) = sum p log(p/q) - p + q
///
/// (tau = inf: the marginal is a hard constraint, P 1 = a; Cuturi 2013, Chizat et al. 2018).
/// The optimal plan is P_ij = exp((f_i + g_j - C_ij) / eps) for the potentials f = eps log u,
/// g = eps log v, fixed points of
///
///   f_i = lambda_a eps ( log a_i - LSE_j((g_j - C_ij) / eps) ),  lambda_a = tau_a / (tau_a + eps)
///   g_j = lambda_b eps ( log b_j - LSE_i((f_i - C_ij) / eps) )    (lambda = 1 when tau = inf)
///
/// and the dual objective is  D(f, g) = -tau_a <a, e^{-f/tau_a} - 1> - tau_b <b, e^{-g/tau_b} - 1>
/// - eps sum_ij P_ij, which for tau = inf reads <f, a> + <g, b> - eps sum P.
///
/// Two iterations, one result:
///   sinkhorn_log      the updates above with an online log-sum-exp (kernels/ot/softmin.hpp):
///                     stable for any eps (no exp of a positive number is taken), cost read or
///                     recomputed on every pass, so points need no N x M storage at all.
///   sinkhorn_scaling  u = (a / K v)^lambda_a, v = (b / K^T u)^lambda_b with K = e^{-C/eps}
///                     stored: GEMV/GEMM speed, valid while K and u, v stay in range (large
///                     eps). A non-finite iterate rolls back and the solve continues in the log
///                     domain from the last finite potentials.
///   sinkhorn          picks one by cfg.method ("auto": scaling when max C / eps <= 200 and K
///                     fits the backend's memory budget, else log).
///
/// Convergence is checked every cfg.check_every iterations, per problem (converged problems
/// are frozen): balanced, error = ||P 1 - a||_1 / ||a||_1 of the returned potentials (P^T 1 = b
/// holds exactly after the g-update); KL-relaxed, error = max_i |f_new_i - f_i| / eps over one
/// update. eps-scaling (cfg.eps_scaling = q in (0,1)) first solves at eps_k = max(eps, c_max q^k)
/// to a loose tolerance, each stage warm-starting the next (the potentials are in cost units).
///
/// Zero weights give -inf potentials (those rows or columns of P are 0). Determinism: see
/// softmin.hpp; the CPU result does not depend on the thread count.
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "kernels/core/backend.hpp"
#include "kernels/ot/cost.hpp"

namespace migra::ot {

/// An OT cost in host memory: a matrix, or two point sets and a metric.
struct CostInput {
  int n = 0, m = 0;
  const double* matrix = nullptr;  ///< n x m row-major; null for points
  bool symmetric = false;          ///< matrix is symmetric (n == m): C^T is not stored
  const double* x = nullptr;       ///< n x dim row-major; (lon, lat) degrees for haversine
  const double* y = nullptr;       ///< m x dim row-major
  int dim = 0;
  CostMetric metric = CostMetric::SqEuclidean;
};

struct SinkhornConfig {
  double eps = 0.05;           ///< entropic regularisation, in cost units
  double tau_a = INFINITY;     ///< KL relaxation of the row marginal (inf: balanced)
  double tau_b = INFINITY;     ///< KL relaxation of the column marginal
  int max_iter = 1000;         ///< per eps stage
  double tol = 1e-9;
  int check_every = 10;
  double eps_scaling = 0.0;    ///< q in (0, 1), or 0: no eps-scaling
  std::string method = "auto"; ///< for sinkhorn(): "auto", "log" or "scaling"
  /// Called at every check with the iterations so far, the largest error of the batch and the
  /// potentials checked (f, g: host copies), e.g. for progress and checkpoints.
  std::function<void(int, double, const std::vector<double>&, const std::vector<double>&)> on_check;
};

struct SinkhornResult {
  int batch = 0, n = 0, m = 0;
  std::vector<double> f, g;         ///< batch x n, batch x m; f = eps log u, g = eps log v
  int iterations = 0;               ///< f- and g-updates, summed over eps stages
  std::vector<double> error_history;  ///< largest error of the batch at each check
  std::vector<double> error;          ///< per problem, at its last check
  std::vector<unsigned char> problem_converged;
  bool converged = false;           ///< every problem reached tol at the target eps
  std::string method;               ///< "log", "scaling", or "scaling+log" after a rollback
  bool rolled_back = false;         ///< a non-finite iterate was met and discarded
  std::string message;              ///< what happened at a rollback
};

/// Weights: a (batch x n), b (batch x m), host memory, >= 0 and finite; for balanced problems
/// sum a_b = sum b_b (relative 1e-8). `warm`: potentials to start from (same shapes), e.g. the
/// previous solve of a nearby problem. Throws migra::Error on bad input.
SinkhornResult sinkhorn_log(Backend& backend, const CostInput& cost, const double* a,
                            const double* b, int batch, const SinkhornConfig& cfg,
                            const SinkhornResult* warm = nullptr);
SinkhornResult sinkhorn_scaling(Backend& backend, const CostInput& cost, const double* a,
                                const double* b, int batch, const SinkhornConfig& cfg,
                                const SinkhornResult* warm = nullptr);
SinkhornResult sinkhorn(Backend& backend, const CostInput& cost, const double* a, const double* b,
                        int batch, const SinkhornConfig& cfg, const SinkhornResult* warm = nullptr);

/// Diagnostics of the plan P = exp((f + g - C) / eps) of one problem.
struct OtReport {
  double transport_cost = 0.0;     ///< <C, P>
  double mass = 0.0;               ///< sum P
  double marginal_error_a = 0.0;   ///< ||P 1 - a||_1
  double marginal_error_b = 0.0;   ///< ||P^T 1 - b||_1
  double entropy = 0.0;            ///< H(P) = -sum P (log P - 1)
  double primal = 0.0;             ///< <C,P> - eps H(P) + KL terms
  double dual = 0.0;               ///< D(f, g)
  double gap = 0.0;                ///< primal - dual (>= 0 up to round-off; 0 at the optimum)
};
std::vector<OtReport> ot_report(Backend& backend, const CostInput& cost, const double* a,
                                const double* b, const SinkhornConfig& cfg,
                                const SinkhornResult& res);

/// Problem `problem`'s plan, handed to sink(r0, r1, rows) in blocks of at most block_rows
/// rows ((r1 - r0) x m, row-major, host memory), in row order.
void transport_plan(Backend& backend, const CostInput& cost, const SinkhornResult& res,
                    double eps, int problem, int block_rows,
                    const std::function<void(int, int, const double*)>& sink);

/// The largest cost entry (matrix), or an upper bound from the points' bounding boxes.
double max_cost(const CostInput& cost);

}  // namespace migra::ot
