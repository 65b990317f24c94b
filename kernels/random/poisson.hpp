#pragma once
/// Poisson variates from the counter-based Philox stream of one item, so that a draw is a pure
/// function of (seed, stream, map, item) on CPU and GPU alike.
///
///   lambda < 10: inversion by products of uniforms (Knuth, TAOCP vol. 2 §3.4.1): the
///                smallest k with U_1 ⋯ U_{k+1} < e^{-lambda}.
///   lambda ≥ 10: Hörmann's transformed rejection with squeeze, PTRS (Insurance: Mathematics
///                and Economics 12, 1993), about 1.1 pairs of uniforms per variate.
#include <cmath>
#include <cstdint>

#include "kernels/core/hd.hpp"
#include "kernels/random/philox.hpp"

namespace migra::rng {

/// The uniforms of one item in order: four per Philox pair, drawn as they are needed.
struct UniformStream {
  std::uint64_t seed;
  Stream stream;
  std::uint32_t map, item;
  std::uint32_t draw = 0;
  int used = 4;
  Uniforms buf{};

  MIGRA_HD UniformStream(std::uint64_t seed_, Stream s, std::uint32_t map_, std::uint32_t item_)
      : seed(seed_), stream(s), map(map_), item(item_) {}
  MIGRA_HD double next() {
    if (used == 4) buf = uniforms(seed, stream, map, item, draw++), used = 0;
    return buf.u[used++];
  }
};

MIGRA_HD double log_factorial(double k) { return lgamma(k + 1.0); }

/// One Poisson(lambda) variate, lambda ≥ 0 (0 gives 0).
MIGRA_HD double poisson(double lambda, UniformStream& u) {
  if (!(lambda > 0)) return 0.0;
  if (lambda < 10.0) {
    const double limit = exp(-lambda);
    double k = 0, prod = u.next();
    while (prod >= limit) prod *= u.next(), k += 1;
    return k;
  }
  const double slam = sqrt(lambda), loglam = log(lambda);
  const double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2.0);
  for (;;) {
    const double U = u.next() - 0.5, V = u.next();
    const double us = 0.5 - fabs(U);
    const double k = floor((2.0 * a / us + b) * U + lambda + 0.43);
    if (us >= 0.07 && V <= vr) return k;
    if (k < 0 || (us < 0.013 && V > us)) continue;
    if (log(V) + log(inv_alpha) - log(a / (us * us) + b) <= -lambda + k * loglam - log_factorial(k)) return k;
  }
}

}  // namespace migra::rng
