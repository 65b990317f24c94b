#include "host/job/scheduler.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "host/build_info.hpp"
#include "host/io/sha256.hpp"
#include "host/job/run_directory.hpp"
#include "host/manifest.hpp"
#include "host/report/run_index.hpp"
#include "kernels/core/cuda_devices.hpp"
#include "kernels/core/error.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace migra::job {
namespace {

using clock = std::chrono::steady_clock;

/// Path params with "@task/file" references replaced by the file in the run directory.
Params resolve_inputs(const TaskSpec& t, const RunDirectory& rd) {
  Params p = t.params;
  for (const auto& spec : t.kind->params)
    if (spec.type == ParamType::Path && p.contains(spec.name))
      if (const auto ref = parse_output_ref(p[spec.name].get<std::string>()))
        p[spec.name] = rd.task_dir(ref->task) + "/" + ref->file;
  return p;
}

std::string hash_of(const TaskSpec& t, const Params& resolved) {
  nlohmann::json h = {{"kind", t.kind->name}, {"migra", MIGRA_VERSION}};
  Params p = resolved;
  for (const auto& spec : t.kind->params)
    if (spec.type == ParamType::Path && p.contains(spec.name))  // content, not location
      p[spec.name] = io::sha256_file(p[spec.name].get<std::string>());
  h["params"] = p;
  if (t.kind->uses_seed) h["seed"] = t.seed;
  const std::string s = h.dump();
  io::Sha256 sha;
  sha.update(s.data(), s.size());
  return sha.hex();
}

int hardware_threads() {
#ifdef _OPENMP
  return std::max(1, omp_get_num_procs());
#else
  return std::max(1u, std::thread::hardware_concurrency());
#endif
}

enum class State { Waiting, Queued, Running, Finished };

struct TaskState {
  State state = State::Waiting;
  int waiting_on = 0;
  std::vector<int> dependents;
  bool cpu_fallback = false;
  TaskOutcome outcome;
};

/// One run of run_job: the queues, the workers and the bookkeeping they share.
class Run {
 public:
  Run(const JobSpec& job, Devices& devices, const RunOptions& opt)
      : job_(job), devices_(devices), opt_(opt), rd_(opt.out, opt.flat),
        board_(opt.quiet ? host::ProgressMode::None : opt.progress),
        tasks_(job.tasks.size()), gpu_queues_(devices.gpus.size()) {
    cpu_workers_ = opt.cpu_workers > 0 ? opt.cpu_workers : std::min(8, hardware_threads());
    for (size_t i = 0; i < job.tasks.size(); ++i) {
      tasks_[i].outcome.name = job.tasks[i].name;
      tasks_[i].outcome.kind = job.tasks[i].kind->name;
      for (const auto& a : job.tasks[i].after) {
        const auto it = std::find_if(job.tasks.begin(), job.tasks.end(), [&](const TaskSpec& t) { return t.name == a; });
        tasks_[size_t(it - job.tasks.begin())].dependents.push_back(int(i));
        ++tasks_[i].waiting_on;
      }
    }
  }

  RunSummary go() {
    const auto t0 = clock::now();
    start_ = t0;
    write_header();
    if (!devices_.notice.empty() && wants_gpu()) board_.log("", devices_.notice);
    {
      std::lock_guard<std::mutex> lock(mu_);
      remaining_ = int(tasks_.size());
      for (size_t i = 0; i < tasks_.size(); ++i)
        if (tasks_[i].waiting_on == 0) enqueue(int(i));
    }
    std::vector<std::thread> workers;
    for (size_t g = 0; g < devices_.gpus.size(); ++g)
      workers.emplace_back([this, g] { work(int(g)); });
    for (int c = 0; c < cpu_workers_; ++c) workers.emplace_back([this] { work(-1); });
    for (auto& w : workers) w.join();

    RunSummary summary;
    for (auto& t : tasks_) summary.tasks.push_back(t.outcome);
    summary.seconds = std::chrono::duration<double>(clock::now() - t0).count();
    finish_header(summary);
    return summary;
  }

