#include "host/job/task_kind.hpp"

#include "kernels/core/error.hpp"

namespace migra::job {

void TaskRegistry::add(TaskKind kind) {
  MIGRA_ASSERT(!find(kind.name));
  kinds_.push_back(std::move(kind));
}

const TaskKind* TaskRegistry::find(const std::string& name) const {
  for (const auto& k : kinds_)
    if (k.name == name) return &k;
  return nullptr;
}

std::string TaskRegistry::names() const {
  std::string s;
  for (const auto& k : kinds_) s += (s.empty() ? "" : ", ") + k.name;
  return s;
}

}  // namespace migra::job
