#pragma once
/// The `migra` subcommands. Each registers its options on the app and runs when chosen;
/// errors are thrown as migra::Error and turned into exit status 2 by main().
#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "host/job/scheduler.hpp"

namespace migra::host {

/// Where the command word is in argv (program name first): the first argument not starting with
/// '-' (the top level has only flags), or args.size() when there is none.
inline std::size_t command_position(const std::vector<std::string>& args) {
  std::size_t at = 1;
  while (at < args.size() && !args[at].empty() && args[at][0] == '-') ++at;
  return at;
}

/// One subcommand per task kind (`migra flows ...`), generated from the kind's parameters:
/// it builds a one-task job and runs it through the scheduler like `migra run` would.
void register_task_commands(CLI::App& app, const std::vector<std::string>& argv, const job::TaskRegistry& kinds);
/// `migra run JOB.toml --out DIR` and `migra validate JOB.toml`, for jobs over `kinds`.
void register_run(CLI::App& app, const std::vector<std::string>& argv, const job::TaskRegistry& kinds);
/// `migra info`, with LibTorch's runtime description (whether it sees CUDA).
void register_info(CLI::App& app, const std::function<std::string()>& torch_description);

/// The options every run shares (--out, --progress, --quiet, --force, --workers).
struct RunFlags {
  std::string out, progress = "auto";
  bool quiet = false, force = false;
  int workers = 0;
  double checkpoint_every = 60.0;
};
void add_run_flags(CLI::App* c, RunFlags& f, bool workers);
job::RunOptions run_options(const RunFlags& f, bool flat, const std::vector<std::string>& argv);

/// Builds the job (parsing and validating it; a migra::Error is a bad job) and runs it, in
/// step with the other MPI ranks if there are any: all agree that the job is valid, then rank
/// 0 schedules and the others serve tasks. Prints what the run did (unless quiet) and throws
/// if a task failed.
void execute_job(const std::function<job::JobSpec()>& build, const job::RunOptions& o);

}  // namespace migra::host
