// Scheduler overhead and throughput on the CPU (issue 9's benchmark):
//  - empty: N independent tasks that do nothing, so the time is the scheduler's own (hashing,
//    placement, task directory, manifest journal); reported per task, for 1 and W workers;
//  - chain: N tasks each waiting for the previous one (dependency-release latency);
//  - flows: N small gravity tasks (an ensemble-style job: 30 sites each, every task a
//    different beta) with real outputs, in tasks/s; then the same job again, all up to date
//    (the cost of a resume check per task);
//  - peer: the same flows tasks as one `migra flows` process each (a shell loop, GNU
//    parallel's model), timed on a sample and reported per task;
//  - mixed (--mixed K): K ensembles that may run on a GPU (device auto) and K pinned to the
//    CPU, as one job on the devices found (a GPU worker beside the CPU workers), against the
//    same tasks run one after another: the speed-up of concurrent GPU + CPU execution.
// One JSON object per line.
//   bench_scheduler MIGRA_BINARY WORK_DIR [--tasks 10000] [--workers 2] [--mixed 0] [--mixed-maps 32]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "host/job/job_spec.hpp"
#include "host/job/scheduler.hpp"

using namespace migra;
namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

namespace {

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

job::TaskKind empty_kind() {
  job::TaskKind k;
  k.name = "empty";
  k.summary = "does nothing";
  k.params = {{"i", job::ParamType::Int, "index", nullptr, {}, true}};
  k.outputs = [](const job::Params&) { return std::vector<std::string>{}; };
  k.run = [](job::TaskContext&) {};
  return k;
}

struct Timed {
  double parse_s, run_s;
  job::RunSummary summary;
};

/// devices: where tasks may run (none given: the CPU only).
Timed time_job(const std::string& text, const job::TaskRegistry& kinds, const fs::path& out, int workers,
               job::Devices* devices = nullptr) {
  job::Devices cpu_only;
  const auto t0 = clock_type::now();
  const job::JobSpec job = job::parse_job(text, "bench.toml", "", kinds);
  const double parse_s = seconds_since(t0);
  job::RunOptions o;
  o.out = out.string();
  o.progress = host::ProgressMode::None;
  o.cpu_workers = workers;
  const auto t1 = clock_type::now();
  job::RunSummary s = job::run_job(job, devices ? *devices : cpu_only, o);
  job::throw_if_failed(s);
  return {parse_s, seconds_since(t1), std::move(s)};
}

void print(const char* name, int tasks, int workers, const Timed& t, const char* extra = "") {
  std::printf("{\"bench\": \"%s\", \"tasks\": %d, \"workers\": %d, \"parse_s\": %.4f, \"run_s\": %.4f, "
              "\"per_task_ms\": %.4f, \"tasks_per_s\": %.1f, \"done\": %d, \"skipped\": %d%s}\n",
              name, tasks, workers, t.parse_s, t.run_s, 1e3 * t.run_s / tasks, tasks / t.run_s,
              t.summary.count("done"), t.summary.count("skipped"), extra);
  std::fflush(stdout);
}

/// Concurrent GPU + CPU execution against serial: 2K ensembles (K device auto, K cpu), as one
/// job on the devices found, then each task alone as its own job, one after another.
void mixed_bench(const job::TaskRegistry& kinds, const fs::path& work, int K, int maps) {
  std::vector<std::string> tasks;
  for (int i = 0; i < 2 * K; ++i)
    tasks.push_back("[tasks.e" + std::to_string(i) + "]\nkind = \"ensemble\"\nmodel = \"gravity\"\nmaps = " +
                    std::to_string(maps) + "\nsites = 1000\nsteps = 100\nseed = " + std::to_string(i + 1) +
                    "\ndevice = \"" + (i % 2 ? "cpu" : "auto") + "\"\n");
  std::string all;
  for (const auto& t : tasks) all += t;
  job::Devices devices = job::discover_devices();
  const Timed together = time_job(all, kinds, work / "concurrent", 0, &devices);
  double serial_s = 0;
  for (size_t i = 0; i < tasks.size(); ++i)
    serial_s += time_job(tasks[i], kinds, work / ("serial" + std::to_string(i)), 0, &devices).run_s;
  std::string placed;
  for (const auto& t : together.summary.tasks) placed += (placed.empty() ? "\"" : ", \"") + t.device + "\"";
  std::printf("{\"bench\": \"mixed-gpu-cpu\", \"tasks\": %d, \"gpus\": %zu, \"concurrent_s\": %.3f, \"serial_s\": %.3f, "
              "\"speedup\": %.3f, \"devices\": [%s]}\n",
              2 * K, devices.gpus.size(), together.run_s, serial_s, serial_s / together.run_s, placed.c_str());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_scheduler MIGRA_BINARY WORK_DIR [--tasks N] [--workers W]\n");
    return 2;
  }
  const std::string migra = argv[1];
  const fs::path work = argv[2];
  int n = 10000, workers = 2, mixed = 0, mixed_maps = 32;
  for (int a = 3; a + 1 < argc; a += 2) {
    const std::string k = argv[a];
    if (k == "--tasks") n = std::stoi(argv[a + 1]);
    else if (k == "--workers") workers = std::stoi(argv[a + 1]);
    else if (k == "--mixed") mixed = std::stoi(argv[a + 1]);
    else if (k == "--mixed-maps") mixed_maps = std::stoi(argv[a + 1]);
  }
  fs::remove_all(work);
  fs::create_directories(work);
  job::TaskRegistry kinds;
  kinds.add(empty_kind());

