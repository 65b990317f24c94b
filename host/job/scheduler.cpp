#include "host/job/scheduler.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "host/job/run_directory.hpp"
#include "host/job/task_runner.hpp"
#include "host/job/transport_team.hpp"
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

/// Another backend on the same CUDA device as `gpu` ("cuda:N"): its own stream and scratch, so
/// two threads can use one device.
std::unique_ptr<Backend> second_context(const Backend& gpu) {
  return make_cuda_backend(std::stoi(gpu.name().substr(gpu.name().find(':') + 1)));
}

enum class State { Waiting, Queued, Running, Finished };

struct TaskState {
  State state = State::Waiting;
  int waiting_on = 0;
  std::vector<int> dependents;
  bool cpu_fallback = false;
  nlohmann::json attempts = nlohmann::json::array();
  TaskOutcome outcome;
};

/// One run of run_job: the queues, the workers and the bookkeeping they share. Workers are
/// threads of this process (one per GPU, plus CPU workers) and, under MPI, a dispatcher that
/// hands tasks to the other ranks.
class Run {
 public:
  Run(const JobSpec& job, Devices& devices, const RunOptions& opt, Transport* remote)
      : job_(job), devices_(devices), opt_(opt), remote_(remote), rd_(opt.out, opt.flat),
        board_(opt.quiet ? host::ProgressMode::None : opt.progress),
        tasks_(job.tasks.size()), gpu_queues_(devices.gpus.size()) {
    cpu_threads_ = opt.cpu_threads > 0 ? opt.cpu_threads : default_cpu_threads();
    cpu_workers_ = opt.cpu_workers > 0 ? opt.cpu_workers : std::min(8, cpu_threads_);
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
    start_ = clock::now();
    write_header();
    if (!devices_.notice.empty() && wants_gpu()) board_.log("", devices_.notice);
    {
      std::lock_guard<std::mutex> lock(mu_);
      remaining_ = int(tasks_.size());
      for (size_t i = 0; i < tasks_.size(); ++i)
        if (tasks_[i].waiting_on == 0) enqueue(int(i));
    }
    std::vector<std::thread> workers;
    for (size_t g = 0; g < devices_.gpus.size(); ++g) workers.emplace_back([this, g] { work(int(g)); });
    for (int c = 0; c < cpu_workers_; ++c) workers.emplace_back([this] { work(-1); });
    if (remote_ && remote_->size() > 1) workers.emplace_back([this] { dispatch(); });
    for (auto& w : workers) w.join();

    RunSummary summary;
    for (auto& t : tasks_) summary.tasks.push_back(t.outcome);
    summary.seconds = since_start();
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
    if (remote_) h["mpi_ranks"] = remote_->size();
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

  /// Whether task i may run on a GPU: its kind has a GPU path, it did not ask for the CPU,
  /// and it has not already fallen back to the CPU after running out of GPU memory.
  bool gpu_eligible(int i) const {
    const TaskSpec& t = job_.tasks[size_t(i)];
    return !tasks_[size_t(i)].cpu_fallback && t.kind->gpu_capable && t.device != "cpu";
  }

  /// Picks the queue of a task whose inputs are ready (lock held).
  void enqueue(int i) {
    const TaskSpec& t = job_.tasks[size_t(i)];
    tasks_[size_t(i)].state = State::Queued;
    if (remote_ && remote_->size() > 1 && t.kind->splits_members) {  // led by dispatch() over every rank
      team_queue_.push_back(i);
      return;
    }
    const int gpus = int(devices_.gpus.size());
    const bool gpu_ok = gpu_eligible(i);
    int gpu = -1;
    if (gpu_ok && gpus > 0) {
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
    if (gpu >= 0) gpu_queues_[size_t(gpu)].push_back(i);
    else if (gpu_ok && gpus == 0 && remote_gpus_ > 0) remote_gpu_queue_.push_back(i);  // GPUs on other ranks
    else cpu_queue_.push_back(i);
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
        if (gpu < 0) omp_set_num_threads(std::max(1, cpu_threads_ / cpu_busy_));
#endif
      }
      std::optional<Execution> e;
      Prepared p;
      const double start_s = since_start();
      if (prepare(i, p)) e = execute_task(job_.tasks[size_t(i)], p, *backend, rd_, board_, opt_.oom_retries,
                                 opt_.checkpoint_every_s);
      std::lock_guard<std::mutex> lock(mu_);
      if (gpu < 0) --cpu_busy_;
      if (e) absorb(i, *e, p.hash, start_s);
      else finished(i);
    }
  }

