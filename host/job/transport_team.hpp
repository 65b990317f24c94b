#pragma once
/// A Team (models/team.hpp) over the ranks of an MPI run: rank 0 leads, every other rank is a
/// member. The leader tells the members which task to join with its first broadcast; each
/// member message to the leader starts with one byte, 'P' for a gathered part and 'D' for the
/// end of its run (followed by its error, empty when it went well).
#include <string>
#include <vector>

#include "host/job/transport.hpp"
#include "models/team.hpp"

namespace migra::job {

class TransportTeam final : public Team {
 public:
  /// The leader; `join` goes to every member just before the first broadcast.
  TransportTeam(Transport& link, std::string join);
  /// A member.
  explicit TransportTeam(Transport& link);

  int rank() const override { return link_.rank(); }
  int size() const override { return link_.size(); }
  void broadcast(std::string& bytes) override;
  /// Leader: throws migra::Error naming the rank when a member ended (failed) instead.
  std::vector<std::string> gather(const std::string& mine) override;

  /// Member: tells the leader its run ended; `error` empty when it went well, and starting
  /// with kOutOfMemory when its device ran out (the leader then throws CudaOutOfMemory, so
  /// the scheduler moves the task to the CPU).
  static constexpr const char* kOutOfMemory = "out of GPU memory: ";

  void member_done(const std::string& error);
  /// Leader, after its own run: waits for every member that joined to end, dropping parts
  /// it did not take (when the leader failed first).
  void finish();

 private:
  Transport& link_;
  std::string join_;
  bool leader_ = false, joined_ = false;
  std::vector<bool> done_;
};

}  // namespace migra::job
