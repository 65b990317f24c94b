// The scheduler in-process, with real tasks and real files: dependency order, concurrency,
// CPU fallback, out-of-memory retries on a device whose allocator fails on purpose, resume.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#ifdef _OPENMP
#include <omp.h>
#include <unistd.h>
#endif

#include "host/io/atomic_file.hpp"
#include "host/io/file_lock.hpp"
#include "host/io/sha256.hpp"
#include "host/job/job_spec.hpp"
#include "host/job/scheduler.hpp"
#include "host/tasks/task_kinds.hpp"

namespace fs = std::filesystem;
using namespace migra;

namespace {

/// A device that computes with the CPU's kernels but is placed like a GPU, and whose
/// allocator throws CudaOutOfMemory above `limit` bytes: the scheduler's OOM path, testable
/// without a GPU. (On a GPU, MIGRA_TEST_GPU_ALLOC_LIMIT does the same to the real allocator.)
class FailingAllocatorGpu final : public Backend {
 public:
  explicit FailingAllocatorGpu(std::size_t limit) : cpu_(make_cpu_backend()), limit_(limit) {}
  std::string name() const override { return "sim-gpu:0"; }
  std::string description() const override { return "CPU kernels, allocations above a limit fail"; }
  Exec exec() override { return cpu_->exec(); }
  bool is_gpu() const override { return true; }
  void* alloc(std::size_t bytes) override {
    if (bytes > limit_) throw CudaOutOfMemory("simulated: " + std::to_string(bytes) + " bytes requested");
    return cpu_->alloc(bytes);
  }
  void release(void* p) noexcept override { cpu_->release(p); }
  void copy_in(void* d, const void* s, std::size_t b) override { cpu_->copy_in(d, s, b); }
  void copy_out(void* d, const void* s, std::size_t b) override { cpu_->copy_out(d, s, b); }
  void copy_within(void* d, const void* s, std::size_t b) override { cpu_->copy_within(d, s, b); }
  void synchronize() override {}

 protected:
  std::size_t device_budget() const override { return std::size_t(1) << 30; }

 private:
  std::unique_ptr<Backend> cpu_;
  std::size_t limit_;
};

/// Test kind `sleep`: waits `ms`, then writes out.txt = its name + the input's content.
job::TaskKind sleep_kind() {
  job::TaskKind k;
  k.name = "sleep";
  k.summary = "test task";
  k.params = {{"ms", job::ParamType::Int, "milliseconds", nullptr, {}, true},
              {"input", job::ParamType::Path, "a file to append"}};
  k.outputs = [](const job::Params&) { return std::vector<std::string>{"out.txt"}; };
  k.run = [](job::TaskContext& ctx) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ctx.params()["ms"].get<int>()));
    std::string text = ctx.name() + "\n";
    if (ctx.params().contains("input")) {
      std::ifstream in(ctx.params()["input"].get<std::string>());
      text += std::string(std::istreambuf_iterator<char>(in), {});
    }
    ctx.add_output("out.txt", io::write_file_atomic(ctx.output_path("out.txt"), text));
  };
  return k;
}

fs::path fresh(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / "migra-test-scheduler" / name;
  fs::remove_all(d);
  fs::create_directories(d.parent_path());
  return d;
}

nlohmann::json manifest(const fs::path& dir) {
  std::ifstream in(dir / "manifest.json");
  return nlohmann::json::parse(in);
}

/// A file's bytes (compared as SHA-256 where a failure would print binary).
std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

job::RunOptions options(const fs::path& out, int workers = 2) {
  job::RunOptions o;
  o.out = out.string();
  o.progress = host::ProgressMode::None;
  o.cpu_workers = workers;
  return o;
}

/// A random xy sites file of n sites.
std::string sites_file(const fs::path& dir, int n, std::uint64_t seed) {
  fs::create_directories(dir);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 100);
  std::ostringstream s;
  s << "id,population,x,y\n";
  for (int i = 0; i < n; ++i) s << "s" << i << "," << int(1000 + 9000 * u(rng) / 100) << "," << u(rng) << "," << u(rng) << "\n";
  const fs::path p = dir / ("sites" + std::to_string(n) + ".csv");
  std::ofstream(p) << s.str();
  return p.string();
}

job::JobSpec flows_job(const std::string& sites, const std::string& device, const std::string& extra = "") {
  return job::parse_job("[tasks.g]\nkind = \"flows\"\nmodel = \"gravity\"\nbeta = 0.05\ncsv = \"never\"\nsites = \"" +
                            sites + "\"\ndevice = \"" + device + "\"\n" + extra,
                        "test.toml", "", job::builtin_task_kinds());
}

}  // namespace

