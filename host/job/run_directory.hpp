#pragma once
/// A run directory: one subdirectory of outputs per task (or the directory itself for a
/// one-task CLI run) and manifest.json, the record of what was run and what it wrote.
/// A finished task is appended to a journal (.manifest-journal.jsonl, one JSON line, O(1)
/// per task however long the job); the journal is folded into manifest.json (rewritten
/// atomically) every few seconds and at the end. Whatever kills a run, manifest + journal
/// describe finished tasks only, and their outputs are verified by checksum on resume.
#include <chrono>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "host/io/file_lock.hpp"

namespace migra::job {

class RunDirectory {
 public:
  /// Loads an existing manifest.json (a manifest that is not JSON is an error, not something
  /// to overwrite). Nothing is created until a task runs, and the manifest is first written
  /// when a task has finished: a run whose only task fails on bad input leaves no trace.
  /// The keeper (rank 0, which keeps the manifest) holds an io::DirectoryLock on the directory
  /// from when it exists, waiting first for the processes of an earlier run still in it;
  /// other ranks only write their tasks' outputs.
  RunDirectory(std::string path, bool flat, bool keeper = true);
  ~RunDirectory();
  RunDirectory(const RunDirectory&) = delete;
  RunDirectory& operator=(const RunDirectory&) = delete;

  const std::string& path() const { return path_; }
  /// The directory holding task `name`'s outputs.
  std::string task_dir(const std::string& name) const;
  /// Whether task `name` finished earlier with this hash and its outputs are intact.
  bool up_to_date(const std::string& name, const std::string& hash) const;
  /// The earlier record of task `name` (null if none).
  nlohmann::json previous(const std::string& name) const;
  /// Removes temporaries a killed run left in the task's directory, and creates it.
  void prepare_task_dir(const std::string& name);
  /// After a failure: removes the task's directory (and the run's) if this run created it
  /// and it is empty.
  void discard_task_dir(const std::string& name);

  /// Sets the manifest's fields outside "tasks" (job, versions, devices, this run).
  void set_header(const nlohmann::json& header);
  /// Records a task; a finished one goes to the journal at once (thread-safe).
  void record(const std::string& name, const nlohmann::json& entry);
  /// Writes manifest.json (and drops the journal) if this run has recorded a finished task
  /// or there was a manifest before.
  void save();
  /// A copy of the manifest as it stands.
  nlohmann::json manifest() const;

 private:
  static constexpr std::chrono::seconds kConsolidateEvery{5};
  std::string journal_path() const;
  void claim_locked();  ///< the keeper's lock, once the directory exists
  void consolidate_locked();
  std::string path_;
  bool flat_, keeper_;
  std::optional<io::DirectoryLock> lock_;
  nlohmann::json previous_tasks_ = nlohmann::json::object();
  nlohmann::json manifest_ = nlohmann::json::object();
  bool existed_ = false, had_manifest_ = false, wrote_ = false;
  std::set<std::string> created_;
  std::FILE* journal_ = nullptr;
  std::chrono::steady_clock::time_point consolidated_ = std::chrono::steady_clock::now();
  mutable std::mutex mu_;
};

}  // namespace migra::job
