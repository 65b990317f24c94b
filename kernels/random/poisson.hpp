#pragma once
/// Poisson variates from the counter-based Philox stream of one item, so that a draw is a pure
/// function of (seed, stream, map, item) on CPU and GPU alike.
///
///   lambda < 10: inversion of the distribution function by sequential search (Devroye,
///                Non-Uniform Random Variate Generation, §X.3.2): the smallest k with
///                U <= F(k), one uniform per variate.
///   lambda ≥ 10: Hörmann's transformed rejection with squeeze, PTRS (Insurance: Mathematics
///                and Economics 12, 1993), about 1.1 pairs of uniforms per variate.
#include <cmath>
#include <cstdint>

#include "kernels/core/hd.hpp"
#include "kernels/random/philox.hpp"

namespace migra::rng {

/// The uniforms of one item in the order of rng::uniforms (draw 0: u[0..3], draw 1: ...),
/// computed one Philox block (two uniforms) at a time as they are needed.
struct UniformStream {
  std::uint64_t seed;
  Stream stream;
  std::uint32_t map, item;
  std::uint32_t draw = 0;  ///< the next draw; set it to start elsewhere in the item's sequence
  int half = 0, used = 2;
  double buf[2] = {0, 0};

  MIGRA_HD UniformStream(std::uint64_t seed_, Stream s, std::uint32_t map_, std::uint32_t item_)
      : seed(seed_), stream(s), map(map_), item(item_) {}
  MIGRA_HD double next() {
    if (used == 2) {
      const U32x4 b = philox4x32_10(U32x4{{item, map, 2 * draw + std::uint32_t(half), std::uint32_t(stream)}},
                                    std::uint32_t(seed), std::uint32_t(seed >> 32));
      buf[0] = to_open_unit(b.v[0], b.v[1]), buf[1] = to_open_unit(b.v[2], b.v[3]), used = 0;
      if (++half == 2) half = 0, ++draw;
    }
    return buf[used++];
  }
};

/// log k! for integer-valued k ≥ 0: a table below 10, else Stirling's series to 1/k⁷
/// (error < 1e-13 for k ≥ 10), one log instead of lgamma's several.
MIGRA_HD double log_factorial(double k) {
  if (k < 10) {
    const double table[10] = {0.0, 0.0, 0.6931471805599453, 1.791759469228055, 3.1780538303479458,
                              4.787491742782046, 6.579251212010101, 8.525161361065415, 10.60460290274525,
                              12.801827480081469};
    return table[int(k)];
  }
  const double x = k + 1.0, r = 1.0 / x, r2 = r * r;  // log Γ(x), x = k + 1
  return (x - 0.5) * log(x) - x + 0.9189385332046727 + r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 / 1680)));
}

/// One Poisson(lambda) variate, lambda ≥ 0 (0 gives 0), from a first uniform u0 and, when it
/// needs more (the rejection branch), the stream `more`.
MIGRA_HD double poisson(double lambda, double u0, UniformStream& more) {
  if (!(lambda > 0)) return 0.0;
  if (lambda < 10.0) {
    double k = 0, pk = exp(-lambda), F = pk;
    while (u0 > F && k < 100) k += 1, pk *= lambda / k, F += pk;  // F(100) = 1 to rounding
    return k;
  }
  const double slam = sqrt(lambda), loglam = log(lambda);
  const double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2.0);
  for (double u = u0;; u = more.next()) {
    const double U = u - 0.5, V = more.next();
    const double us = 0.5 - fabs(U);
    const double k = floor((2.0 * a / us + b) * U + lambda + 0.43);
    if (us >= 0.07 && V <= vr) return k;
    if (k < 0 || (us < 0.013 && V > us)) continue;
    if (log(V) + log(inv_alpha) - log(a / (us * us) + b) <= -lambda + k * loglam - log_factorial(k)) return k;
  }
}

/// One Poisson(lambda) variate from the stream u alone.
MIGRA_HD double poisson(double lambda, UniformStream& u) { return poisson(lambda, u.next(), u); }

}  // namespace migra::rng