#ifdef _OPENMP
TEST_CASE("scheduler: CPU tasks get the caller's OpenMP threads (OMP_NUM_THREADS), or cpu_threads", "[scheduler]") {
  job::TaskKind k;
  k.name = "threads";
  k.summary = "test task: writes the OpenMP threads it may use";
  k.params = {{"tag", job::ParamType::Int, "to tell the runs apart", nullptr, {}, true}};
  k.outputs = [](const job::Params&) { return std::vector<std::string>{"out.txt"}; };
  k.run = [](job::TaskContext& ctx) {
    ctx.add_output("out.txt", io::write_file_atomic(ctx.output_path("out.txt"), std::to_string(omp_get_max_threads())));
  };
  job::TaskRegistry reg;
  reg.add(k);
  const int before = omp_get_max_threads();
  const auto threads_seen = [&](int caller, int cpu_threads) {
    omp_set_num_threads(caller);
    const std::string tag = std::to_string(caller) + "-" + std::to_string(cpu_threads);
    const auto job = job::parse_job("[tasks.t]\nkind = \"threads\"\ntag = 1\n", "t.toml", "", reg);
    const fs::path out = fresh("threads-" + tag);
    job::Devices devices;
    job::RunOptions o = options(out, 1);
    o.cpu_threads = cpu_threads;
    REQUIRE(job::run_job(job, devices, o).count("done") == 1);
    omp_set_num_threads(before);
    return std::stoi(slurp(out / "t" / "out.txt"));
  };
  CHECK(threads_seen(1, 0) == 1);  // was every core, whatever OMP_NUM_THREADS said
  CHECK(threads_seen(3, 0) == 3);
  CHECK(threads_seen(1, 5) == 5);
}
#endif

TEST_CASE("scheduler: dependency order, and independent tasks run at the same time", "[scheduler]") {
  job::TaskRegistry reg;
  reg.add(sleep_kind());
  const std::string text =
      "[tasks.a]\nkind = \"sleep\"\nms = 150\n"
      "[tasks.b]\nkind = \"sleep\"\nms = 150\n"
      "[tasks.c]\nkind = \"sleep\"\nms = 20\ninput = \"@a/out.txt\"\nafter = [\"b\"]\n"
      "[tasks.d]\nkind = \"sleep\"\nms = 20\ninput = \"@c/out.txt\"\n"
      "[tasks.e]\nkind = \"sleep\"\nms = 150\n";
  const auto job = job::parse_job(text, "dag.toml", "", reg);
  const int workers = GENERATE(1, 2, 3);
  const fs::path out = fresh("dag" + std::to_string(workers));
  job::Devices devices;
  const auto summary = job::run_job(job, devices, options(out, workers));
  REQUIRE(summary.count("done") == 5);
  const auto m = manifest(out)["tasks"];
  const auto start = [&](const char* t) { return m[t]["start_s"].get<double>(); };
  const auto end = [&](const char* t) { return m[t]["end_s"].get<double>(); };
  for (auto [dep, task] : {std::pair{"a", "c"}, {"b", "c"}, {"c", "d"}}) REQUIRE(end(dep) <= start(task));
  // data flowed along the edges
  REQUIRE(slurp(out / "d" / "out.txt") == "d\nc\na\n");
  // overlap among the independent a, b, e: none with one worker, some with more
  int overlaps = 0;
  for (auto [x, y] : {std::pair{"a", "b"}, {"a", "e"}, {"b", "e"}}) overlaps += start(x) < end(y) && start(y) < end(x);
  if (workers == 1) REQUIRE(overlaps == 0);
  else REQUIRE(overlaps >= 1);
  if (workers == 3) REQUIRE(summary.seconds < 0.45);  // a, b, e together, then c, d
}

TEST_CASE("scheduler: a task asking for CUDA on a machine without it runs on the CPU", "[scheduler]") {
  const fs::path dir = fresh("nocuda");
  const std::string sites = sites_file(dir / "in", 50, 1);
  const auto job = flows_job(sites, "cuda:0");
  job::Devices devices;  // no GPU
  devices.notice = "no CUDA device (test)";
  const auto s = job::run_job(job, devices, options(dir / "run"));
  REQUIRE(s.count("done") == 1);
  const auto t = manifest(dir / "run")["tasks"]["g"];
  REQUIRE(t["device"] == "cpu");
  REQUIRE(t["requested_device"] == "cuda:0");
  REQUIRE(manifest(dir / "run")["device_notice"] == "no CUDA device (test)");
}

