// Malformed job files: `migra run` must exit 2 naming file:line and the problem, write
// nothing, and report every problem of a file at once.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "host/job/job_spec.hpp"
#include "tests/host/run_migra.hpp"

namespace fs = std::filesystem;

namespace {

using Run = migra::test::MigraRun;
using migra::test::run_migra;

const std::string kSites = std::string(MIGRA_SOURCE_DIR) + "/data/ny2011/counties.csv";

/// Replaces every "SITES" by the real sites file.
std::string with_sites(std::string s) {
  for (size_t p; (p = s.find("SITES")) != std::string::npos;) s.replace(p, 5, kSites);
  return s;
}

struct BadJob {
  std::string toml;
  int line;              // 0: the message carries no line
  std::string fragment;
};

const std::string kTask = "[tasks.a]\nkind = \"flows\"\nmodel = \"gravity\"\nsites = \"SITES\"\n";

const std::vector<BadJob> kBadJobs = {
    {"[tasks.a\nkind = \"flows\"\n", 1, "TOML syntax"},
    {"[job]\nname = \"x\"\n", 0, "defines no tasks"},
    {"foo = 1\n" + kTask, 1, "unknown top-level key 'foo'"},
    {"[tasks.a]\nkind = \"teleport\"\n", 2, "unknown kind \"teleport\" (this build has flows"},
    {"[tasks.a]\nmodel = \"gravity\"\n", 1, "task 'a': has no 'kind'"},
    {"[tasks.a]\nkind = 3\n", 2, "unknown kind 3"},
    {kTask + "modle = \"gravity\"\n", 5, "kind 'flows' has no parameter 'modle'"},
    {kTask + "gamma = \"fast\"\n", 5, "'gamma' must be a number, got \"fast\""},
    {kTask + "max-iter = 2.5\n", 5, "'max-iter' must be an integer"},
    {kTask + "self-flows = \"yes\"\n", 5, "'self-flows' must be true or false"},
    {"[tasks.a]\nkind = \"flows\"\nmodel = \"teleport\"\nsites = \"SITES\"\n", 3, "'model' must be one of gravity, io"},
    {"[tasks.a]\nkind = \"flows\"\nmodel = \"gravity\"\n", 1, "missing required parameter 'sites'"},
    {"[tasks.a]\nkind = \"flows\"\nmodel = \"gravity\"\nsites = \"/no/such/sites.csv\"\n", 4,
     "'sites': /no/such/sites.csv: cannot open (No such file or directory)"},
    {"[tasks.a]\nkind = \"flows\"\nmodel = \"gravity\"\nsites = \"/tmp\"\n", 4, "/tmp: cannot open (is a directory)"},
    {kTask + "beta = [1, 2]\n", 5, "'beta' must be a number, got an array"},
    {kTask + "gamma = -1\n", 5, "'gamma' must be >= 0"},
    {kTask + "observed = \"@b/flows.csv\"\n[tasks.b]\nkind = \"flows\"\nmodel = \"radiation\"\nsites = \"SITES\"\n"
             "observed = \"@a/flows.csv\"\n", 1, "dependency cycle: a -> b -> a"},
    {kTask + "observed = \"@ghost/flows.csv\"\n", 5, "refers to task 'ghost', which the job does not define"},
    {kTask + "[tasks.b]\nkind = \"flows\"\nmodel = \"radiation\"\nsites = \"SITES\"\nobserved = \"@a/metrics.json\"\n", 9,
     "refers to 'metrics.json', which task 'a' (flows) does not write (it writes flows.npy, flows.csv)"},
    {kTask + "after = [\"ghost\"]\n", 5, "'after' names task 'ghost', which the job does not define"},
    {kTask + "after = \"b\"\n", 5, "'after' must be an array of task names"},
    {kTask + "device = \"tpu\"\n", 5, "device 'tpu' is not auto, cpu, cuda or cuda:N"},
    {kTask + "seed = -1\n", 5, "'seed' must be a non-negative integer"},
    {"[job]\nthreads = 4\n" + kTask, 2, "[job] has no key 'threads'"},
    {kTask + "L = 3.0\n", 1, "'L' applies to model io only"},
    {kTask + "observed = \"@a/flows.csv\"\n", 5, "'observed' refers to the task's own output"},
    {kTask + "min-distance = 1.0\nmin_distance = 2.0\n", 6, "'min-distance' is given twice"},
    {"[tasks]\na = 3\n", 2, "tasks.a must be a table"},
    {kTask + kTask, 5, "TOML syntax"},
    {"[tasks.\"a b\"]\nkind = \"flows\"\nmodel = \"gravity\"\nsites = \"SITES\"\n", 1, "may not be empty or contain"},
    {kTask + "after = [\"a\"]\n", 5, "'after' names the task itself"},
};

}  // namespace