 private:
  /// Whether "no GPU: everything on the CPU" is news: a task asked for CUDA by name, or a
  /// job file (not a one-task CLI run on `auto`) has GPU-capable tasks.
  bool wants_gpu() const {
    return std::any_of(job_.tasks.begin(), job_.tasks.end(), [&](const TaskSpec& t) {
      return t.kind->gpu_capable && (t.device.rfind("cuda", 0) == 0 || (!opt_.flat && t.device == "auto"));
    });
  }

  void write_header() {
    nlohmann::json h = host::manifest_header(opt_.command);
    h["job"] = {{"file", job_.file}, {"name", job_.name}, {"sha256", job_.sha256}};
    nlohmann::json devs = nlohmann::json::array();
    for (const auto& g : devices_.gpus) devs.push_back({{"name", g->name()}, {"description", g->description()}});
    auto cpu = devices_.make_cpu();
    devs.push_back({{"name", cpu->name()}, {"description", cpu->description()}, {"workers", cpu_workers_}});
    h["devices"] = devs;
    if (!devices_.notice.empty()) h["device_notice"] = devices_.notice;
    h["order"] = nlohmann::json::array();
    for (const auto& t : job_.tasks) h["order"].push_back(t.name);
    rd_.set_header(h);
  }

  void finish_header(const RunSummary& s) {
    nlohmann::json this_run = {{"started", host::utc_timestamp()}, {"seconds", s.seconds},
                               {"command", opt_.command}};
    for (const char* st : {"done", "skipped", "failed", "not run"}) this_run[st] = s.count(st);
    rd_.set_header({{"last_run", this_run}});
    rd_.save();
    if (!opt_.flat && s.count("done") + s.count("skipped") > 0) report::write_run_index(opt_.out, rd_.manifest());
  }

  /// Picks the queue of a task whose inputs are ready (lock held).
  void enqueue(int i) {
    const TaskSpec& t = job_.tasks[size_t(i)];
    TaskState& s = tasks_[size_t(i)];
    s.state = State::Queued;
    const int gpus = int(devices_.gpus.size());
    int gpu = -1;
    if (!s.cpu_fallback && t.kind->gpu_capable && gpus > 0 && t.device != "cpu") {
      if (t.device.rfind("cuda:", 0) == 0) {
        const int want = std::stoi(t.device.substr(5));
        if (want < gpus) gpu = want;
        else board_.log(t.name, t.device + " does not exist (" + std::to_string(gpus) + " GPU(s)): running on the CPU");
      } else {  // auto or cuda: the GPU with the shortest queue
        gpu = 0;
        for (int g = 1; g < gpus; ++g)
          if (gpu_queues_[size_t(g)].size() < gpu_queues_[size_t(gpu)].size()) gpu = g;
      }
    } else if (!t.kind->gpu_capable && t.device.rfind("cuda", 0) == 0) {
      board_.log(t.name, "kind '" + t.kind->name + "' has no GPU path: running on the CPU");
    }
    (gpu >= 0 ? gpu_queues_[size_t(gpu)] : cpu_queue_).push_back(i);
    cv_.notify_all();
  }

