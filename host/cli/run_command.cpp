// `migra run JOB.toml --out DIR` and `migra validate JOB.toml`, and the run flags and report
// shared with the per-kind subcommands.
#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>

#include "host/cli/commands.hpp"
#include "host/job/job_spec.hpp"
#include "host/mpi/mpi_world.hpp"
#include "kernels/core/error.hpp"

namespace migra::host {
namespace {

/// A number > 0 (or >= 0), with a message that says so (CLI11's own range validators print
/// the limits of a double).
CLI::Validator number_above_zero(bool or_zero) {
  const std::string want = or_zero ? "NUMBER >= 0" : "NUMBER > 0";
  return CLI::Validator(
      [=](std::string& s) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(s.c_str(), &end);
        const bool ok = !s.empty() && end && *end == '\0' && (or_zero ? v >= 0 : v > 0);
        return ok ? "" : "must be a " + want + ", got '" + s + "'";
      },
      want);
}

}  // namespace

void add_run_flags(CLI::App* c, RunFlags& f, bool workers) {
  c->add_option("--out", f.out, workers ? "Run directory (created; re-running resumes)"
                                        : "Output directory (re-running with the same inputs is a no-op)")
      ->required();
  c->add_option("--progress", f.progress, "auto, bar, json or none")
      ->check(CLI::IsMember({"auto", "bar", "json", "none"}))->capture_default_str();
  c->add_flag("-q,--quiet", f.quiet, "No progress and no summary");
  c->add_flag("--force", f.force, "Run tasks even when their outputs are up to date");
  c->add_option("--checkpoint-every", f.checkpoint_every,
                "Seconds between checkpoints of long tasks (a killed run continues from the last)")
      ->check(number_above_zero(false))->capture_default_str();
  if (workers)
    c->add_option("--workers", f.workers, "CPU workers (0: one per core, at most 8)")
        ->check(number_above_zero(true))->capture_default_str();
}

job::RunOptions run_options(const RunFlags& f, bool flat, const std::vector<std::string>& argv) {
  job::RunOptions o;
  o.out = f.out;
  o.flat = flat;
  o.progress = parse_progress_mode(f.progress);
  o.quiet = f.quiet;
  o.force = f.force;
  o.cpu_workers = f.workers;
  o.checkpoint_every_s = f.checkpoint_every;
  o.command = argv;
  return o;
}

namespace {

void report_run(const job::RunSummary& s, const job::RunOptions& o) {
  if (!o.quiet) {
    if (o.flat) {
      for (const auto& t : s.tasks) {
        if (t.status == "skipped")
          std::printf("migra %s: up to date in %s (same inputs and parameters; --force re-runs)\n",
                      t.kind.c_str(), o.out.c_str());
        else if (t.status == "done")
          std::printf("migra %s: done on %s in %.2f s, outputs in %s\n", t.kind.c_str(), t.device.c_str(),
                      t.seconds, o.out.c_str());
        for (const auto& l : t.summary) std::printf("  %s\n", l.c_str());
      }
    } else {
      int w = 4, wk = 4;
      for (const auto& t : s.tasks) w = std::max(w, int(t.name.size())), wk = std::max(wk, int(t.kind.size()));
      std::printf("%-*s  %-*s  %-8s  %-8s  %8s\n", w, "task", wk, "kind", "status", "device", "seconds");
      for (const auto& t : s.tasks)
        std::printf("%-*s  %-*s  %-8s  %-8s  %8.2f\n", w, t.name.c_str(), wk, t.kind.c_str(), t.status.c_str(),
                    t.device.empty() ? "-" : t.device.c_str(), t.seconds);
      std::printf("%d done, %d up to date, %d failed, %d not run in %.2f s; manifest: %s/manifest.json\n",
                  s.count("done"), s.count("skipped"), s.count("failed"), s.count("not run"), s.seconds,
                  o.out.c_str());
    }
  }
  job::throw_if_failed(s);
}

}  // namespace

void execute_job(const std::function<job::JobSpec()>& build, const job::RunOptions& options) {
  // Every rank builds (validates) the job; they agree before anything runs.
  std::optional<job::JobSpec> job;
  std::string problem;
  try {
    job = build();
  } catch (const Error& e) {
    problem = e.what();
  }
  job::Transport* world = mpi_world();
  job::RunOptions o = options;
  if (world) {  // the node's threads are shared among its ranks
    o.cpu_threads = std::max(1, job::default_cpu_threads() / mpi_local_size());
    if (o.cpu_workers == 0) o.cpu_workers = std::min(8, o.cpu_threads);
  }
  if (!mpi_all(problem.empty())) throw Error(problem.empty() ? "another MPI rank could not read the job" : problem);
  if (!world || world->size() == 1) {
    job::Devices devices = job::discover_devices();
    report_run(job::run_job(*job, devices, o), o);
    return;
  }
  job::Devices devices = job::discover_devices(mpi_local_rank());
  if (world->rank() != 0) return job::serve_tasks(*job, devices, o, *world);
  try {
    report_run(job::run_job(*job, devices, o, world), o);
  } catch (...) {
    job::release_ranks(*world);  // never leave a rank waiting
    throw;
  }
}

void register_run(CLI::App& app, const std::vector<std::string>& argv, const job::TaskRegistry& kinds) {
  struct State {
    std::string job;
    RunFlags run;
  };
  auto st = std::make_shared<State>();
  CLI::App* r = app.add_subcommand("run", "Run a job file: its tasks in dependency order, on the GPU when "
                                          "there is one, resuming a run directory where it stopped");
  r->add_option("job", st->job, "Job file (TOML)")->required();
  add_run_flags(r, st->run, true);
  r->callback([st, argv, &kinds] {
    execute_job([&] { return job::read_job_file(st->job, kinds); },
                run_options(st->run, false, argv));
  });

  auto vjob = std::make_shared<std::string>();
  CLI::App* v = app.add_subcommand("validate", "Check a job file (every problem, with its line) without running it");
  v->add_option("job", *vjob, "Job file (TOML)")->required();
  v->callback([vjob, &kinds] {
    const job::JobSpec job = job::read_job_file(*vjob, kinds);
    std::printf("%s: %zu task(s), valid\n", vjob->c_str(), job.tasks.size());
    int w = 4, wk = 4;
    for (const auto& t : job.tasks) w = std::max(w, int(t.name.size())), wk = std::max(wk, int(t.kind->name.size()));
    for (const auto& t : job.tasks) {
      std::string after;
      for (const auto& a : t.after) after += (after.empty() ? "  after " : ", ") + a;
      std::printf("  %-*s  %-*s  device %s%s\n", w, t.name.c_str(), wk, t.kind->name.c_str(), t.device.c_str(),
                  after.c_str());
    }
  });
}

}  // namespace migra::host
