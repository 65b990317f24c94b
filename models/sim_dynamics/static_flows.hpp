#pragma once
/// Static spatial interaction models on a set of sites (paper 004 §2; the flow matrix that the
/// dynamics of §3 step with): gravity in four constraint forms, radiation, Schneider's
/// intervening opportunities and the Two-Trip model, optionally fitted to observed flows.
///
/// Which margins each model uses (m = populations; O, D = observed out/in-flows over the
/// scored pairs when observed flows are given, else m):
///   gravity none        T_ij = K m_i m_j f(d_ij)        K = 1, or the Poisson-ML K given obs
///   gravity production  T_ij = O_i m_j f_ij / sum_k m_k f_ik
///   gravity attraction  T_ij = m_i D_j f_ij / sum_k m_k f_kj
///   gravity doubly      T_ij = A_i O_i B_j D_j f_ij      (Furness balancing)
///   radiation, IO       O_i times the opportunity share (kernels/flows/opportunity.hpp)
///   Two-Trip            production-constrained gravity with attractiveness
///                       Q_eff_j = sum_k m_k exp(-gamma d_jk)  (paper 004 eq. 3.4, r_jk reading)
///
/// Scored pairs: i != j, or all pairs with self_flows (the literal radiation reading always
/// has self-flows). Fitting: the deterrence parameter (beta or alpha) of gravity and Two-Trip,
/// or L of IO, minimises the Poisson deviance sum_pairs [T^ - T log T^] (Flowerdew & Aitkin
/// 1982) by golden-section search on a log scale.
///
/// The model never holds the N x N matrix: run() hands it to a sink in row blocks sized to the
/// backend's memory budget.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kernels/core/backend.hpp"
#include "kernels/flows/gravity.hpp"
#include "kernels/flows/pair_kernel.hpp"
#include "kernels/stats/flow_metrics.hpp"

namespace migra::sim {

enum class FlowModel : int { Gravity, Radiation, InterveningOpportunities, TwoTrip };

/// Sites in file order. x, y are lon, lat (degrees) for the haversine metric.
struct Sites {
  std::vector<double> population, x, y;
  flows::Metric metric = flows::Metric::Haversine;
  int size() const { return int(population.size()); }
};

/// One observed flow between two site indices.
struct ObservedFlow {
  int origin = 0, destination = 0;
  double flow = 0.0;
};

struct StaticFlowConfig {
  FlowModel model = FlowModel::Gravity;
  flows::Constraint constraint = flows::Constraint::Production;
  flows::Deterrence deterrence = flows::Deterrence::Exp;
  /// beta (exp) or alpha (power). Unset: fitted when observed flows are given, else the
  /// paper's best fit (beta = 0.023 for gravity, 0.025 for Two-Trip; alpha = 2).
  std::optional<double> beta;
  double gamma = 1.0;          ///< Two-Trip's short range (paper 004: 1/gamma = 1)
  std::optional<double> L;     ///< IO; unset: fitted with observed flows, else 1 / sum m
  bool self_flows = false;     ///< score and produce i -> i flows
  bool radiation_literal = false;
  double min_distance = 1.0;   ///< power law: f = max(d, d_min)^-alpha
  flows::BalanceOptions balance;
};

struct FitReport {
  bool fitted = false;
  std::string parameter;       ///< "beta", "alpha" or "L"
  double value = 0.0;
  double deviance = 0.0;       ///< sum [T^ - T log T^] at the optimum
  int evaluations = 0;
  bool at_bound = false;       ///< the optimum lies on the search bracket's edge
};

struct StaticFlowResult {
  int n = 0;
  std::optional<double> beta, L;
  double K = 1.0;              ///< unconstrained gravity's scale
  flows::GravityBalance balance;  ///< a, b factors and balancing diagnostics (gravity family)
  FitReport fit;
  std::optional<stats::FlowMetrics> metrics;  ///< against the observed flows
  double total_flow = 0.0;
  int row_blocks = 0;
};

/// Receives the matrix in row blocks: rows [r0, r1) of n columns, row-major, host memory.
using RowSink = std::function<void(int r0, int r1, const double* rows)>;

/// Runs (and, where asked, fits) the model on the backend. `observed` may be null. Progress
/// callback (may be empty) gets the fraction done of the final pass.
StaticFlowResult run_static_flows(Backend& backend, const Sites& sites,
                                  const StaticFlowConfig& cfg,
                                  const std::vector<ObservedFlow>* observed, const RowSink& sink,
                                  const std::function<void(double)>& progress = {});

}  // namespace migra::sim