TEST_CASE("malformed job files: exit 2, file:line and the problem, nothing written", "[job][errors]") {
  const fs::path dir = fs::temp_directory_path() / "migra-test-jobs";
  fs::remove_all(dir);
  fs::create_directories(dir);
  REQUIRE(kBadJobs.size() >= 20);
  for (size_t k = 0; k < kBadJobs.size(); ++k) {
    const BadJob& c = kBadJobs[k];
    const fs::path file = dir / ("bad" + std::to_string(k) + ".toml");
    std::ofstream(file) << with_sites(c.toml);
    const fs::path out = dir / ("out" + std::to_string(k));
    for (const char* cmd : {"run", "validate"}) {
      const Run r = run_migra(std::string(cmd) + " " + file.string() + (cmd[0] == 'r' ? " --out " + out.string() : ""));
      INFO("case " << k << " (" << cmd << "):\n" << with_sites(c.toml) << "\n---\n" << r.output);
      REQUIRE(r.status == 2);
      const std::string where = c.line ? file.string() + ":" + std::to_string(c.line) + ":" : file.string() + ": ";
      REQUIRE(r.output.find(where) != std::string::npos);
      REQUIRE(r.output.find(with_sites(c.fragment)) != std::string::npos);
      REQUIRE_FALSE(fs::exists(out));
    }
  }
}

TEST_CASE("a job file's problems are all reported at once", "[job][errors]") {
  const std::string text = "[job]\nseed = \"x\"\n\n[tasks.a]\nkind = \"flows\"\nmodel = \"gravity\"\nsites = \"SITES\"\n"
                           "gamma = \"g\"\n\n[tasks.b]\nkind = \"nope\"\n";
  try {
    migra::job::parse_job(with_sites(text), "multi.toml", "", migra::job::builtin_task_kinds());
    FAIL("no error");
  } catch (const migra::Error& e) {
    const std::string m = e.what();
    INFO(m);
    REQUIRE(m.find("3 problems:") == 0);
    REQUIRE(m.find("multi.toml:2:8: [job] 'seed'") != std::string::npos);
    REQUIRE(m.find("multi.toml:8:9: task 'a': 'gamma' must be a number") != std::string::npos);
    REQUIRE(m.find("multi.toml:11:8: task 'b': unknown kind \"nope\"") != std::string::npos);
  }
}

TEST_CASE("job files: relative paths, defaults, references and underscores", "[job]") {
  const std::string text =
      "[job]\nname = \"demo\"\ndevice = \"cpu\"\nseed = 7\n\n"
      "[tasks.g]\nkind = \"flows\"\nmodel = \"gravity\"\nsites = \"ny2011/counties.csv\"\nmin_distance = 2\n\n"
      "[tasks.r]\nkind = \"flows\"\nmodel = \"radiation\"\nsites = \"ny2011/counties.csv\"\n"
      "observed = \"@g/flows.csv\"\ndevice = \"cuda:1\"\nseed = 9\n";
  const auto job = migra::job::parse_job(text, "demo.toml", std::string(MIGRA_SOURCE_DIR) + "/data",
                                         migra::job::builtin_task_kinds());
  REQUIRE(job.name == "demo");
  REQUIRE(job.tasks.size() == 2);
  const auto& g = job.tasks[0];
  REQUIRE(g.name == "g");
  REQUIRE(g.device == "cpu");
  REQUIRE(g.seed == 7);
  REQUIRE(g.params["sites"] == kSites);
  REQUIRE(g.params["min-distance"] == 2.0);       // underscore spelling, integer widened
  REQUIRE(g.params["constraint"] == "production");  // default filled
  REQUIRE_FALSE(g.params.contains("beta"));
  const auto& r = job.tasks[1];
  REQUIRE(r.device == "cuda:1");
  REQUIRE(r.seed == 9);
  REQUIRE(r.after == std::vector<std::string>{"g"});
  REQUIRE(r.params["observed"] == "@g/flows.csv");
}
