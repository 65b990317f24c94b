// End-to-end tests of the real `migra` binary, run as a subprocess.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "host/io/sha256.hpp"
#include "tests/host/run_migra.hpp"

namespace fs = std::filesystem;

namespace {

using Run = migra::test::MigraRun;
using migra::test::run_migra;

std::string data(const std::string& rel) { return std::string(MIGRA_SOURCE_DIR) + "/data/" + rel; }

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / "migra-test-cli" / name;
  fs::remove_all(d);
  return d;
}

std::string write(const fs::path& p, const std::string& s) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << s;
  return p.string();
}

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}

}  // namespace

TEST_CASE("migra flows: fitted gravity on the NY 2011 commuting flows", "[cli][ny2011]") {
  const fs::path out = fresh_dir("ny-gravity");
  const Run r = run_migra("flows --model gravity --sites " + data("ny2011/counties.csv") + " --observed " +
                      data("ny2011/commuting_flows.csv") + " --progress none --out " + out.string());
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto m = read_json(out / "metrics.json");
  const double cpc = m["metrics"]["cpc"];
  REQUIRE(cpc > 0.5);
  REQUIRE(cpc < 0.9);
  REQUIRE(m["parameters"]["fit"]["at_bound"] == false);
  REQUIRE(double(m["parameters"]["beta"]) > 0);
  REQUIRE(m["metrics"]["pairs"] == 62 * 61);
  // production constraint: model total = observed total over the off-diagonal pairs
  REQUIRE(double(m["metrics"]["model_total"]) == Approx(double(m["metrics"]["observed_total"])).epsilon(1e-12));
  const auto man = read_json(out / "manifest.json");
  const auto& task = man["tasks"]["flows"];
  for (const char* f : {"flows.npy", "flows.csv", "metrics.json"})
    REQUIRE(task["outputs"][f]["sha256"] == migra::io::sha256_file((out / f).string()));
  REQUIRE(task["device"].get<std::string>().size() > 0);
  REQUIRE(task["status"] == "done");
  REQUIRE(fs::file_size(out / "flows.npy") == 128 + 62 * 62 * 8);
  REQUIRE(r.output.find("CPC") != std::string::npos);
}

TEST_CASE("migra flows: every model runs on the NY data", "[cli][ny2011]") {
  const std::string model = GENERATE("radiation", "io", "two-trip");
  const fs::path out = fresh_dir("ny-" + model);
  const Run r = run_migra("flows --model " + model + " --sites " + data("ny2011/counties.csv") +
                      " --observed " + data("ny2011/commuting_flows.csv") + " -q --out " + out.string());
  INFO(r.output);
  REQUIRE(r.status == 0);
  const double cpc = read_json(out / "metrics.json")["metrics"]["cpc"];
  REQUIRE(cpc > 0.3);
  REQUIRE(cpc < 1.0);
}

TEST_CASE("migra flows: bad input exits 2 with one line naming the problem", "[cli][errors]") {
  const fs::path dir = fresh_dir("bad");
  const std::string good = data("ny2011/counties.csv");
  struct Case {
    std::string args, expect;
  };
  const std::string neg = write(dir / "neg.csv", "id,population,x,y\na,5,0,0\nb,-3,1,1\n");
  const std::string dup = write(dir / "dup.csv", "id,population,x,y\na,5,0,0\na,3,1,1\n");
  const std::string nan = write(dir / "nan.csv", "id,population,x,y\na,5,0,0\nb,3,NaN,1\n");
  const std::string one = write(dir / "one.csv", "id,population,x,y\na,5,0,0\n");
  const std::string nocol = write(dir / "nocol.csv", "id,pop,x,y\na,5,0,0\nb,3,1,1\n");
  const std::string flows = write(dir / "flows.csv", "origin,destination,flow\n36001,99999,4\n");
  const std::vector<Case> cases = {
      {"--sites /no/such/file.csv", "/no/such/file.csv: cannot open"},
      {"--sites " + nocol, nocol + ":1: missing column 'population'"},
      {"--sites " + nan, nan + ":3: field 'x': 'NaN' is not a finite number"},
      {"--sites " + neg, neg + ":3: field 'population': negative population"},
      {"--sites " + dup, dup + ":3: field 'id': duplicate id 'a'"},
      {"--sites " + one, "at least 2 are needed"},
      {"--sites " + good + " --observed " + flows, flows + ":2: field 'destination': unknown site id '99999'"},
      {"--sites " + good + " --device tpu", "device 'tpu' is not auto, cpu, cuda or cuda:N"},
      {"--sites " + good + " --L 3", "'L' applies to model io only"},
  };
  for (const auto& c : cases) {
    const fs::path out = dir / "out";
    fs::create_directories(out);
    write(out / "keep.txt", "earlier results");
    const Run r = run_migra("flows --model gravity " + c.args + " --progress none --out " + out.string());
    INFO(c.args << "\n" << r.output);
    REQUIRE(r.status == 2);
    REQUIRE(r.output.find(c.expect) != std::string::npos);
    REQUIRE(std::count(r.output.begin(), r.output.end(), '\n') == 1);
    // nothing written, nothing lost
    REQUIRE(std::distance(fs::directory_iterator(out), fs::directory_iterator{}) == 1);
    std::ifstream keep(out / "keep.txt");
    REQUIRE(std::string(std::istreambuf_iterator<char>(keep), {}) == "earlier results");
  }
  const Run unknown = run_migra("flows --model teleport --sites " + good + " --out " + (dir / "o").string());
  REQUIRE(unknown.status == 2);
  REQUIRE(unknown.output.find("teleport") != std::string::npos);
  REQUIRE_FALSE(fs::exists(dir / "o"));
}

TEST_CASE("migra --help and info", "[cli]") {
  const Run h = run_migra("flows --help");
  REQUIRE(h.status == 0);
  REQUIRE(h.output.find("--constraint") != std::string::npos);
  const Run i = run_migra("info");
  REQUIRE(i.status == 0);
  REQUIRE(i.output.find("CUDA devices") != std::string::npos);
  REQUIRE(i.output.find("LibTorch") != std::string::npos);
}