  std::string empty, chain;
  for (int i = 0; i < n; ++i) {
    empty += "[tasks.t" + std::to_string(i) + "]\nkind = \"empty\"\ni = " + std::to_string(i) + "\n";
    chain += "[tasks.t" + std::to_string(i) + "]\nkind = \"empty\"\ni = " + std::to_string(i) + "\n" +
             (i ? "after = [\"t" + std::to_string(i - 1) + "\"]\n" : "");
  }
  for (int w : {1, workers}) print("empty", n, w, time_job(empty, kinds, work / ("empty" + std::to_string(w)), w));
  print("chain", n, 1, time_job(chain, kinds, work / "chain", 1));

  // An ensemble-style job of small real tasks.
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0, 100);
  const fs::path sites = work / "sites.csv";
  {
    std::ofstream f(sites);
    f << "id,population,x,y\n";
    for (int i = 0; i < 30; ++i) f << "s" << i << "," << 1000 + int(u(rng) * 90) << "," << u(rng) << "," << u(rng) << "\n";
  }
  std::string flows;
  for (int i = 0; i < n; ++i)
    flows += "[tasks.f" + std::to_string(i) + "]\nkind = \"flows\"\nmodel = \"gravity\"\nsites = \"" +
             sites.string() + "\"\nbeta = " + std::to_string(0.01 + 1e-6 * i) + "\n";
  const auto& builtin = job::builtin_task_kinds();
  for (int w : {1, workers}) {
    const fs::path out = work / ("flows" + std::to_string(w));
    print("flows", n, w, time_job(flows, builtin, out, w));
    if (w == workers) print("flows-resume", n, w, time_job(flows, builtin, out, w));
  }

  // Peer: one process per task.
  const int sample = std::min(n, 50);
  const auto t0 = clock_type::now();
  for (int i = 0; i < sample; ++i) {
    const std::string cmd = migra + " flows --model gravity --sites " + sites.string() + " --beta " +
                            std::to_string(0.01 + 1e-6 * i) + " -q --out " + (work / "proc" / std::to_string(i)).string();
    if (std::system(cmd.c_str()) != 0) {
      std::fprintf(stderr, "peer command failed: %s\n", cmd.c_str());
      return 1;
    }
  }
  const double per = seconds_since(t0) / sample;
  std::printf("{\"bench\": \"flows-process-per-task\", \"tasks\": %d, \"workers\": 1, \"per_task_ms\": %.4f, "
              "\"tasks_per_s\": %.1f}\n", sample, 1e3 * per, 1.0 / per);
  if (mixed > 0) mixed_bench(builtin, work / "mixed", mixed, mixed_maps);
  return 0;
}
