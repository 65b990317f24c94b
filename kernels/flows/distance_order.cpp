#include "kernels/flows/distance_order.hpp"

#include <array>
#include <cstring>
#include <utility>

namespace migra::flows {
namespace {

std::uint64_t bits(double key) {
  std::uint64_t b;
  std::memcpy(&b, &key, sizeof b);
  return b;
}

}  // namespace

void distance_order(const Coords& c, int i, std::vector<Ranked>& row, std::vector<Ranked>& scratch) {
  const std::size_t n = std::size_t(c.n);
  row.resize(n);
  scratch.resize(n);
  if (n == 0) return;
  std::array<std::array<std::uint32_t, 256>, 8> count{};  // per digit: sites per value
  for (std::size_t j = 0; j < n; ++j) {
    const double key = c.order_key(i, int(j));
    row[j] = {key, std::uint32_t(j)};
    const std::uint64_t b = bits(key);
    for (int d = 0; d < 8; ++d) ++count[std::size_t(d)][(b >> (8 * d)) & 255];
  }
  Ranked *src = row.data(), *dst = scratch.data();
  for (int d = 0; d < 8; ++d) {
    std::array<std::uint32_t, 256>& at = count[std::size_t(d)];
    if (at[(bits(src[0].key) >> (8 * d)) & 255] == n) continue;  // one value: the pass keeps the order
    std::uint32_t start = 0;
    for (std::uint32_t& v : at) start += std::exchange(v, start);  // counts -> first slots
    for (std::size_t k = 0; k < n; ++k) dst[at[(bits(src[k].key) >> (8 * d)) & 255]++] = src[k];
    std::swap(src, dst);
  }
  if (src != row.data()) row.swap(scratch);
}

}  // namespace migra::flows
