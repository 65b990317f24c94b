#pragma once
/// Running one task on one backend, the part of the scheduler that any worker does, in this
/// process or in another MPI rank: resolve its inputs and hash them, then attempt it, retrying
/// with a lower memory budget when the GPU runs out.
#include <string>
#include <vector>

#include "host/job/job_spec.hpp"
#include "host/job/run_directory.hpp"
#include "host/progress.hpp"

namespace migra::job {

/// A task ready to run: its inputs resolved to paths, and the content hash that decides
/// whether an earlier result can be kept.
struct Prepared {
  Params params;
  std::string hash;
};

/// Resolves "@task/file" inputs in the run directory, checks every input exists, and hashes
/// kind, parameters, input contents, the outputs the kind declares, migra's version and (for
/// seeded kinds) the seed. Throws migra::Error.
Prepared prepare_task(const TaskSpec& task, const RunDirectory& rd);

/// What became of an attempt to run a task on one backend.
struct Execution {
  std::string status;                   ///< done, failed, or cpu (out of GPU memory: move it)
  std::string error, device;
  int rank = 0;                         ///< MPI rank that ran it
  double seconds = 0;
  std::vector<std::string> summary;
  nlohmann::json attempts = nlohmann::json::array();  ///< device, budget, error of each try
  nlohmann::json result = nlohmann::json::object();
  nlohmann::json outputs = nlohmann::json::object();  ///< file -> sha256, bytes
};
nlohmann::json to_json(const Execution& e);
Execution execution_from_json(const nlohmann::json& j);

/// Runs the task on `backend`. On CudaOutOfMemory the backend's budget cap is cut 4x and the
/// task retried, `oom_retries` times, after which status is "cpu". Other errors: "failed"
/// (a task directory this run created is removed again if empty).
/// With a `team` (kinds with splits_members, under MPI) this process leads it.
Execution execute_task(const TaskSpec& task, const Prepared& prepared, Backend& backend,
                       RunDirectory& rd, host::ProgressBoard& board, int oom_retries,
                       double checkpoint_every_s, Team* team = nullptr);

/// Runs a member's share of a task led by another rank (writes nothing); returns the error,
/// empty when it went well.
std::string run_member(const TaskSpec& task, const Prepared& prepared, Backend& backend, const RunDirectory& rd,
                       Team& team);

}  // namespace migra::job
