#pragma once
/// Intervening-opportunity models: the flow i -> j depends on s_ij, the mass of the sites
/// strictly closer to i than j is (Stouffer 1940).
///
///   s_ij = sum_{k != i, k != j, d_ik < d_ij} m_k                                  (standard)
///   s_ij = sum_{k != j, d_ik < d_ij} m_k   (k = i included: paper 004's literal C_ij)
///
/// Ties (spec 004 §2.5): comparisons are strict, so all sites at the same distance from i share
/// one s, the mass strictly inside their circle. Distances are compared through
/// Coords::order_key (squared distances), so lattice ties are exact.
///
/// Flows, with O_i the origin's total outflow and m the site masses (populations):
///   radiation (Simini et al. 2012, paper 004 eq. 3.3):
///       T_ij = O_i m_i m_j / ((m_i + s_ij)(m_i + m_j + s_ij)),   T_ii = 0
///       => sum_{j != i} T_ij = O_i (1 - m_i / M) without ties, M = sum_k m_k
///   radiation, literal reading (k = i in C_ij, j = i included): T_ii = O_i / 2
///       => sum_j T_ij = O_i (1 - m_i / (m_i + M))
///   intervening opportunities (Schneider 1959):
///       T_ij = O_i A_i [exp(-L s_ij) - exp(-L (s_ij + m_j))],  A_i: sum_{j != i} T_ij = O_i
///   A site with O_i = 0 sends nothing; in radiation, neither does one with m_i = 0.
///
/// Cost: O(n log n) per row (sort by distance, then a tie-aware exclusive scan), O(n^2 log n)
/// in all, never the O(n^3) triple loop. CPU: per-row std::sort + scan under OpenMP. GPU: CUB
/// segmented stable sort + by-key scans over row chunks (opportunity.cu).
/// Shapes: m, O: (n); out: (r1 - r0) x n row-major; all in exec's memory space.
/// Determinism: rows are sorted by (distance, j), so results do not depend on thread count;
/// CPU and GPU agree to round-off.
#include <cmath>

#include "kernels/core/exec.hpp"
#include "kernels/flows/distance.hpp"

namespace migra::flows {

enum class OpportunityModel : int { Radiation = 0, RadiationLiteral = 1, Schneider = 2 };

struct OpportunityParams {
  OpportunityModel model = OpportunityModel::Radiation;
  double L = 0.0;  ///< Schneider's probability per unit of opportunity (1 / mass units)

  bool includes_origin() const { return model == OpportunityModel::RadiationLiteral; }
  bool row_normalised() const { return model == OpportunityModel::Schneider; }
};

/// s_ij for rows [r0, r1): out[(i - r0) n + j]; s_ii = 0.
void intervening_sums(const Exec& exec, const Coords& c, const double* m, bool include_origin,
                      int r0, int r1, double* out);

/// T_ij for rows [r0, r1).
void opportunity_fill(const Exec& exec, const Coords& c, const double* m, const double* O,
                      const OpportunityParams& p, int r0, int r1, double* out);

namespace detail {

/// The unnormalised share of O_i that goes to j, given the origin mass mi, the destination
/// mass mj and the intervening mass s (same code on CPU and GPU).
struct OpportunityShare {
  OpportunityModel model;
  double L;
  MIGRA_HD double operator()(double mi, double mj, double s) const {
    if (model == OpportunityModel::Schneider)  // exp(-Ls) (1 - exp(-L mj)), cancellation-free
      return -exp(-L * s) * expm1(-L * mj);
    if (mi == 0.0) return 0.0;
    return mi * mj / ((mi + s) * (mi + mj + s));
  }
};

/// Whether the (i, j) pair carries a flow: j = i only in the literal radiation reading.
MIGRA_HD bool opportunity_pair(int i, int j, bool include_origin) {
  return include_origin || i != j;
}

/// What a row pass writes: s_ij itself, or the flows T_ij.
enum class RowOutput : int { Sums, Flows };

void opportunity_rows_cuda(DeviceContext& ctx, const Coords& c, const double* m, const double* O,
                           const OpportunityParams& p, RowOutput what, int r0, int r1,
                           double* out);

}  // namespace detail
}  // namespace migra::flows
