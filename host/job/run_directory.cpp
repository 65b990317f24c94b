#include "host/job/run_directory.hpp"

#include <signal.h>

#include <cerrno>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "host/io/atomic_file.hpp"
#include "host/io/file_lock.hpp"
#include "host/io/sha256.hpp"
#include "host/manifest.hpp"
#include "kernels/core/error.hpp"

namespace migra::job {
namespace fs = std::filesystem;

namespace {
/// How long a run waits for the processes of an earlier one to leave its directory.
constexpr std::chrono::seconds kLockWait{30};

/// Removes the ".NAME.tmp-PID" files io::AtomicFile leaves in `dir` when its writer is killed
/// (in a task directory, or the manifest's in the run's root, which a resume would otherwise
/// keep). A file whose writer is alive (another rank at work here) is left alone: its lock
/// tells, or where the file system has no locks, its PID.
void remove_dead_temporaries(const std::string& dir) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string f = e.path().filename().string();
    const size_t at = f.find(".tmp-");
    if (f.size() < 2 || f[0] != '.' || at == std::string::npos || !e.is_regular_file(ec)) continue;
    const io::LockState writer = io::writer_alive(e.path().string());
    const long pid = std::strtol(f.c_str() + at + 5, nullptr, 10);
    const bool dead = writer == io::LockState::Held ||
                      (writer == io::LockState::Unsupported && pid > 0 && ::kill(pid_t(pid), 0) != 0 && errno == ESRCH);
    if (dead) fs::remove(e.path(), ec);
  }
}
}  // namespace

RunDirectory::RunDirectory(std::string path, bool flat, bool keeper)
    : path_(std::move(path)), flat_(flat), keeper_(keeper) {
  existed_ = fs::exists(path_);
  if (existed_ && keeper_) lock_.emplace(path_, kLockWait);  // before reading what it holds
  if (existed_) remove_dead_temporaries(path_);
  const std::string file = path_ + "/manifest.json";
  if (std::ifstream in{file}) {
    had_manifest_ = true;
    std::stringstream ss;
    ss << in.rdbuf();
    nlohmann::json old;
    try {
      old = nlohmann::json::parse(ss.str());
    } catch (const nlohmann::json::exception& e) {
      MIGRA_THROW_FMT("%s: not a migra manifest (%s); move it away or choose another --out",
                      file.c_str(), e.what());
    }
    if (old.contains("tasks") && old["tasks"].is_object()) previous_tasks_ = old["tasks"];
  }
  // Tasks finished after the manifest was last consolidated. A line cut short by a crash
  // does not parse and is dropped: that task simply runs again.
  if (std::ifstream journal{journal_path()}) {
    had_manifest_ = true;
    for (std::string line; std::getline(journal, line);) {
      const auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object() && j.contains("task") && j.contains("record")) previous_tasks_[j["task"].get<std::string>()] = j["record"];
    }
  }
  manifest_["tasks"] = previous_tasks_;
}

std::string RunDirectory::journal_path() const { return path_ + "/.manifest-journal.jsonl"; }

std::string RunDirectory::task_dir(const std::string& name) const {
  return flat_ ? path_ : path_ + "/" + name;
}

nlohmann::json RunDirectory::previous(const std::string& name) const {
  return previous_tasks_.contains(name) ? previous_tasks_[name] : nlohmann::json();
}

bool RunDirectory::up_to_date(const std::string& name, const std::string& hash) const {
  const nlohmann::json rec = previous(name);
  if (!rec.is_object() || rec.value("status", "") != "done" || rec.value("hash", "") != hash) return false;
  if (!rec.contains("outputs")) return false;
  for (const auto& [file, info] : rec["outputs"].items()) {
    const std::string p = task_dir(name) + "/" + file;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) return false;
    if (fs::file_size(p, ec) != info.value("bytes", std::uintmax_t(0)) || ec) return false;
    if (io::sha256_file(p) != info.value("sha256", "")) return false;
  }
  return true;
}

void RunDirectory::prepare_task_dir(const std::string& name) {
  const std::string dir = task_dir(name);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!fs::exists(dir)) created_.insert(dir);
    host::ensure_directory(dir);
    claim_locked();
  }
  remove_dead_temporaries(dir);
}

void RunDirectory::discard_task_dir(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string dir = task_dir(name);
  std::error_code ec;
  if (created_.count(dir) && fs::is_empty(dir, ec)) fs::remove(dir, ec);
  if (!existed_ && !wrote_ && fs::is_empty(path_, ec)) fs::remove(path_, ec);
}

void RunDirectory::set_header(const nlohmann::json& header) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [k, v] : header.items()) manifest_[k] = v;
}

void RunDirectory::record(const std::string& name, const nlohmann::json& entry) {
  std::lock_guard<std::mutex> lock(mu_);
  manifest_["tasks"][name] = entry;
  if (entry.value("status", "") != "done") return;
  if (!journal_) {
    host::ensure_directory(path_);
    claim_locked();
    journal_ = std::fopen(journal_path().c_str(), "ab");
    MIGRA_THROW_IF_NOT_FMT(journal_, "%s: cannot append (%s)", journal_path().c_str(), std::strerror(errno));
    wrote_ = true;
  }
  const std::string line = nlohmann::json{{"task", name}, {"record", entry}}.dump() + "\n";
  MIGRA_THROW_IF_NOT_FMT(std::fwrite(line.data(), 1, line.size(), journal_) == line.size() && std::fflush(journal_) == 0,
                         "%s: write failed (%s)", journal_path().c_str(), std::strerror(errno));
  if (std::chrono::steady_clock::now() - consolidated_ > kConsolidateEvery) consolidate_locked();
}

void RunDirectory::save() {
  std::lock_guard<std::mutex> lock(mu_);
  if (wrote_ || had_manifest_) consolidate_locked();
}

nlohmann::json RunDirectory::manifest() const {
  std::lock_guard<std::mutex> lock(mu_);
  return manifest_;
}

RunDirectory::~RunDirectory() {
  if (journal_) std::fclose(journal_);
}

void RunDirectory::claim_locked() {
  if (keeper_ && !lock_) lock_.emplace(path_, kLockWait);
}

void RunDirectory::consolidate_locked() {
  host::ensure_directory(path_);
  claim_locked();
  io::write_file_atomic(path_ + "/manifest.json", manifest_.dump(2) + "\n");
  // Everything in the journal is in the manifest now. (Killed between the two steps, the
  // journal is replayed over an identical manifest: harmless.)
  if (journal_) std::fclose(journal_);
  journal_ = nullptr;
  std::remove(journal_path().c_str());
  consolidated_ = std::chrono::steady_clock::now();
  wrote_ = true;
}

}  // namespace migra::job
