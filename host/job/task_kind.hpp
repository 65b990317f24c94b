#pragma once
/// A task kind is what a job file's `kind = "..."` names and what a CLI subcommand runs: its
/// parameters, the files it writes, whether it can use a GPU, and the function that runs it.
/// The registry is an explicit list (task_kinds.cpp), so the CLI, `migra validate` and the
/// scheduler see the same kinds.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "host/job/params.hpp"
#include "kernels/core/backend.hpp"
#include "models/team.hpp"

namespace migra::job {

/// What a running task sees: its parameters with input paths resolved, the backend it was
/// placed on, its output directory, its seed, and hooks for progress and log lines.
class TaskContext {
 public:
  TaskContext(std::string name, const Params& params, const Params& declared, Backend& backend,
              std::string dir, std::uint64_t seed, std::function<void(double)> progress,
              std::function<void(const std::string&)> log, std::string hash = "",
              double checkpoint_every_s = 60.0)
      : name_(std::move(name)), params_(params), declared_(declared), backend_(backend),
        dir_(std::move(dir)), seed_(seed), progress_(std::move(progress)), log_(std::move(log)),
        hash_(std::move(hash)), checkpoint_every_s_(checkpoint_every_s) {}

  const std::string& name() const { return name_; }
  /// Parameters with every input resolved to a readable path.
  const Params& params() const { return params_; }
  /// Parameters as the job declared them ("@task/file" references kept): what outputs
  /// should quote, so that they do not depend on where the run directory is.
  const Params& declared() const { return declared_; }
  Backend& backend() { return backend_; }
  std::uint64_t seed() const { return seed_; }
  /// Where an output called `file` goes (write it with io::AtomicFile, then add_output).
  std::string output_path(const std::string& file) const { return dir_ + "/" + file; }
  /// Records a committed output and its SHA-256 for the manifest.
  void add_output(const std::string& file, const std::string& sha256) { outputs_[file] = sha256; }
  /// Writes an output atomically (io::write_file_atomic) and records it.
  void write_output(const std::string& file, const std::string& content);
  void progress(double fraction) { if (progress_) progress_(fraction); }

  /// Checkpoints of long tasks, so that a killed run continues instead of restarting. A task
  /// saves its state (opaque bytes) at most every checkpoint_every_s() seconds; the file,
  /// .migra-checkpoint in its directory, carries the task's hash, so load_checkpoint() returns
  /// only a state of this very task (same kind, parameters, inputs and seed), else nothing.
  /// A finished task drops it.
  double checkpoint_every_s() const { return checkpoint_every_s_; }
  std::string load_checkpoint() const;
  void save_checkpoint(const std::string& state) const;
  void drop_checkpoint() const;
  void log(const std::string& line) { if (log_) log_(line); }
  /// The MPI ranks this task's members are split over (kinds with `splits_members`), or null.
  /// A member rank other than 0 runs only its share and writes nothing.
  Team* team() const { return team_; }
  void set_team(Team* team) { team_ = team; }

  /// Filled by the task: facts for the manifest, and lines for the user's summary.
  nlohmann::json result = nlohmann::json::object();
  std::vector<std::string> summary;
  const std::map<std::string, std::string>& outputs() const { return outputs_; }

 private:
  std::string name_;
  const Params& params_;
  const Params& declared_;
  Backend& backend_;
  std::string dir_;
  std::uint64_t seed_;
  std::function<void(double)> progress_;
  std::function<void(const std::string&)> log_;
  std::string hash_;
  double checkpoint_every_s_;
  std::map<std::string, std::string> outputs_;
  Team* team_ = nullptr;
};

struct TaskKind {
  std::string name;
  std::string summary;  ///< one line, for --help and `migra validate`
  ParamSchema params;
  bool gpu_capable = false;
  bool uses_seed = false;  ///< the seed enters the task's hash
  /// Its ensemble members can be split over all MPI ranks (TaskContext::team), the same bits.
  bool splits_members = false;
  /// The files the task may write for these parameters (references are checked against it).
  std::function<std::vector<std::string>(const Params&)> outputs;
  /// Checks across parameters; a message per problem.
  std::function<std::vector<std::string>(const Params&)> check;
  /// Runs the task. Throws migra::Error for bad input and CudaOutOfMemory when the device
  /// ran out (the scheduler then retries with a lower Backend budget cap, then on the CPU).
  std::function<void(TaskContext&)> run;
};

/// A set of kinds by name; tests and benchmarks build their own next to the built-in one.
class TaskRegistry {
 public:
  void add(TaskKind kind);
  const TaskKind* find(const std::string& name) const;
  const std::vector<TaskKind>& kinds() const { return kinds_; }
  std::string names() const;  ///< "flows, ripley, ..." for messages

 private:
  std::vector<TaskKind> kinds_;
};

/// Every kind this build of migra provides (migra-torch; defined in migra_torch_tasks).
const TaskRegistry& builtin_task_kinds();
/// The kinds that do not load LibTorch (the `migra` executable; defined in migra_host).
const TaskRegistry& torch_free_task_kinds();

}  // namespace migra::job
