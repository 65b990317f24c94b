#pragma once
/// Each site's neighbours sorted by distance, computed once for a map whose positions do not
/// move (paper 004 §9: the dynamics re-use it every step instead of re-sorting). Row i lists
/// all n sites (i itself first, at distance 0, unless a duplicate point ties with it), ordered
/// by (squared distance, index); `tied` marks an entry as far from i as the one before it.
/// Memory: n^2 x (4 + 1) bytes (5 MB at n = 1000).
#include <cstdint>
#include <vector>

#include "kernels/flows/distance.hpp"
#include "kernels/flows/ordered_scan.hpp"

namespace migra::flows {

struct NeighbourOrder {
  int n = 0;
  std::vector<std::uint32_t> index;  ///< n x n, row-major
  std::vector<std::uint8_t> tied;    ///< n x n

  /// ordered_scan over row i with masses m.
  template <class Emit>
  void scan(int i, const double* m, bool include_origin, Emit&& emit) const {
    const std::uint32_t* idx = index.data() + std::size_t(i) * std::size_t(n);
    const std::uint8_t* tie = tied.data() + std::size_t(i) * std::size_t(n);
    ordered_scan(
        n, i, m, include_origin, [&](int k) { return int(idx[k]); }, [&](int k) { return tie[k] != 0; }, emit);
  }
};

/// Sorts every row (OpenMP over rows; the result does not depend on the thread count).
NeighbourOrder build_neighbour_order(const Coords& c);

}  // namespace migra::flows
