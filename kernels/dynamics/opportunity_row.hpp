#pragma once
/// One origin's row of the intervening-opportunity dynamics (paper 004: radiation, its literal
/// reading, Schneider's IO), shared by the per-map CPU step (models/sim_dynamics/dynamics.cpp)
/// and the batched step (opportunity_step.hpp):
///
///   share_ij = OpportunityShare(Q_i, Q_j, s_ij) with s_ij from the tie-aware ordered scan,
///   T_ij = c_i share_ij,  c_i = Q_i (radiation) or Q_i / sum_j share_ij (Schneider),
///
/// `row` (n values) holds the shares, then emit(j, T_ij) runs for j = 0..n-1 in order; the
/// return value is out_i = sum_j T_ij, summed in the same order.
#include "kernels/core/hd.hpp"
#include "kernels/flows/opportunity.hpp"
#include "kernels/flows/ordered_scan.hpp"

namespace migra::dynamics {

template <class JAt, class TiedAt, class Emit>
MIGRA_HD double opportunity_row(int n, int i, const double* Q, flows::OpportunityModel model, double L, JAt j_at,
                                TiedAt tied, double* row, Emit emit) {
  const bool io = model == flows::OpportunityModel::Schneider;
  const bool literal = model == flows::OpportunityModel::RadiationLiteral;
  const flows::detail::OpportunityShare share{io ? flows::OpportunityModel::Schneider : flows::OpportunityModel::Radiation,
                                              io ? L : 0.0};
  double total = 0.0;
  flows::ordered_scan(n, i, Q, literal, j_at, tied, [&](int j, double s) {
    const double v = flows::detail::opportunity_pair(i, j, literal) ? share(Q[i], Q[j], s) : 0.0;
    row[j] = v;
    total += v;
  });
  const double scale = io ? (total > 0.0 ? Q[i] / total : 0.0) : Q[i];
  double out = 0.0;
  for (int j = 0; j < n; ++j) {
    const double t = row[j] * scale;
    emit(j, t);
    out += t;
  }
  return out;
}

}  // namespace migra::dynamics
