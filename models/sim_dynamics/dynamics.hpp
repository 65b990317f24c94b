#pragma once
/// Dynamic spatial interaction models on one map (paper 004 §2-3): positions fixed,
/// populations Q evolved by synchronous forward Euler with dt = 1,
///
///   in_j = sum_i T_ij(Q),  out_i = sum_j T_ij(Q),   Q_i(t+1) = Q_i(t) + lambda (in_i - out_i),
///
/// with out computed, not assumed (so sum Q is conserved to round-off whatever T is). Models,
/// with r_ij Euclidean, f_ij = exp(-beta r_ij), sums including k = i unless exclude_self:
///   gravity    T_ij = Q_i D_j f_ij / Z_i,  Z_i = sum_k D_k f_ik,  D = Q       (eq. 3.1)
///   retail     the same with D_j = Q_j^(1 + epsilon)                       (§2.4)
///   two-trip   the same with D_j = Q_eff_j = sum_k Q_k exp(-gamma r_jk)     (eq. 3.5, r_jk)
///   radiation  T_ij = Q_i Q_i Q_j / ((Q_i + s_ij)(Q_i + Q_j + s_ij)), s_ij the population
///              strictly closer to i than j; standard (i excluded, T_ii = 0) or literal
///   io         Schneider: T_ij = Q_i A_i [e^(-L s_ij) - e^(-L (s_ij + Q_j))], rows sum to Q_i
/// What does not change between steps is computed once per map: the kernel F (gravity
/// family; symmetric, so its upper triangle: n(n+1)/2 doubles), the sparse short-range kernel G of Two-Trip (entries above 1e-20),
/// and each site's neighbour order for radiation and IO (flows/neighbour_order.hpp).
/// A step is then two symmetric mat-vecs (gravity family: Z = F D, y = F w, in = D y) or
/// one ordered scan per row (radiation, IO): O(n^2), never the O(n^3) loop.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/flows/neighbour_order.hpp"
#include "kernels/flows/opportunity.hpp"

namespace migra::sim {

enum class DynamicsModel { Gravity, Retail, TwoTrip, Radiation, InterveningOpportunities };

struct DynamicsParams {
  DynamicsModel model = DynamicsModel::Gravity;
  double beta = 0.023;
  double gamma = 1.0;
  double epsilon = 0.1;
  double L = 0.0;                  ///< io, per unit population; 0: 1 / (total initial population)
  double lambda = 0.01;
  bool exclude_self = false;       ///< gravity family: leave k = i out of Z_i and the flows
  bool radiation_literal = false;
};

/// Gravity, retail and Two-Trip: flows from a deterrence kernel (the others scan an order).
bool gravity_family(DynamicsModel m);
/// The intervening-opportunity reading of radiation (standard or literal) or IO.
flows::OpportunityModel opportunity_model(const DynamicsParams& p);
/// IO's L on a map of this total population: p.L, or 1 / total when p.L is not set (> 0).
double schneider_L(const DynamicsParams& p, double total_population);

class MapDynamics {
 public:
  MapDynamics(const DynamicsParams& p, const std::vector<double>& x, const std::vector<double>& y,
              double total_population);
  /// Bytes precomputed per map (for the memory check before an ensemble starts).
  static std::size_t bytes_per_map(const DynamicsParams& p, int n);

  /// in_j = sum_i T_ij(Q) and out_i = sum_j T_ij(Q).
  void flows(const double* Q, double* in, double* out);
  /// Q <- Q + lambda (in - out).
  void step(double* Q);
  int size() const { return n_; }

 private:
  void gravity_flows(const double* Q, double* in, double* out);
  /// out = F v for the symmetric F stored as its upper triangle.
  void symmetric_product(const double* v, double* out) const;
  /// Offset of row i of the packed upper triangle, minus i, so that row[j] is f_ij (j >= i).
  std::size_t packed_row(int i) const {
    return std::size_t(i) * std::size_t(n_) - std::size_t(i) * std::size_t(i + 1) / 2;
  }
  void opportunity_flows(const double* Q, double* in, double* out);

  DynamicsParams p_;
  int n_;
  std::vector<double> F_;                    // gravity family: f_ij, upper triangle (n(n+1)/2)
  std::vector<int> g_start_, g_col_;         // two-trip: G in CSR
  std::vector<double> g_val_;
  flows::NeighbourOrder order_;              // radiation, io
  std::vector<double> D_, Z_, w_, in_, out_, row_;
};

}  // namespace migra::sim