TEST_CASE("scheduler: out of GPU memory -> smaller chunks, then the CPU, same result", "[scheduler][oom]") {
  const fs::path dir = fresh("oom");
  const int n = 2000;  // the full matrix is 32 MB
  const std::string sites = sites_file(dir / "in", n, 2);
  const auto job = flows_job(sites, "auto");
  job::Devices cpu_only;
  job::run_job(job, cpu_only, options(dir / "ref"));
  REQUIRE(fs::file_size(dir / "ref" / "g" / "flows.npy") == 128 + size_t(n) * n * 8);
  const std::string ref = io::sha256_file((dir / "ref" / "g" / "flows.npy").string());

  SECTION("a 20 MB allocation limit: the third budget (64 MiB, 16 MB blocks) fits") {
    job::Devices devices;
    devices.gpus.push_back(std::make_unique<FailingAllocatorGpu>(20u << 20));
    const auto s = job::run_job(job, devices, options(dir / "chunked"));
    REQUIRE(s.count("done") == 1);
    const auto t = manifest(dir / "chunked")["tasks"]["g"];
    INFO(t.dump(2));
    REQUIRE(t["device"] == "sim-gpu:0");
    REQUIRE(t["attempts"].size() == 3);
    REQUIRE(t["attempts"][0]["error"].get<std::string>().find("out of memory") == 0);
    REQUIRE(t["attempts"][1]["error"].get<std::string>().find("out of memory") == 0);
    REQUIRE_FALSE(t["attempts"][2].contains("error"));
    REQUIRE(t["attempts"][2]["budget_bytes"].get<std::size_t>() == (std::size_t(1) << 30) / 16);
    REQUIRE(t["result"]["row_blocks"].get<int>() > 1);
    REQUIRE(io::sha256_file((dir / "chunked" / "g" / "flows.npy").string()) == ref);
  }
  SECTION("a 1 KB limit: every GPU attempt fails and the task runs on the CPU") {
    job::Devices devices;
    devices.gpus.push_back(std::make_unique<FailingAllocatorGpu>(1024));
    const auto s = job::run_job(job, devices, options(dir / "fallback"));
    REQUIRE(s.count("done") == 1);
    const auto t = manifest(dir / "fallback")["tasks"]["g"];
    INFO(t.dump(2));
    REQUIRE(t["device"] == "cpu");
    REQUIRE(t["attempts"].size() == 5);  // 1 + 3 retries on the device, then the CPU
    for (int a = 0; a < 4; ++a) REQUIRE(t["attempts"][a]["device"] == "sim-gpu:0");
    REQUIRE(io::sha256_file((dir / "fallback" / "g" / "flows.npy").string()) == ref);
  }
  SECTION("device = \"cpu\" never touches the GPU") {
    job::Devices devices;
    devices.gpus.push_back(std::make_unique<FailingAllocatorGpu>(0));
    job::run_job(flows_job(sites, "cpu"), devices, options(dir / "cpu"));
    const auto t = manifest(dir / "cpu")["tasks"]["g"];
    REQUIRE(t["attempts"].size() == 1);
    REQUIRE(t["device"] == "cpu");
  }
}

