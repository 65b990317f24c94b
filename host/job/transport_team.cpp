#include "host/job/transport_team.hpp"

#include <cstring>

#include "kernels/core/error.hpp"

namespace migra::job {

TransportTeam::TransportTeam(Transport& link, std::string join)
    : link_(link), join_(std::move(join)), leader_(true), done_(std::size_t(link.size()), false) {}

TransportTeam::TransportTeam(Transport& link) : link_(link) {}

void TransportTeam::broadcast(std::string& bytes) {
  if (!leader_) {
    bytes = link_.receive(0).text;
    return;
  }
  for (int r = 1; r < size(); ++r) {
    if (!joined_) link_.send(r, join_);
    link_.send(r, bytes);
  }
  joined_ = true;
}

std::vector<std::string> TransportTeam::gather(const std::string& mine) {
  if (!leader_) {
    link_.send(0, "P" + mine);
    return {};
  }
  std::vector<std::string> parts = {mine};
  for (int r = 1; r < size(); ++r) {
    const std::string m = link_.receive(r).text;
    if (m.rfind('D', 0) == 0) {
      done_[std::size_t(r)] = true;
      const std::string why = "rank " + std::to_string(r) + " failed: " + (m.size() > 1 ? m.substr(1) : "ended early");
      if (m.compare(1, std::strlen(kOutOfMemory), kOutOfMemory) == 0) throw CudaOutOfMemory(why);
      throw Error(why);
    }
    parts.push_back(m.substr(1));
  }
  return parts;
}

void TransportTeam::member_done(const std::string& error) { link_.send(0, "D" + error); }

void TransportTeam::finish() {
  if (!leader_ || !joined_) return;
  for (int r = 1; r < size(); ++r)
    while (!done_[std::size_t(r)]) {
      const std::string m = link_.receive(r).text;
      done_[std::size_t(r)] = m.rfind('D', 0) == 0;
    }
}

}  // namespace migra::job
