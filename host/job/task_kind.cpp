#include "host/job/task_kind.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "host/io/atomic_file.hpp"
#include "kernels/core/error.hpp"

namespace migra::job {

void TaskContext::write_output(const std::string& file, const std::string& content) {
  add_output(file, io::write_file_atomic(output_path(file), content));
}

std::string TaskContext::load_checkpoint() const {
  std::ifstream in(output_path(".migra-checkpoint"), std::ios::binary);
  std::string hash;
  if (!in || !std::getline(in, hash) || hash.empty() || hash != hash_) return "";
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void TaskContext::save_checkpoint(const std::string& state) const {
  if (hash_.empty()) return;
  io::write_file_atomic(output_path(".migra-checkpoint"), hash_ + "\n" + state);
}

void TaskContext::drop_checkpoint() const { std::remove(output_path(".migra-checkpoint").c_str()); }

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