  /// Resolves and hashes task i; false when there is nothing to run (up to date, or its
  /// inputs are missing), with the outcome set.
  bool prepare(int i, Prepared& p) {
    const TaskSpec& t = job_.tasks[size_t(i)];
    TaskOutcome& out = tasks_[size_t(i)].outcome;
    try {
      p = prepare_task(t, rd_);
    } catch (const std::exception& e) {
      out.status = "failed";
      out.error = e.what();
      board_.log(t.name, std::string("failed: ") + e.what());
      return false;
    }
    if (tasks_[size_t(i)].cpu_fallback || opt_.force || !rd_.up_to_date(t.name, p.hash)) return true;
    const nlohmann::json prev = rd_.previous(t.name);
    out.status = "skipped";
    out.device = prev.value("device", "");
    for (const auto& l : prev.value("summary", nlohmann::json::array())) out.summary.push_back(l);
    board_.log(t.name, "up to date (hash and output checksums match): skipped");
    return false;
  }

  /// Takes in what a worker (here or on another rank) made of task i (lock held).
  void absorb(int i, const Execution& e, const std::string& hash, double start_s) {
    const TaskSpec& t = job_.tasks[size_t(i)];
    TaskState& s = tasks_[size_t(i)];
    for (const auto& a : e.attempts) s.attempts.push_back(a);
    if (e.status == "cpu") {
      s.cpu_fallback = true;
      enqueue(i);
      return;
    }
    TaskOutcome& out = s.outcome;
    out.status = e.status;
    out.error = e.error;
    out.device = e.device;
    out.seconds = e.seconds;
    out.summary = e.summary;
    if (e.status == "failed") board_.log(t.name, "failed: " + e.error);
    if (e.status == "done") {
      nlohmann::json rec = {{"kind", t.kind->name}, {"status", "done"}, {"hash", hash},
                            {"device", e.device}, {"requested_device", t.device}, {"rank", e.rank},
                            {"seed", t.seed}, {"after", t.after}, {"params", t.params},
                            {"attempts", s.attempts}, {"start_s", start_s}, {"end_s", since_start()},
                            {"seconds", e.seconds}, {"finished", host::utc_timestamp()},
                            {"result", e.result}, {"summary", e.summary}, {"outputs", e.outputs}};
      rd_.record(t.name, rec);
    }
    finished(i);
  }

