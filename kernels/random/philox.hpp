#pragma once
/// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11), the
/// counter-based generator of Random123 and cuRAND: a pure function of a 128-bit counter and
/// a 64-bit key, so any draw can be computed anywhere, in any order, by any thread — the
/// same maps on CPU, GPU and any number of MPI ranks.
///
///   round:  (c0, c1, c2, c3) -> (hi(M1 c2) ^ c1 ^ k0, lo(M1 c2), hi(M0 c0) ^ c3 ^ k1, lo(M0 c0))
///   key:    (k0, k1) += (W0, W1) after every round; 10 rounds.
///
/// migra keys a draw by (seed) and counts by (stream, map, item, draw): every random quantity
/// names its stream, so adding one never shifts another.
#include <cstdint>

#include "kernels/core/hd.hpp"

namespace migra::rng {

struct U32x4 {
  std::uint32_t v[4];
};

MIGRA_HD U32x4 philox4x32_10(U32x4 ctr, std::uint32_t k0, std::uint32_t k1) {
  constexpr std::uint32_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u, W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    const std::uint64_t p0 = std::uint64_t(M0) * ctr.v[0], p1 = std::uint64_t(M1) * ctr.v[2];
    ctr = U32x4{{std::uint32_t(p1 >> 32) ^ ctr.v[1] ^ k0, std::uint32_t(p1),
                 std::uint32_t(p0 >> 32) ^ ctr.v[3] ^ k1, std::uint32_t(p0)}};
    k0 += W0;
    k1 += W1;
  }
  return ctr;
}

/// Named streams, so that each random quantity has its own counter space.
enum class Stream : std::uint32_t {
  Position = 1, Population = 2, Cluster = 3, Sample = 4,
  Bootstrap = 5,  ///< resampled flows of a least-squares fit (models/settlement)
  Leap = 6,       ///< tau-leaping moves (models/settlement dynamics)
  Synthetic = 7,  ///< synthetic cities (models/settlement)
  BootstrapLead = 8,  ///< the first uniform of four resampled flows at once, 32 bits each
  Migration = 9,  ///< synthetic migration systems (models/pinn_migration)
  Chain = 10,     ///< particles of the MFG's discrete chain (models/city_mfg/chain_mc)
};

/// Four independent uniforms in (0, 1) (never 0 or 1: safe for logs) for draw `draw` of item
/// `item` of map `map` in stream `s`, under `seed`. 53-bit resolution from two words each;
/// the four come in two pairs: {u[0], u[1]} from one block, {u[2], u[3]} from the next.
struct Uniforms {
  double u[4];
};

MIGRA_HD double to_open_unit(std::uint32_t hi, std::uint32_t lo) {
  const std::uint64_t bits = (std::uint64_t(hi) << 21) | (lo >> 11);  // 32 + 21 = 53 bits
  return (double(bits) + 0.5) * (1.0 / 9007199254740992.0);           // (k + 1/2) / 2^53
}

/// A 32-bit word as a uniform in (0, 1): (w + 1/2) / 2^32.
MIGRA_HD double to_open_unit32(std::uint32_t w) { return (double(w) + 0.5) * (1.0 / 4294967296.0); }

MIGRA_HD Uniforms uniforms(std::uint64_t seed, Stream s, std::uint32_t map, std::uint32_t item,
                                  std::uint32_t draw) {
  const std::uint32_t k0 = std::uint32_t(seed), k1 = std::uint32_t(seed >> 32);
  const U32x4 a = philox4x32_10(U32x4{{item, map, 2 * draw, std::uint32_t(s)}}, k0, k1);
  const U32x4 b = philox4x32_10(U32x4{{item, map, 2 * draw + 1, std::uint32_t(s)}}, k0, k1);
  return Uniforms{{to_open_unit(a.v[0], a.v[1]), to_open_unit(a.v[2], a.v[3]), to_open_unit(b.v[0], b.v[1]),
                   to_open_unit(b.v[2], b.v[3])}};
}

}  // namespace migra::rng
