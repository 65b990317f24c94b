#pragma once
/// Each site's neighbours sorted by distance, computed once for a map whose positions do not
/// move (paper 004 §9: the dynamics re-use it every step instead of re-sorting). Row i lists
/// all n sites (i itself first, at distance 0, unless a duplicate point ties with it), ordered
/// by (squared distance, index); `tied` marks an entry as far from i as the one before it.
/// Memory: n^2 x (4 + 1) bytes (5 MB at n = 1000).
#include <cstdint>
#include <vector>

#include "kernels/flows/distance.hpp"

namespace migra::flows {

struct NeighbourOrder {
  int n = 0;
  std::vector<std::uint32_t> index;  ///< n x n, row-major
  std::vector<std::uint8_t> tied;    ///< n x n
};

/// Sorts every row (OpenMP over rows; the result does not depend on the thread count).
NeighbourOrder build_neighbour_order(const Coords& c);

}  // namespace migra::flows