  void work(int gpu) {
    std::unique_ptr<Backend> own_cpu;
    Backend* backend = nullptr;
    if (gpu >= 0) {
      backend = devices_.gpus[size_t(gpu)].get();
      backend->activate();
    } else {
      own_cpu = devices_.make_cpu();
      backend = own_cpu.get();
    }
    std::deque<int>& queue = gpu >= 0 ? gpu_queues_[size_t(gpu)] : cpu_queue_;
    for (;;) {
      int i;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return remaining_ == 0 || !queue.empty(); });
        if (queue.empty()) return;
        i = queue.front();
        queue.pop_front();
        tasks_[size_t(i)].state = State::Running;
        if (gpu < 0) ++cpu_busy_;
#ifdef _OPENMP
        // Share the cores among the CPU tasks running now (results do not depend on it).
        if (gpu < 0) omp_set_num_threads(std::max(1, hardware_threads() / cpu_busy_));
#endif
      }
      const bool requeued = run_task(i, *backend);
      std::lock_guard<std::mutex> lock(mu_);
      if (gpu < 0) --cpu_busy_;
      if (requeued) enqueue(i);
      else finished(i);
    }
  }

  /// Runs task i on `backend`; true when it must go back to the queues (CPU fallback).
  bool run_task(int i, Backend& backend) {
    const TaskSpec& t = job_.tasks[size_t(i)];
    TaskState& s = tasks_[size_t(i)];
    TaskOutcome& out = s.outcome;
    const double start_s = since_start();
    Params params;
    std::string hash;
    try {
      params = resolve_inputs(t, rd_);
      for (const auto& spec : t.kind->params)
        if (spec.type == ParamType::Path && params.contains(spec.name) && !std::ifstream(params[spec.name].get<std::string>()))
          MIGRA_THROW_FMT("input '%s' (%s) was not written by its task", spec.name.c_str(),
                          params[spec.name].get<std::string>().c_str());
      hash = hash_of(t, params);
      if (!s.cpu_fallback && !opt_.force && rd_.up_to_date(t.name, hash)) {
        const nlohmann::json prev = rd_.previous(t.name);
        out.status = "skipped";
        out.device = prev.value("device", "");
        for (const auto& l : prev.value("summary", nlohmann::json::array())) out.summary.push_back(l);
        board_.log(t.name, "up to date (hash and output checksums match): skipped");
        return false;
      }
    } catch (const std::exception& e) {
      out.status = "failed";
      out.error = e.what();
      board_.log(t.name, std::string("failed: ") + e.what());
      return false;
    }

    nlohmann::json& attempts = attempts_[t.name];
    board_.start(t.name, backend.name());
    std::size_t cap = ~std::size_t(0);
    for (int attempt = 0;; ++attempt) {
      backend.set_budget_cap(cap);
      const auto t0 = clock::now();
      TaskContext ctx(t.name, params, t.params, backend, rd_.task_dir(t.name), t.seed,
                      [&](double f) { board_.update(t.name, f); },
                      [&](const std::string& m) { board_.log(t.name, m); });
      nlohmann::json a = {{"device", backend.name()}, {"budget_bytes", backend.memory_budget()}};
      try {
        rd_.prepare_task_dir(t.name);
        t.kind->run(ctx);
        backend.synchronize();
      } catch (const CudaOutOfMemory& e) {
        a["error"] = std::string("out of memory: ") + e.what();
        attempts.push_back(a);
        if (backend.is_gpu() && attempt < opt_.oom_retries) {
          cap = std::max<std::size_t>(backend.memory_budget() / 4, 1);
          board_.log(t.name, backend.name() + " out of memory; retrying with a " + std::to_string(cap >> 20) +
                                 " MiB budget (smaller chunks)");
          continue;
        }
        backend.set_budget_cap(~std::size_t(0));
        board_.end(t.name, "oom");
        if (!backend.is_gpu()) return fail(out, "out of memory on the CPU: " + std::string(e.what()));
        board_.log(t.name, backend.name() + " out of memory after " + std::to_string(attempt + 1) +
                               " attempt(s): falling back to the CPU");
        s.cpu_fallback = true;
        return true;
      } catch (const std::exception& e) {
        a["error"] = e.what();
        attempts.push_back(a);
        backend.set_budget_cap(~std::size_t(0));
        board_.end(t.name, "failed");
        rd_.discard_task_dir(t.name);
        return fail(out, e.what());
      }
      backend.set_budget_cap(~std::size_t(0));
      attempts.push_back(a);
      const double secs = std::chrono::duration<double>(clock::now() - t0).count();
      out.status = "done";
      out.device = backend.name();
      out.seconds = secs;
      out.summary = ctx.summary;
      nlohmann::json outputs = nlohmann::json::object();
      for (const auto& [file, sha] : ctx.outputs()) {
        std::error_code ec;
        outputs[file] = {{"sha256", sha},
                         {"bytes", std::filesystem::file_size(rd_.task_dir(t.name) + "/" + file, ec)}};
      }
      nlohmann::json rec = {{"kind", t.kind->name}, {"status", "done"}, {"hash", hash},
                            {"device", backend.name()}, {"requested_device", t.device},
                            {"seed", t.seed}, {"after", t.after}, {"params", t.params},
                            {"attempts", attempts}, {"start_s", start_s}, {"end_s", since_start()},
                            {"seconds", secs}, {"finished", host::utc_timestamp()},
                            {"result", ctx.result}, {"summary", ctx.summary}, {"outputs", outputs}};
      rd_.record(t.name, rec);
      board_.end(t.name, "done");
      return false;
    }
  }

  bool fail(TaskOutcome& out, const std::string& why) {
    out.status = "failed";
    out.error = why;
    board_.log(out.name, "failed: " + why);
    return false;
  }

  /// Bookkeeping after task i ended (lock held): release or cancel its dependents.
  void finished(int i) {
    TaskState& s = tasks_[size_t(i)];
    s.state = State::Finished;
    --remaining_;
    if (s.outcome.status == "failed") {
      rd_.record(s.outcome.name, {{"kind", s.outcome.kind}, {"status", "failed"}, {"error", s.outcome.error},
                                  {"attempts", attempts_[s.outcome.name]}, {"finished", host::utc_timestamp()}});
    }
    const bool ok = s.outcome.status == "done" || s.outcome.status == "skipped";
    for (int d : s.dependents) {
      TaskState& ds = tasks_[size_t(d)];
      if (ds.state != State::Waiting) continue;
      if (!ok) {
        ds.outcome.status = "not run";
        ds.outcome.error = "needs task '" + s.outcome.name + "', which " +
                           (s.outcome.status == "failed" ? "failed" : "was not run");
        board_.log(ds.outcome.name, "not run: " + ds.outcome.error);
        finished(d);
      } else if (--ds.waiting_on == 0) {
        enqueue(d);
      }
    }
    if (remaining_ == 0) cv_.notify_all();
  }

  double since_start() const { return std::chrono::duration<double>(clock::now() - start_).count(); }

  const JobSpec& job_;
  Devices& devices_;
  const RunOptions& opt_;
  RunDirectory rd_;
  host::ProgressBoard board_;
  std::vector<TaskState> tasks_;
  std::vector<std::deque<int>> gpu_queues_;
  std::deque<int> cpu_queue_;
  std::map<std::string, nlohmann::json> attempts_;
  int cpu_workers_ = 1, cpu_busy_ = 0, remaining_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  clock::time_point start_;
};

}  // namespace

