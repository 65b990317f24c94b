#pragma once
/// A job: named tasks, each of a kind with validated parameters, a device request, a seed and
/// the tasks it waits for. Read from a TOML file,
///
///     [job]                     # optional: defaults for every task
///     name = "ny2011"
///     device = "auto"           # auto | cpu | cuda | cuda:N
///     seed = 1
///
///     [tasks.gravity]
///     kind = "flows"
///     model = "gravity"
///     sites = "../ny2011/counties.csv"            # relative to this file
///     observed = "../ny2011/commuting_flows.csv"
///
///     [tasks.refit]
///     kind = "flows"
///     model = "radiation"
///     sites = "../ny2011/counties.csv"
///     observed = "@gravity/flows.csv"             # another task's output: a dependency
///     after = ["gravity"]                         # explicit ordering (optional)
///
/// or built by a CLI subcommand as a one-task job. Either way every problem is collected and
/// reported at once, each with file:line:column, before anything runs.
#include <cstdint>
#include <string>
#include <vector>

#include "host/job/task_kind.hpp"

namespace migra::job {

struct TaskSpec {
  std::string name;
  const TaskKind* kind = nullptr;
  Params params = Params::object();
  std::string device = "auto";
  std::uint64_t seed = 0;
  std::vector<std::string> after;  ///< every task this one waits for (explicit and @refs)
  int line = 0;                    ///< of the task's table in the job file (0: CLI)
};

struct JobSpec {
  std::string file;         ///< the job file ("" when built from the command line)
  std::string name;
  std::string sha256;       ///< of the job file's text
  std::vector<TaskSpec> tasks;  ///< in file order
  const TaskSpec* find(const std::string& task) const;
};

/// Parses and validates a job. `file` names it in messages; relative paths are taken from
/// `base_dir`. Throws migra::Error listing every problem found.
JobSpec parse_job(const std::string& toml_text, const std::string& file,
                  const std::string& base_dir, const TaskRegistry& kinds);
JobSpec read_job_file(const std::string& path, const TaskRegistry& kinds);

/// A one-task job from command-line values (raw JSON per parameter, as typed by the user):
/// the same checks as a job file.
JobSpec make_cli_job(const TaskKind& kind, const Params& raw, const std::string& device,
                     std::uint64_t seed);

/// Checks a device request's syntax: auto, cpu, cuda or cuda:N.
bool valid_device_request(const std::string& device);

}  // namespace migra::job
