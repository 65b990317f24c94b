#pragma once
/// One origin's sites in order of distance, for the intervening-opportunity scans (radiation,
/// Schneider's IO, the dynamics' static NeighbourOrder):
///   row = (order_key(i, j), j) for j = 0..n-1, sorted by key, equal keys by j.
/// By least-significant-digit radix passes of 8 bits over the keys' bit patterns (non-negative
/// doubles, whose unsigned bit order is their numeric order), each pass stable, so ties keep
/// j's order, exactly the order std::sort with (key, j) gives. A pass whose digit is the same
/// for every site (most of the exponent's) is skipped. On a 2-core VM at n = 4096 the row sort
/// was 63 % of radiation's time under std::sort (branch mispredictions).
#include <cstdint>
#include <vector>

#include "kernels/flows/distance.hpp"

namespace migra::flows {

struct Ranked {
  double key;       ///< Coords::order_key(i, j) >= 0
  std::uint32_t j;
};

/// row: the sorted sites (resized to c.n); scratch: reused between calls.
void distance_order(const Coords& c, int i, std::vector<Ranked>& row, std::vector<Ranked>& scratch);

}  // namespace migra::flows