  /// Bookkeeping after task i ended (lock held): release or cancel its dependents.
  void finished(int i) {
    TaskState& s = tasks_[size_t(i)];
    s.state = State::Finished;
    --remaining_;
    if (s.outcome.status == "failed")
      rd_.record(s.outcome.name, {{"kind", s.outcome.kind}, {"status", "failed"}, {"error", s.outcome.error},
                                  {"attempts", s.attempts}, {"finished", host::utc_timestamp()}});
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

  /// Rank 0's link to the other ranks: each says whether it has a GPU, then takes one task
  /// at a time (GPU work first if it has a GPU) until everything has ended.
  void dispatch() {
    const int ranks = remote_->size();
    std::vector<bool> has_gpu(size_t(ranks), false);
    std::vector<int> running(size_t(ranks), -1);
    std::vector<double> started(size_t(ranks), 0.0);
    std::vector<std::string> hashes(static_cast<size_t>(ranks));
    for (int r = 1; r < ranks; ++r) {
      const auto hello = nlohmann::json::parse(remote_->receive(r).text);
      has_gpu[size_t(r)] = !hello.value("gpu", "").empty();
      board_.log("", "rank " + std::to_string(r) + " ready: " + hello.value("devices", std::string("?")));
      std::lock_guard<std::mutex> lock(mu_);
      if (has_gpu[size_t(r)]) ++remote_gpus_;
    }
    {  // GPU-capable tasks queued for the CPU before the GPU ranks said hello
      std::lock_guard<std::mutex> lock(mu_);
      if (remote_gpus_ > 0 && devices_.gpus.empty()) {
        std::deque<int> keep;
        for (int i : cpu_queue_) (gpu_eligible(i) ? remote_gpu_queue_ : keep).push_back(i);
        cpu_queue_.swap(keep);
      }
    }
    for (;;) {
      if (lead_team(running)) continue;
      bool busy = false;
      for (int r = 1; r < ranks; ++r) {
        if (running[size_t(r)] >= 0) { busy = true; continue; }
        int i = -1;
        bool on_cpu = true;
        {
          std::lock_guard<std::mutex> lock(mu_);
          std::vector<std::deque<int>*> order;  // a GPU rank takes GPU work first
          if (has_gpu[size_t(r)]) {
            order.push_back(&remote_gpu_queue_);
            for (auto& q : gpu_queues_) order.push_back(&q);
          }
          order.push_back(&cpu_queue_);
          if (!team_queue_.empty()) order.clear();  // let every rank go idle for the team task
          for (auto* q : order) {
            if (q->empty()) continue;
            i = q->front();
            q->pop_front();
            on_cpu = q == &cpu_queue_;
            tasks_[size_t(i)].state = State::Running;
            break;
          }
        }
        if (i < 0) continue;
        Prepared p;
        const double start_s = since_start();
        if (!prepare(i, p)) {
          std::lock_guard<std::mutex> lock(mu_);
          finished(i);
          continue;
        }
        remote_->send(r, nlohmann::json{{"task", i}, {"params", p.params}, {"hash", p.hash}, {"cpu", on_cpu}}.dump());
        running[size_t(r)] = i;
        started[size_t(r)] = start_s;
        hashes[size_t(r)] = p.hash;
        busy = true;
      }
      while (const auto m = remote_->poll()) {
        const int r = m->from, i = running[size_t(r)];
        const Execution e = execution_from_json(nlohmann::json::parse(m->text));
        std::lock_guard<std::mutex> lock(mu_);
        absorb(i, e, hashes[size_t(r)], started[size_t(r)]);
        running[size_t(r)] = -1;
      }
      std::unique_lock<std::mutex> lock(mu_);
      if (remaining_ == 0 && !busy) break;
      cv_.wait_for(lock, std::chrono::milliseconds(1));
    }
    release_ranks(*remote_);
  }

  /// Runs the next task whose members split over every rank once no rank is busy: this thread
  /// leads it while the other ranks run their shares, each on its GPU when the task may use
  /// one (the leader through a second context on its rank's first GPU, whose worker may be
  /// busy), else on the CPU. Out of GPU memory anywhere, the whole team runs again on CPUs.
  /// False when there is none to run now.
  bool lead_team(const std::vector<int>& running) {
    int i = -1;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (team_queue_.empty() || std::any_of(running.begin(), running.end(), [](int k) { return k >= 0; }))
        return false;
      i = team_queue_.front();
      team_queue_.pop_front();
      tasks_[size_t(i)].state = State::Running;
    }
    Prepared p;
    const double start_s = since_start();
    if (!prepare(i, p)) {
      std::lock_guard<std::mutex> lock(mu_);
      finished(i);
      return true;
    }
    const bool on_gpu = gpu_eligible(i);
    TransportTeam team(*remote_,
                       nlohmann::json{{"member", i}, {"params", p.params}, {"hash", p.hash}, {"cpu", !on_gpu}}.dump());
    const auto backend = on_gpu && !devices_.gpus.empty() ? second_context(*devices_.gpus[0]) : devices_.make_cpu();
    Execution e = execute_task(job_.tasks[size_t(i)], p, *backend, rd_, board_, 0, opt_.checkpoint_every_s, &team);
    team.finish();
    e.device = backend->name() + " x " + std::to_string(remote_->size()) + " ranks";
    std::lock_guard<std::mutex> lock(mu_);
    absorb(i, e, p.hash, start_s);
    return true;
  }

