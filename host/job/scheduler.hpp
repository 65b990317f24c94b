#pragma once
/// The scheduler runs a job in a run directory:
///  - tasks in dependency order, independent ones at the same time: one worker per GPU plus
///    CPU workers (the OpenMP threads are shared out among the CPU tasks running);
///  - each task placed by its device request and its kind's GPU support: `auto` takes a GPU
///    when there is one, `cuda[:N]` without that device runs on the CPU with a notice;
///  - a task that runs out of GPU memory is retried with the backend's budget cap lowered
///    4x (smaller chunks) up to `oom_retries` times, then run on the CPU; each step is logged
///    and recorded in the manifest;
///  - outputs are written under temporary names and renamed; manifest.json is rewritten
///    (atomically) after every task with its hash (kind, parameters, input contents, seed),
///    device, attempts, timings and output checksums. Running the job again on the same
///    directory skips every task whose hash and outputs still match, so a killed job resumes
///    where it stopped and ends with the same bytes.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "host/job/job_spec.hpp"
#include "host/job/transport.hpp"
#include "host/progress.hpp"

namespace migra::job {

/// Where tasks can run: the GPUs (one worker each) and a factory of CPU backends.
struct Devices {
  std::vector<std::unique_ptr<Backend>> gpus;
  std::function<std::unique_ptr<Backend>()> make_cpu = [] { return make_cpu_backend(); };
  std::string notice;  ///< e.g. "no CUDA device (...): every task runs on the CPU"
};

/// The CUDA devices of this machine (none in a CPU-only build) and the CPU. With
/// `local_rank` >= 0 (an MPI rank's index on its node), just one GPU: local_rank mod count.
Devices discover_devices(int local_rank = -1);

struct RunOptions {
  std::string out;                       ///< run directory
  bool flat = false;                     ///< one task writing straight into `out` (the CLI)
  host::ProgressMode progress = host::ProgressMode::Auto;
  bool quiet = false;
  int cpu_workers = 0;                   ///< 0: one per thread of cpu_threads, at most 8
  int cpu_threads = 0;                   ///< OpenMP threads the running CPU tasks share; 0: default_cpu_threads()
  int oom_retries = 3;
  bool force = false;                    ///< re-run tasks that are up to date
  double checkpoint_every_s = 60.0;      ///< long tasks save their state this often
  std::vector<std::string> command;      ///< argv, for the manifest
};

/// The caller's OpenMP thread count: OMP_NUM_THREADS when set, else the cores this process may
/// use (its affinity mask, as Slurm sets it). The hardware concurrency without OpenMP.
int default_cpu_threads();

struct TaskOutcome {
  std::string name, kind, status;        ///< status: done, skipped (up to date), failed, not run
  std::string device, error;
  double seconds = 0;
  std::vector<std::string> summary;
};

struct RunSummary {
  std::vector<TaskOutcome> tasks;        ///< in job order
  double seconds = 0;
  int count(const std::string& status) const;
};

/// Runs the job: every task not depending on a failed one runs, and the manifest is written.
/// With `remote` (rank 0 of an MPI run), the other ranks take tasks too; they must be in
/// serve_tasks() on the same job.
RunSummary run_job(const JobSpec& job, Devices& devices, const RunOptions& options,
                   Transport* remote = nullptr);

/// The loop of an MPI rank other than 0: runs the tasks rank 0 sends, on this rank's GPU
/// (or CPU), writing outputs into the shared run directory, until rank 0 says stop.
void serve_tasks(const JobSpec& job, Devices& devices, const RunOptions& options, Transport& link);

/// Tells every other rank to leave serve_tasks (run_job does it when it ends; call it when a
/// run stops before that). A rank that already left ignores it.
void release_ranks(Transport& link);

/// Throws migra::Error naming the failed tasks and their errors, if any.
void throw_if_failed(const RunSummary& summary);

}  // namespace migra::job
