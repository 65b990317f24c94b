#pragma once
/// Messages between the ranks of a multi-process run (MPI in host/mpi/; the scheduler sees
/// only this interface). Rank 0 runs the scheduler and hands tasks to the other ranks; they
/// answer with what became of each. Messages are JSON text.
#include <optional>
#include <string>

namespace migra::job {

struct Message {
  int from = 0;
  std::string text;
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual void send(int to, const std::string& text) = 0;
  /// A message from any rank if one has arrived (does not block).
  virtual std::optional<Message> poll() = 0;
  /// The next message from rank `from` (blocks, without spinning a core).
  virtual Message receive(int from) = 0;
};

}  // namespace migra::job
