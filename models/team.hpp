#pragma once
/// The processes that share the members of one ensemble (MPI ranks, as a model sees them).
/// Member 0, the leader, holds the whole result and writes the outputs; every member runs a
/// contiguous share of the ensemble (team_share), and gathering the shares in member order
/// gives back the arrays a single process would have built, so the leader computes the same
/// bits from them.
///
/// The leader only ever waits on the members (one broadcast at the start, then gathers), so
/// a leader that fails mid-run can still drain what the members send and free them.
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "models/bytes.hpp"

namespace migra {

class Team {
 public:
  virtual ~Team() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Leader: sends `bytes` to every member. Member: replaces `bytes` with the leader's.
  virtual void broadcast(std::string& bytes) = 0;
  /// Leader: every member's part in member order, its own first. Member: sends `mine`, gets {}.
  virtual std::vector<std::string> gather(const std::string& mine) = 0;
};

/// Items [first, last) of n that member r of `size` takes: contiguous, in order, sizes
/// differing by at most one.
std::pair<int, int> team_share(int n, int r, int size);

/// Per-item rows spread over the team, put back in item order on the leader. `mine` holds
/// this member's items of `slots` consecutive arrays ([slots][own items][row]); the leader's
/// `all` becomes [slots][items][row]. Members leave `all` alone.
void gather_rows(Team& team, int items, std::size_t row, std::size_t slots, const std::vector<double>& mine,
                 std::vector<double>& all);

}  // namespace migra
