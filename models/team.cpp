#include "models/team.hpp"

#include "kernels/core/error.hpp"

namespace migra {

std::pair<int, int> team_share(int n, int r, int size) {
  const long long a = (long long)n * r / size, b = (long long)n * (r + 1) / size;
  return {int(a), int(b)};
}

void gather_rows(Team& team, int items, std::size_t row, std::size_t slots, const std::vector<double>& mine,
                 std::vector<double>& all) {
  std::string bytes;
  append_doubles(bytes, mine.data(), mine.size());
  const std::vector<std::string> parts = team.gather(bytes);
  if (team.rank() != 0) return;
  all.resize(slots * std::size_t(items) * row);
  for (int k = 0; k < team.size(); ++k) {
    const auto [a, b] = team_share(items, k, team.size());
    const std::size_t per = std::size_t(b - a) * row;
    const std::string& part = parts[std::size_t(k)];
    MIGRA_THROW_IF_NOT_FMT(part.size() == slots * per * sizeof(double),
                           "team member %d sent %zu bytes where %zu were expected", k, part.size(),
                           slots * per * sizeof(double));
    for (std::size_t s = 0; s < slots; ++s)
      read_doubles(part, s * per * sizeof(double), all.data() + (s * std::size_t(items) + std::size_t(a)) * row, per);
  }
}

}  // namespace migra
