#pragma once
/// The tie-aware intervening-opportunity scan shared by every caller that walks a row's sites
/// in distance order (a freshly sorted row in opportunity.cpp, or a stored NeighbourOrder in
/// the dynamics): emit(j, s_ij) for the k-th nearest site j, where s_ij is the mass strictly
/// closer to i than j is. A tie group shares the mass accumulated before the group; the origin
/// counts towards later s only with include_origin (paper 004's literal C_ij).
///   j_at(k): the k-th nearest site;  tied(k): whether it is as far as the (k-1)-th.
#include "kernels/core/hd.hpp"

namespace migra::flows {

template <class JAt, class TiedAt, class Emit>
MIGRA_HD void ordered_scan(int n, int i, const double* m, bool include_origin, JAt j_at, TiedAt tied, Emit emit) {
  double before = 0.0, group_s = 0.0;
  for (int k = 0; k < n; ++k) {
    if (k == 0 || !tied(k)) group_s = before;
    const int j = j_at(k);
    emit(j, group_s);
    if (j != i || include_origin) before += m[j];
  }
}

}  // namespace migra::flows