  double since_start() const { return std::chrono::duration<double>(clock::now() - start_).count(); }

  const JobSpec& job_;
  Devices& devices_;
  const RunOptions& opt_;
  Transport* remote_;
  RunDirectory rd_;
  host::ProgressBoard board_;
  std::vector<TaskState> tasks_;
  std::vector<std::deque<int>> gpu_queues_;
  std::deque<int> cpu_queue_, remote_gpu_queue_, team_queue_;
  int cpu_threads_ = 1, cpu_workers_ = 1, cpu_busy_ = 0, remaining_ = 0, remote_gpus_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  clock::time_point start_;
};

}  // namespace

int RunSummary::count(const std::string& status) const {
  return int(std::count_if(tasks.begin(), tasks.end(), [&](const TaskOutcome& t) { return t.status == status; }));
}

Devices discover_devices(int local_rank) {
  Devices d;
  const CudaProbe probe = probe_cuda();
  if (local_rank >= 0 && !probe.devices.empty()) {  // one GPU per rank, round-robin on a node
    d.gpus.push_back(make_cuda_backend(probe.devices[size_t(local_rank) % probe.devices.size()].index));
    return d;
  }
  for (const auto& info : probe.devices) d.gpus.push_back(make_cuda_backend(info.index));
  if (d.gpus.empty()) d.notice = probe.status + ": every task runs on the CPU";
  return d;
}

int default_cpu_threads() {
#ifdef _OPENMP
  return std::max(1, omp_get_max_threads());
#else
  return std::max(1u, std::thread::hardware_concurrency());
#endif
}

RunSummary run_job(const JobSpec& job, Devices& devices, const RunOptions& options, Transport* remote) {
  Run run(job, devices, options, remote);
  return run.go();
}

void serve_tasks(const JobSpec& job, Devices& devices, const RunOptions& options, Transport& link) {
  RunDirectory rd(options.out, options.flat, false);  // paths only: rank 0 keeps the manifest
#ifdef _OPENMP
  if (options.cpu_threads > 0) omp_set_num_threads(options.cpu_threads);
#endif
  host::ProgressBoard board(host::ProgressMode::None);
  Backend* gpu = devices.gpus.empty() ? nullptr : devices.gpus[0].get();
  if (gpu) gpu->activate();
  const auto cpu = devices.make_cpu();
  std::string names = gpu ? gpu->name() + " (" + gpu->description() + "), " : "";
  link.send(0, nlohmann::json{{"gpu", gpu ? gpu->name() : ""}, {"devices", names + cpu->description()}}.dump());
  for (;;) {
    const auto msg = nlohmann::json::parse(link.receive(0).text);
    if (msg.value("stop", false)) return;
    if (msg.contains("member")) {  // a share of a task that rank 0 leads
      TransportTeam team(link);
      const TaskSpec& t = job.tasks.at(msg.at("member").get<size_t>());
      Backend& backend = msg.at("cpu").get<bool>() || !gpu ? *cpu : *gpu;
      team.member_done(run_member(t, Prepared{msg.at("params"), msg.at("hash")}, backend, rd, team));
      continue;
    }
    const TaskSpec& t = job.tasks.at(msg.at("task").get<size_t>());
    const Prepared p{msg.at("params"), msg.at("hash")};
    Backend& backend = msg.at("cpu").get<bool>() || !gpu ? *cpu : *gpu;
    Execution e = execute_task(t, p, backend, rd, board, options.oom_retries, options.checkpoint_every_s);
    e.rank = link.rank();
    e.device = backend.name() + "@rank" + std::to_string(link.rank());
    link.send(0, to_json(e).dump());
  }
}

void release_ranks(Transport& link) {
  for (int r = 1; r < link.size(); ++r) link.send(r, R"({"stop": true})");
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
