#pragma once
/// The deterrence kernel K_ij = f(d_ij) of gravity-type models, evaluated on the fly.
///
///   exp:    f(d) = exp(-beta d)                       (entropy maximisation; paper 004 eq. 3.1)
///   power:  f(d) = max(d, d_min)^(-alpha)             (d_min regularises coincident sites)
///
/// With exclude_self, K_ii = 0 (no self-flows); otherwise K_ii = f(0) (= 1 for exp).
/// A caller that makes many passes over the same K (Furness balancing) may set `table` to
/// K's n x n values, computed once by pair_fill: the same numbers, read instead of recomputed.
#include <cmath>

#include "kernels/core/hd.hpp"
#include "kernels/flows/distance.hpp"

namespace migra::flows {

enum class Deterrence : int { Exp = 0, Power = 1 };

struct DeterrenceFn {
  Deterrence kind = Deterrence::Exp;
  double param = 0.0;         ///< beta (exp) or alpha (power)
  double min_distance = 1.0;  ///< d_min of the power law, in distance units

  MIGRA_HD double operator()(double d) const {
    if (kind == Deterrence::Exp) return exp(-param * d);
    return pow(d > min_distance ? d : min_distance, -param);
  }
};

struct PairKernel {
  Coords coords;
  DeterrenceFn f;
  bool exclude_self = true;
  const double* table = nullptr;  ///< optional: K_ij at table[i n + j], in the exec's memory space

  MIGRA_HD double operator()(int i, int j) const {
    if (table) return table[(long long)i * coords.n + j];
    if (exclude_self && i == j) return 0.0;
    return f(coords.distance(i, j));
  }
};

}  // namespace migra::flows