int RunSummary::count(const std::string& status) const {
  return int(std::count_if(tasks.begin(), tasks.end(), [&](const TaskOutcome& t) { return t.status == status; }));
}

Devices discover_devices() {
  Devices d;
  const CudaProbe probe = probe_cuda();
  for (const auto& info : probe.devices) d.gpus.push_back(make_cuda_backend(info.index));
  if (d.gpus.empty()) d.notice = probe.status + ": every task runs on the CPU";
  return d;
}

RunSummary run_job(const JobSpec& job, Devices& devices, const RunOptions& options) {
  Run run(job, devices, options);
  return run.go();
}

void throw_if_failed(const RunSummary& summary) {
  if (summary.tasks.size() == 1 && summary.tasks[0].status == "failed") throw Error(summary.tasks[0].error);
  std::string failed;
  for (const auto& t : summary.tasks)
    if (t.status == "failed") failed += (failed.empty() ? "" : "; ") + t.name + ": " + t.error;
  if (!failed.empty())
    throw Error(std::to_string(summary.count("failed")) + " of " + std::to_string(summary.tasks.size()) +
                " task(s) failed (" + failed + ")" +
                (summary.count("not run") ? "; " + std::to_string(summary.count("not run")) + " not run" : ""));
}

}  // namespace migra::job