TEST_CASE("scheduler: a re-run skips what is up to date and re-runs what changed", "[scheduler][resume]") {
  const fs::path dir = fresh("resume");
  const std::string sites = sites_file(dir / "in", 80, 3);
  const std::string follow =
      "[tasks.r]\nkind = \"flows\"\nmodel = \"radiation\"\nsites = \"" + sites + "\"\nobserved = \"@g/flows.csv\"\n"
      "[tasks.x]\nkind = \"flows\"\nmodel = \"io\"\nsites = \"" + sites + "\"\n";
  const auto job_text = [&](double beta) {
    return "[tasks.g]\nkind = \"flows\"\nmodel = \"gravity\"\nsites = \"" + sites + "\"\nbeta = " +
           std::to_string(beta) + "\n" + follow;
  };
  const auto parse = [&](double beta) { return job::parse_job(job_text(beta), "r.toml", "", job::builtin_task_kinds()); };
  const fs::path run = dir / "run";
  job::Devices devices;
  const auto status = [](const job::RunSummary& s) {
    std::string out;
    for (const auto& t : s.tasks) out += t.name + "=" + t.status + " ";
    return out;
  };
  REQUIRE(status(job::run_job(parse(0.05), devices, options(run))) == "g=done r=done x=done ");
  const std::string r_npy = io::sha256_file((run / "r" / "flows.npy").string());
  REQUIRE(status(job::run_job(parse(0.05), devices, options(run))) == "g=skipped r=skipped x=skipped ");

  // a damaged output is noticed by its checksum
  { std::ofstream(run / "x" / "flows.npy", std::ios::app) << "junk"; }
  REQUIRE(status(job::run_job(parse(0.05), devices, options(run))) == "g=skipped r=skipped x=done ");

  // new parameters for g: g re-runs, and r, whose input (g's output) changed
  REQUIRE(status(job::run_job(parse(0.08), devices, options(run))) == "g=done r=done x=skipped ");
  REQUIRE(io::sha256_file((run / "r" / "flows.npy").string()) != r_npy);  // scaled to the observed outflows
  REQUIRE(manifest(run)["tasks"]["r"]["result"]["metrics"]["cpc"].get<double>() > 0);

  // --force re-runs everything
  auto o = options(run);
  o.force = true;
  REQUIRE(status(job::run_job(parse(0.08), devices, o)) == "g=done r=done x=done ");

  // temporaries a killed run left behind are cleared, whatever their PID (here a live one,
  // as when a killed rank lingers as a zombie); one whose writer holds it open is kept
  std::ofstream(run / "g" / ".flows.npy.tmp-99999") << "half";
  const std::string own_pid = ".flows.csv.tmp-" + std::to_string(::getpid());
  std::ofstream(run / "g" / own_pid) << "half";
  {
    io::AtomicFile live((run / "x" / "other.txt").string());
    live.write("being written");
    o.force = false;
    job::run_job(parse(0.09), devices, o);
    REQUIRE_FALSE(fs::exists(run / "g" / ".flows.npy.tmp-99999"));
    REQUIRE_FALSE(fs::exists(run / "g" / own_pid));
    REQUIRE(fs::exists(run / "x" / (".other.txt.tmp-" + std::to_string(::getpid()))));
  }
}

TEST_CASE("scheduler: a run waits for the process still writing its directory", "[scheduler][resume]") {
  const fs::path dir = fresh("locked");
  const std::string sites = sites_file(dir / "in", 40, 5);
  const auto job = job::parse_job("[tasks.g]\nkind = \"flows\"\nmodel = \"gravity\"\nsites = \"" + sites + "\"\n",
                                  "l.toml", "", job::builtin_task_kinds());
  const std::string run = (dir / "run").string();
  fs::create_directories(run);
  // another holder, e.g. a rank of a killed mpirun that has not exited yet
  auto other = std::make_unique<io::DirectoryLock>(run, std::chrono::milliseconds(0));
  REQUIRE_THROWS_WITH(io::DirectoryLock(run, std::chrono::milliseconds(100)),
                      Catch::Contains(run + " is in use by another migra process"));
  std::thread leaves([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    other.reset();
  });
  const auto t0 = std::chrono::steady_clock::now();
  job::Devices devices;
  const auto s = job::run_job(job, devices, options(dir / "run"));
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  leaves.join();
  REQUIRE(s.tasks[0].status == "done");
  REQUIRE(waited >= 0.35);  // it did not start while the other held the directory
  REQUIRE(fs::exists(dir / "run" / "g" / "flows.npy"));
}

TEST_CASE("scheduler: a failed task stops its dependents, not the others", "[scheduler]") {
  const fs::path dir = fresh("fail");
  const std::string good = sites_file(dir / "in", 30, 4);
  const std::string bad = (dir / "in" / "bad.csv").string();
  std::ofstream(bad) << "id,population,x,y\na,5,0,0\nb,-3,1,1\n";
  const std::string text =
      "[tasks.bad]\nkind = \"flows\"\nmodel = \"gravity\"\nsites = \"" + bad + "\"\n"
      "[tasks.after-bad]\nkind = \"flows\"\nmodel = \"radiation\"\nsites = \"" + good + "\"\nafter = [\"bad\"]\n"
      "[tasks.fine]\nkind = \"flows\"\nmodel = \"radiation\"\nsites = \"" + good + "\"\n";
  const auto job = job::parse_job(text, "f.toml", "", job::builtin_task_kinds());
  job::Devices devices;
  const auto s = job::run_job(job, devices, options(dir / "run"));
  REQUIRE(s.tasks[0].status == "failed");
  REQUIRE(s.tasks[0].error.find("bad.csv:3: field 'population': negative population") != std::string::npos);
  REQUIRE(s.tasks[1].status == "not run");
  REQUIRE(s.tasks[2].status == "done");
  REQUIRE_THROWS_WITH(job::throw_if_failed(s), Catch::Contains("1 of 3 task(s) failed") && Catch::Contains("1 not run"));
  const auto m = manifest(dir / "run")["tasks"];
  REQUIRE(m["fine"]["status"] == "done");
  REQUIRE_FALSE(fs::exists(dir / "run" / "bad"));
}
