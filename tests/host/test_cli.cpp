// End-to-end tests of the real `migra` binary, run as a subprocess.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <nlohmann/json.hpp>

#include "host/io/npy.hpp"
#include "host/io/sha256.hpp"
#include "host/cli/commands.hpp"
#include "host/cli/torch_binary.hpp"
#include "models/torch_runtime.hpp"
#include "tests/host/run_migra.hpp"
#include "tests/skip.hpp"

namespace fs = std::filesystem;

namespace {

using Run = migra::test::MigraRun;
using migra::test::run_migra;
using migra::test::run_migra_env;

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

TEST_CASE("every shipped job file validates", "[cli]") {
  int jobs = 0;
  for (const auto& e : fs::directory_iterator(data("jobs"))) {
    if (e.path().extension() != ".toml") continue;
    const Run v = run_migra("validate " + e.path().string());
    INFO(v.output);
    CHECK(v.status == 0);
    ++jobs;
  }
  REQUIRE(jobs >= 5);  // main, ny2011, paper000, paper004, grid-two-trip
}

TEST_CASE("migra hands to migra-torch exactly what needs LibTorch", "[cli]") {
  CLI::App app;
  const std::vector<std::string> none;
  migra::host::register_run(app, none, migra::job::torch_free_task_kinds());
  migra::host::register_task_commands(app, none, migra::job::torch_free_task_kinds());
  const auto needs = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "migra");
    return migra::host::needs_torch_binary(app, args, migra::job::torch_free_task_kinds());
  };
  const fs::path dir = fresh_dir("torch-binary");
  const std::string plain = write(dir / "plain.toml", "[tasks.a]\nkind = \"ripley\"\n");
  const std::string torch = write(dir / "torch.toml", "[tasks.a]\nkind = \"ripley\"\n[tasks.b]\nkind = \"gnn.train\"\n");
  const std::string broken = write(dir / "broken.toml", "[tasks.a\nkind = \"gnn.train\"\n");
  CHECK(needs({}));
  CHECK(needs({"--help"}));
  CHECK(needs({"--version"}));
  CHECK(needs({"info"}));
  CHECK(needs({"pinn", "fit", "--balances", "b.csv"}));
  CHECK(needs({"gnn"}));
  CHECK(needs({"flowz"}));  // the whole CLI names what exists
  const Run typo = run_migra("flowz --out x");
  CHECK(typo.status == 2);
  CHECK(typo.output.find("unknown command 'flowz' (the commands are run, validate, flows,") != std::string::npos);
  CHECK_FALSE(needs({"flows", "--help"}));
  CHECK_FALSE(needs({"settle", "fit"}));
  CHECK_FALSE(needs({"run", plain, "--out", dir.string()}));
  CHECK(needs({"run", "--out", dir.string(), torch}));
  CHECK(needs({"validate", torch}));
  CHECK_FALSE(needs({"validate", broken}));  // reported here, with its line
  CHECK_FALSE(needs({"run", (dir / "missing.toml").string()}));

  // The process that runs `flows` never maps LibTorch; one that runs `gnn` does.
  const auto libraries = [](const std::string& args) {
    return run_migra_env("LD_DEBUG=files", args + " --help").output;
  };
  CHECK(libraries("flows").find("libtorch") == std::string::npos);
  CHECK(libraries("mfg").find("libtorch") == std::string::npos);
  if (migra::models::have_torch()) CHECK(libraries("gnn train").find("libtorch") != std::string::npos);
}

TEST_CASE("migra ensemble: a small paper-004 ensemble against the 2010 counties", "[cli][ensemble]") {
  const fs::path out = fresh_dir("ensemble");
  const Run r = run_migra("ensemble --model two-trip --maps 3 --sites 300 --steps 150 --score-every 5 --seed 4 "
                          "--reference " + data("us2010/counties.csv") + " --reference-samples 20 --progress none --out " +
                          out.string());
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto s = read_json(out / "summary.json");
  REQUIRE(s["model"] == "two-trip");
  REQUIRE(s["maps"] == 3);
  REQUIRE(s["sites"] == 300);
  const double d = s["d_ks_best"];
  REQUIRE((d > 0.0 && d < 1.0));
  const int tau = s["tau_best"];
  REQUIRE((tau >= 0 && tau <= 150 && tau % 5 == 0));
  REQUIRE(double(s["max_rel_conservation_error"]) < 1e-12);
  REQUIRE(double(s["min_floor_ratio"]) >= 1.0 - 1e-12);
  for (const char* f : {"rank_size.csv", "dks.csv", "populations_tau.npy", "populations_final.npy", "positions.npy",
                        "rank_size.svg", "dks.svg", "k200.csv", "k200.svg"})
    REQUIRE(fs::exists(out / f));
  REQUIRE(double(s["chi2_k200"]) > 0);
  {  // K200: 100 radii up to half the side; the model median peaks at 1; counts never decrease
    std::ifstream k(out / "k200.csv");
    std::string row;
    std::getline(k, row);
    int n = 0;
    double peak = 0, last_hom = -1;
    while (std::getline(k, row)) {
      std::vector<double> v;
      std::stringstream ss(row);
      for (std::string f; std::getline(ss, f, ',');) v.push_back(std::stod(f));
      ++n, peak = std::max(peak, v[2]);
      REQUIRE(v[7] > last_hom);
      last_hom = v[7];
    }
    REQUIRE(n == 100);
    REQUIRE(peak == 1.0);
  }
  REQUIRE(fs::file_size(out / "populations_final.npy") == 128 + 3 * 300 * 8);
  // dks.csv holds t = 0, 5, ..., 150 and its minimum is the summary's
  std::ifstream dks(out / "dks.csv");
  std::string line;
  std::getline(dks, line);
  int rows = 0;
  double best = 2.0;
  while (std::getline(dks, line)) ++rows, best = std::min(best, std::stod(line.substr(line.find(',') + 1)));
  REQUIRE(rows == 31);
  REQUIRE(best == d);
  // the same seed gives the same bytes; another seed other maps
  const fs::path again = fresh_dir("ensemble-again"), other = fresh_dir("ensemble-other");
  const std::string common = "ensemble --model two-trip --maps 3 --sites 300 --steps 150 --score-every 5 --reference " +
                             data("us2010/counties.csv") + " --reference-samples 20 -q --out ";
  REQUIRE(run_migra(common + again.string() + " --seed 4").status == 0);
  REQUIRE(run_migra(common + other.string() + " --seed 5").status == 0);
  const auto sha = [](const fs::path& p) { return migra::io::sha256_file(p.string()); };
  REQUIRE(sha(again / "populations_final.npy") == sha(out / "populations_final.npy"));
  REQUIRE(sha(other / "positions.npy") != sha(out / "positions.npy"));
}

TEST_CASE("paper 004 at reduced size: Two-Trip fits the 2010 counties better than gravity, near the paper's tau", "[cli][ensemble][reproduction]") {
  // The paper's experiment (data/jobs/paper004.toml: 100 maps x 1000 sites x 2000 steps, about
  // 15 minutes here) with 5 maps and 1300 steps, 3 s: its reproduced ordering must hold. The paper
  // has D_KS 0.0267 (Two-Trip) against 0.133 (gravity), both at tau = 1000; the full run here
  // 0.052 at 843 against 0.085 at 953 (bench/results/paper004-cpu-vm). Seeds 1-3 and 2018 gave
  // Two-Trip 0.038-0.062 and gravity 0.082-0.100, tau 800-970. (Radiation beating gravity is
  // the part not reproduced, at full size too.)
  std::map<std::string, std::pair<double, int>> best;
  for (const auto& [model, params] : {std::pair{"gravity", "--beta 0.023"}, {"two-trip", "--beta 0.025 --gamma 1"}}) {
    const fs::path out = fresh_dir(std::string("paper004-") + model);
    const Run r = run_migra(std::string("ensemble --model ") + model + " " + params + " --maps 5 --sites 1000 --steps 1300 "
                            "--score-every 10 --seed 2018 --reference " + data("us2010/counties.csv") +
                            " --reference-samples 20 -q --out " + out.string());
    INFO(r.output);
    REQUIRE(r.status == 0);
    const auto s = read_json(out / "summary.json");
    best[model] = {double(s["d_ks_best"]), int(s["tau_best"])};
  }
  INFO("D_KS (tau): two-trip " << best["two-trip"].first << " (" << best["two-trip"].second << "), gravity "
                               << best["gravity"].first << " (" << best["gravity"].second << ")");
  CHECK(best["two-trip"].first < 0.8 * best["gravity"].first);
  CHECK(best["two-trip"].first < 0.08);
  for (const auto& [model, v] : best) CHECK((v.second >= 600 && v.second < 1300));  // a minimum inside the run
}

TEST_CASE("migra ensemble: inconsistent parameters exit 2 before anything runs", "[cli][ensemble][errors]") {
  const fs::path out = fresh_dir("ensemble-bad");
  for (const auto& [args, expect] : std::vector<std::pair<std::string, std::string>>{
           {"--model gravity --L 3", "'L' applies to model io only"},
           {"--model radiation --beta 0.1", "'beta' does not apply to model radiation"},
           {"--model gravity --populations pareto --pareto-alpha 0.5", "'pareto-alpha' must be > 1"},
           {"--model gravity --lambda 2", "'lambda' must be in (0, 1]"},
           {"--model gravity --maps 0", "'maps' must be >= 1"},
           {"--model gravity --reference /no/such.csv", "/no/such.csv: cannot open"},
           {"--model gravity --checkpoint-every 0", "--checkpoint-every: must be a NUMBER > 0, got '0'"}}) {
    const Run r = run_migra("ensemble " + args + " --progress none --out " + out.string());
    INFO(args << "\n" << r.output);
    REQUIRE(r.status == 2);
    REQUIRE(r.output.find(expect) != std::string::npos);
    REQUIRE_FALSE(fs::exists(out));
  }
}

TEST_CASE("migra ripley: K of a lattice and a CSR pattern, and its errors", "[cli][ripley]") {
  const fs::path dir = fresh_dir("ripley");
  // a 10 x 10 unit lattice in [0.5, 9.5]^2, window [0, 10]^2: no pair is closer than 1
  std::string lattice = "x,y\n";
  for (int a = 0; a < 10; ++a)
    for (int b = 0; b < 10; ++b) lattice += std::to_string(a + 0.5) + "," + std::to_string(b + 0.5) + "\n";
  write(dir / "lattice.csv", lattice);
  const Run r = run_migra("ripley --points " + (dir / "lattice.csv").string() +
                          " --window 0,0,10,10 --radii 0.5,0.99,1.0,1.5 --progress none --out " + (dir / "out").string());
  INFO(r.output);
  REQUIRE(r.status == 0);
  std::ifstream in(dir / "out" / "ripley.csv");
  std::string header, line;
  std::getline(in, header);
  REQUIRE(header == "r,K_iso,K_border,K_trans,L_iso");
  std::vector<std::vector<double>> rows;
  while (std::getline(in, line)) {
    std::vector<double> v;
    std::stringstream ss(line);
    for (std::string f; std::getline(ss, f, ',');) v.push_back(std::stod(f));
    rows.push_back(v);
  }
  REQUIRE(rows.size() == 4);
  REQUIRE(rows[1][1] == 0.0);  // nothing within 0.99
  // at r = 1 every point has its 2-4 lattice neighbours: translation weights are exact here
  double trans = 0.0;
  for (int a = 0; a < 10; ++a)
    for (int b = 0; b < 10; ++b)
      for (auto [dx, dy] : {std::pair{1, 0}, {-1, 0}, {0, 1}, {0, -1}})
        if (a + dx >= 0 && a + dx < 10 && b + dy >= 0 && b + dy < 10) trans += 100.0 / ((10.0 - std::abs(dx)) * (10.0 - std::abs(dy)));
  REQUIRE(rows[2][3] == Approx(100.0 / (100 * 99) * trans).epsilon(1e-12));
  REQUIRE(read_json(dir / "out" / "summary.json")["points"] == 100);
  // the lattice's convex hull is the square [0.5, 9.5]^2 (4 vertices), area 81
  const Run hull = run_migra("ripley --points " + (dir / "lattice.csv").string() +
                             " --window hull --radii 0.5,1.0 --progress none --out " + (dir / "hull").string());
  INFO(hull.output);
  REQUIRE(hull.status == 0);
  const auto hs = read_json(dir / "hull" / "summary.json");
  REQUIRE(hs["window"] == "convex hull (4 vertices)");
  REQUIRE(double(hs["area"]) == Approx(81.0));

  write(dir / "bad.csv", "x,z\n1,2\n3,4\n");
  const Run bad = run_migra("ripley --points " + (dir / "bad.csv").string() + " --progress none --out " + (dir / "o2").string());
  REQUIRE(bad.status == 2);
  REQUIRE(bad.output.find("missing column 'y'") != std::string::npos);
  const Run far = run_migra("ripley --points " + (dir / "lattice.csv").string() +
                            " --window 0,0,10,10 --radii 6 --progress none --out " + (dir / "o3").string());
  REQUIRE(far.status == 2);
  REQUIRE(far.output.find("exceeds half the window's shorter side") != std::string::npos);
}

TEST_CASE("migra ot: the 2 x 2 entropic closed form, the plan files, and bad input", "[cli][ot]") {
  const fs::path dir = fresh_dir("ot");
  // C = [[0, c], [c, 0]], uniform marginals: P_11 / P_12 = e^{c/eps}, so <C,P> = c / (1 + e^{c/eps})
  const double c = 1.0, eps = 0.5;
  fs::create_directories(dir);
  {
    migra::io::NpyWriter w((dir / "C.npy").string(), 2, 2);
    const double C[4] = {0.0, c, c, 0.0};
    w.append_rows(C, 2);
    w.commit();
  }
  const std::string a = write(dir / "a.csv", "weight\n3\n3\n"), b = write(dir / "b.csv", "weight\n1\n1\n");
  const std::string common = " --progress none --cost " + (dir / "C.npy").string() + " --b " + b;
  const Run r = run_migra("ot --a " + a + " --eps 0.5 --tol 1e-13" + common + " --out " + (dir / "out").string());
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto m = read_json(dir / "out" / "metrics.json");
  REQUIRE(m["converged"] == true);
  REQUIRE(double(m["cost"]) == Approx(c / (1.0 + std::exp(c / eps))).epsilon(1e-12));
  REQUIRE(double(m["input_mass_a"]) == 6.0);  // normalised to 1 for the solve
  REQUIRE(double(m["mass"]) == Approx(1.0).epsilon(1e-12));
  const migra::io::NpyMatrix P = migra::io::read_npy_matrix((dir / "out" / "plan.npy").string());
  REQUIRE(P.rows == 2);
  REQUIRE(P.cols == 2);
  REQUIRE(P.data[0] == Approx(0.5 * std::exp(c / eps) / (1.0 + std::exp(c / eps))).epsilon(1e-12));
  REQUIRE(P.data[1] == Approx(0.5 / (1.0 + std::exp(c / eps))).epsilon(1e-12));
  REQUIRE(fs::file_size(dir / "out" / "f.npy") == 128 + 2 * 8);

  // the sparse plan keeps each row's largest entries
  const Run t = run_migra("ot --a " + a + " --eps 0.5 --plan topk --top-k 1" + common + " --out " + (dir / "topk").string());
  REQUIRE(t.status == 0);
  std::ifstream in(dir / "topk" / "plan_topk.csv");
  std::string header, row0, row1;
  std::getline(in, header), std::getline(in, row0), std::getline(in, row1);
  REQUIRE(header == "source,target,mass");
  REQUIRE(row0.rfind("0,0,", 0) == 0);
  REQUIRE(row1.rfind("1,1,", 0) == 0);

  const std::pair<std::string, std::string> bad[] = {
      {"ot --a " + write(dir / "neg.csv", "weight\n1\n-2\n") + common, "neg.csv:3: field 'weight'"},
      {"ot --a " + write(dir / "three.csv", "weight\n1\n1\n1\n") + common, "the cost is 2 x 2, the weights have 3 (a)"},
      {"ot --a " + write(dir / "col.csv", "mass\n1\n1\n") + common, "missing column 'weight'"},
      {"ot --a " + a + " --b " + b + " --progress none", "give either 'cost'"},
      {"ot --a " + a + " --keep-mass" + common, "differs from sum b"},
  };
  for (const auto& [args, expect] : bad) {
    const fs::path out = dir / "bad";
    const Run e = run_migra(args + " --out " + out.string());
    INFO(args << "\n" << e.output);
    REQUIRE(e.status == 2);
    REQUIRE(e.output.find(expect) != std::string::npos);
  }
}

TEST_CASE("migra ot --metric graph: shortest paths on a network as the cost, and its errors", "[cli][ot]") {
  // a - b - c with lengths 1 and 2, and a direct edge a - c of length 5: the path via b (3) is
  // the cost (d - e: another component). Between {a, c} and {a, c}, C = [[0, 3], [3, 0]]: the 2 x 2 closed form of the
  // case above, <C, P> = c / (1 + e^{c / eps}) with c = 3.
  const fs::path dir = fresh_dir("ot-graph");
  fs::create_directories(dir);
  const std::string net = write(dir / "path.net", "vertex a 0 0\nvertex b 1 0\nvertex c 3 0\nvertex d 9 9\nvertex e 9 10\n"
                                                  "edge a b\nedge b c length=2\nedge a c length=5\nedge d e\n");
  const std::string ac = write(dir / "ac.csv", "vertex\na\nc\n"), w = write(dir / "w.csv", "weight\n1\n1\n");
  const std::string common = " --a " + w + " --b " + w + " --metric graph --progress none";
  const Run r = run_migra("ot" + common + " --network " + net + " --x " + ac + " --y " + ac + " --eps 1.5 --tol 1e-13 --out " +
                          (dir / "out").string());
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto m = read_json(dir / "out" / "metrics.json");
  REQUIRE(double(m["max_cost"]) == 3.0);
  REQUIRE(double(m["cost"]) == Approx(3.0 / (1.0 + std::exp(2.0))).epsilon(1e-12));
  const std::pair<std::string, std::string> bad[] = {
      {"ot" + common + " --x " + ac + " --y " + ac, "metric 'graph' needs 'network'"},
      {"ot" + common + " --network " + net + " --x " + write(dir / "z.csv", "vertex\na\nz\n") + " --y " + ac,
       "z.csv:3: field 'vertex': vertex 'z' is not in the network"},
      {"ot" + common + " --network " + net + " --x " + ac + " --y " + write(dir / "ad.csv", "vertex\na\nd\n"),
       "no path from vertex 'a' to vertex 'd'"},
      {"ot --a " + w + " --b " + w + " --network " + net + " --x " + ac + " --y " + ac + " --progress none",
       "'network' applies to metric 'graph' only"},
  };
  for (const auto& [args, expect] : bad) {
    const Run e = run_migra(args + " --out " + (dir / "bad").string());
    INFO(args << "\n" << e.output);
    REQUIRE(e.status == 2);
    REQUIRE(e.output.find(expect) != std::string::npos);
  }
}

TEST_CASE("migra mfg: a small triangle run, its outputs, and config errors with the line", "[cli][mfg]") {
  const fs::path dir = fresh_dir("mfg");
  const std::string net = data("networks/triangle.net");
  const std::string cfg = write(dir / "cfg.toml",
                                "[mfg]\ndx = 0.05\nT = 0.5\npotential = \"C\"\ncontrol-temperature = 1e-3\n"
                                "[workers]\nbranches = 3\ninitial = { kind = \"cosine\", base = 1.2, amplitude = 0.1 }\n"
                                "[firms]\nbranches = 3\n");
  const Run r = run_migra("mfg --network " + net + " --config " + cfg + " --monte-carlo 100000 --progress none --out " +
                          (dir / "out").string());
  INFO(r.output);
  REQUIRE(r.status == 0);
  // spec test 14 on the run's last iteration: the chain's counts and cost agree with FP and U
  const auto mc = read_json(dir / "out" / "monte_carlo.json");
  for (const char* pop : {"workers", "firms"}) {
    INFO(pop << ": " << mc[pop].dump());
    REQUIRE(mc[pop]["particles_where_fp_has_no_mass"] == 0);
    REQUIRE(int(mc[pop]["cells_scored"]) > 400);
    REQUIRE(double(mc[pop]["max_abs_z"]) < 4.5);
    REQUIRE(std::fabs(double(mc[pop]["mean_z2"]) - 1.0) < 0.2);
    REQUIRE(std::fabs(double(mc[pop]["cost_z"])) < 4.0);
  }
  REQUIRE(r.output.find("monte carlo, firms: max |z|") != std::string::npos);
  const auto m = read_json(dir / "out" / "metrics.json");
  REQUIRE(m["converged"] == true);
  REQUIRE(m["nodes"] == 60);
  REQUIRE(m["time_steps"] == 10);
  REQUIRE(double(m["mass_w"]) == Approx(1.2 * 3.0).epsilon(1e-12));  // the cosine seed integrates to 0
  // densities: (N_T + 1) x nodes, their masses conserved at every step
  const migra::io::NpyMatrix D = migra::io::read_npy_matrix((dir / "out" / "densities_w.npy").string());
  REQUIRE(D.rows == 11);
  REQUIRE(D.cols == 60);
  std::ifstream nodes(dir / "out" / "nodes.csv");
  std::string line;
  std::getline(nodes, line);
  std::vector<double> measure;
  while (std::getline(nodes, line)) measure.push_back(std::stod(line.substr(line.rfind(',') + 1)));
  REQUIRE(measure.size() == 60);
  for (int n = 0; n < 11; ++n) {
    double mass = 0.0;
    for (int q = 0; q < 60; ++q) mass += D.data[size_t(n) * 60 + q] * measure[size_t(q)];
    REQUIRE(mass == Approx(3.6).epsilon(1e-12));
  }
  for (const char* f : {"values_w.npy", "residuals.csv", "final_densities.svg", "residuals.svg"})
    REQUIRE(fs::exists(dir / "out" / f));
  // the converged densities as the first iterate: the fixed point holds after one iteration
  const std::string guess = " --guess-w " + (dir / "out" / "densities_w.npy").string() + " --guess-f " +
                            (dir / "out" / "densities_f.npy").string();
  const Run again = run_migra("mfg --network " + net + " --config " + cfg + guess + " --progress none --out " +
                              (dir / "again").string());
  INFO(again.output);
  REQUIRE(again.status == 0);
  REQUIRE(read_json(dir / "again" / "metrics.json")["iterations"] == 1);
  REQUIRE(m["diffusion"]["workers"] == "branches");
  // implicit diffusion from the CLI, with its Monte Carlo check
  const Run implicit = run_migra("mfg --network " + net + " --config " +
                                 write(dir / "implicit-ok.toml", "[mfg]\ndx = 0.05\nT = 0.5\n[workers]\ndiffusion = "
                                                                 "\"implicit\"\n[firms]\ndiffusion = \"implicit\"\n") +
                                 " --monte-carlo 100000 --progress none --out " + (dir / "implicit").string());
  INFO(implicit.output);
  REQUIRE(implicit.status == 0);
  REQUIRE(read_json(dir / "implicit" / "metrics.json")["diffusion"]["firms"] == "implicit");
  const auto mci = read_json(dir / "implicit" / "monte_carlo.json");
  for (const char* pop : {"workers", "firms"}) {
    INFO(pop << ": " << mci[pop].dump());
    REQUIRE(double(mci[pop]["max_abs_z"]) < 4.5);
    REQUIRE(std::fabs(double(mci[pop]["cost_z"])) < 4.0);
  }
  REQUIRE(int(m["iterations"]) > 1);
  // Newton-Krylov from the CLI: the same fixed point as the Picard run above, its residual
  // trace starting from the start's
  const Run newton = run_migra("mfg --network " + net + " --config " + cfg + " --solver newton --progress none --out " +
                               (dir / "newton").string());
  INFO(newton.output);
  REQUIRE(newton.status == 0);
  REQUIRE(newton.output.find("Newton steps") != std::string::npos);
  const auto mn = read_json(dir / "newton" / "metrics.json");
  REQUIRE(mn["solver"] == "newton");
  REQUIRE(mn["converged"] == true);
  REQUIRE(int(mn["sweeps"]) > int(mn["iterations"]));
  REQUIRE(double(mn["overlap"]) == Approx(double(m["overlap"])).margin(1e-3));
  std::ifstream trace(dir / "newton" / "residuals.csv");
  std::getline(trace, line);
  REQUIRE(line == "step,residual,step_length");
  std::getline(trace, line);
  REQUIRE(line.rfind("0,", 0) == 0);
  // arclength from the CLI: Newton's solution, then points of the branch towards smaller nu
  const Run arc = run_migra("mfg --network " + net + " --config " +
                            write(dir / "arc.toml", "[mfg]\ndx = 0.05\nT = 0.5\ntol = 1e-8\narclength-points = 4\n"
                                                    "arclength-step = 0.05\n") +
                            " --solver arclength --progress none --out " + (dir / "arc").string());
  INFO(arc.output);
  REQUIRE(arc.status == 0);
  REQUIRE(arc.output.find("branch: 4 points") != std::string::npos);
  const auto ma = read_json(dir / "arc" / "metrics.json");
  REQUIRE(ma["solver"] == "arclength");
  REQUIRE(ma["branch"]["points"] == 4);
  REQUIRE(double(ma["branch"]["residual"]) < 1e-8);
  const migra::io::NpyMatrix B = migra::io::read_npy_matrix((dir / "arc" / "branch_f.npy").string());
  REQUIRE(B.rows == 4);
  REQUIRE(B.cols == 60);
  std::ifstream branch(dir / "arc" / "branch.csv");
  std::getline(branch, line);
  REQUIRE(line.rfind("point,s,residual,", 0) == 0);
  double divisor = 0.0;
  for (int k = 0; k < 4; ++k) {  // no fold here: the divisor grows from 1
    REQUIRE(std::getline(branch, line));
    const double s = std::stod(line.substr(line.find(',') + 1));
    REQUIRE(s > divisor);
    divisor = s;
  }
  REQUIRE(double(ma["branch"]["s"]) == divisor);
  REQUIRE(ma["branch"]["parameter"] == "nu");
  REQUIRE(ma["branch"]["end"] == "points");
  REQUIRE(arc.output.find("ended: arclength-points reached") != std::string::npos);
  REQUIRE(fs::exists(dir / "arc" / "branch.svg"));
  // migra validate reads a task's config now: its problems, and whether it writes the branch
  const std::string bad_arc = write(dir / "bad-arc.toml", "[mfg]\nsolver = \"arclength\"\narclength-parameter = \"eps\"\n");
  const auto job_of = [&](const std::string& name, const std::string& cfg_a, const std::string& extra) {
    return write(dir / name, "[tasks.a]\nkind = \"mfg\"\nnetwork = \"" + net + "\"\nconfig = \"" + cfg_a + "\"\n" + extra);
  };
  const Run v = run_migra("validate " + job_of("bad-job.toml", bad_arc, ""));
  INFO(v.output);
  REQUIRE(v.status == 2);
  REQUIRE(v.output.find("bad-job.toml:1:") != std::string::npos);
  REQUIRE(v.output.find("arclength-parameter must be nu, C or b, got 'eps'") != std::string::npos);
  const std::string walk_cfg = write(dir / "walk.toml", "[mfg]\ndx = 0.05\nT = 0.5\nsolver = \"arclength\"\n");
  const std::string next = "[tasks.b]\nkind = \"mfg\"\nnetwork = \"" + net + "\"\nguess-w = \"@a/branch_w.npy\"\n"
                           "guess-f = \"@a/densities_f.npy\"\n";
  REQUIRE(run_migra("validate " + job_of("walk-job.toml", walk_cfg, next)).status == 0);
  const Run no_branch = run_migra("validate " + job_of("picard-job.toml", cfg, next));
  INFO(no_branch.output);
  REQUIRE(no_branch.status == 2);
  REQUIRE(no_branch.output.find("refers to 'branch_w.npy', which task 'a' (mfg) does not write") != std::string::npos);
  const Run mismatched = run_migra("mfg --network " + net + " --config " +
                                   write(dir / "fine.toml", "[mfg]\ndx = 0.025\nT = 0.5\n") + guess +
                                   " --progress none --out " + (dir / "bad").string());
  REQUIRE(mismatched.status == 2);
  REQUIRE(mismatched.output.find("is 11 x 60; this grid needs 11 x 120") != std::string::npos);

  const std::pair<std::string, std::string> bad[] = {
      {"[mfg]\ndx = 0.05\ncolour = 3\n", "bad.toml:3:10: unknown key 'colour' in [mfg]"},
      {"[workers]\nlambda = \"one\"\n", "bad.toml:2:10: 'lambda' must be a number"},
      {"[mfg]\ncost = \"cubic\"\n", "cost must be linear, sqrt or quadratic"},
      {"[mfg]\nrent-kernel = \"box\"\n", "rent-kernel must be ball or gaussian, got 'box'"},
      {"[mfg]\nsolver = \"anderson\"\n", "[mfg] solver must be picard, newton or arclength, got 'anderson'"},
      {"[mfg]\nrent-smoothing = -1\n", "[mfg] rent-smoothing must be >= 0"},
      {"[mfg]\narclength-step = 0\n", "arclength-step must be > 0"},
      {"[mfg]\narclength-parameter = \"eps\"\n", "arclength-parameter must be nu, C or b, got 'eps'"},
      {"[firms]\novershoot = \"sideways\"\n", "[firms] overshoot must be \"all\" or \"onward\", got 'sideways'"},
      {"[workers]\ndiffusion = \"spectral\"\n", "[workers] diffusion must be \"branches\" or \"implicit\", got 'spectral'"},
      {"[mfg\n", "bad.toml:1"},
  };
  for (const auto& [text, expect] : bad) {
    const Run e = run_migra("mfg --network " + net + " --config " + write(dir / "bad.toml", text) +
                            " --progress none --out " + (dir / "bad").string());
    INFO(text << "\n" << e.output);
    REQUIRE(e.status == 2);
    REQUIRE(e.output.find(expect) != std::string::npos);
  }
  const Run refused = run_migra("mfg --network " + net + " --config " +
                               write(dir / "implicit.toml", "[mfg]\ndx = 0.0001\n[workers]\ndiffusion = \"implicit\"\n") +
                               " --monte-carlo 1000 --progress none --out " + (dir / "bad").string());
  REQUIRE(refused.status == 2);
  REQUIRE(refused.output.find("keeps an N x N transition table") != std::string::npos);
  const Run nonet = run_migra("mfg --network " + write(dir / "x.net", "vertex a 0 0\nedge a b\n") +
                              " --progress none --out " + (dir / "bad").string());
  REQUIRE(nonet.status == 2);
  REQUIRE(nonet.output.find("x.net:2: edge names vertex 'b'") != std::string::npos);
}

namespace {

/// Rows of a CSV as maps column -> text.
std::vector<std::map<std::string, std::string>> read_csv(const fs::path& p) {
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> head;
  std::stringstream hs(line);
  for (std::string h; std::getline(hs, h, ',');) head.push_back(h);
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    std::stringstream ls(line);
    std::map<std::string, std::string> row;
    std::string f;
    for (size_t k = 0; k < head.size(); ++k) {
      std::getline(ls, f, ',');
      row[head[k]] = f;
    }
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

TEST_CASE("migra settle fit: the three flow models on the NY 2011 flows", "[cli][settle][ny2011]") {
  const fs::path out = fresh_dir("settle-ny");
  const Run r = run_migra("settle fit --units " + data("ny2011/counties.csv") + " --flows " +
                          data("ny2011/commuting_flows.csv") + " --bootstrap 20 --seed 5 --progress none --out " + out.string());
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto m = read_json(out / "metrics.json");
  // Essex, Hamilton and Lewis counties (under 10 persons/km²) are left out.
  REQUIRE(m["regions"][0]["units"] == 59);
  REQUIRE(m["regions"][0]["dropped_below_min_density"].size() == 3);
  const auto& models = m["models"];
  const double r2b = models["baseline"]["r2"], r2e = models["extended"]["r2"], r2s = models["spatial"]["r2"];
  REQUIRE(r2e >= r2b);
  REQUIRE(r2e >= r2s);
  REQUIRE(double(models["spatial"]["gamma"]) > 0);
  REQUIRE(double(models["extended"]["mu"]) > 0);
  REQUIRE(models["baseline"]["gamma"].is_null());
  for (const char* k : {"baseline", "extended", "spatial"}) REQUIRE(models[k]["converged"] == true);
  const double lo = models["spatial"]["bootstrap"]["gamma_lo"], hi = models["spatial"]["bootstrap"]["gamma_hi"];
  REQUIRE(lo <= double(models["spatial"]["gamma"]));
  REQUIRE(hi >= double(models["spatial"]["gamma"]));
  // R² recomputed from the written observed and fitted flows.
  const auto flows = read_csv(out / "flows_fitted.csv");
  REQUIRE(flows.size() == 59 * 58);
  double sum = 0, ss = 0, sr = 0;
  for (const auto& f : flows) sum += std::stod(f.at("observed"));
  const double mean = sum / double(flows.size());
  for (const auto& f : flows) {
    const double o = std::stod(f.at("observed")), e = std::stod(f.at("extended"));
    ss += (o - mean) * (o - mean), sr += (o - e) * (o - e);
  }
  REQUIRE(1 - sr / ss == Approx(r2e).epsilon(1e-9));
  const auto pot = read_csv(out / "potentials.csv");
  REQUIRE(pot.size() == 59);
  double umin = 1e300;
  for (const auto& p : pot) umin = std::min(umin, std::stod(p.at("u_extended")));
  REQUIRE(umin == 0.0);
  REQUIRE(read_csv(out / "bootstrap.csv").size() == 3 * 20);
  for (const char* f : {"fits.csv", "observed_vs_fitted.svg", "u_vs_density.svg", "resettlement_diagram.svg"})
    REQUIRE(fs::exists(out / f));
  // eta* of the fit = that of settle spread at the same cut-off, and of its cut-off sweep.
  const Run sp = run_migra("settle spread --units " + data("ny2011/counties.csv") + " --cutoff-sweep 1,10,100 --progress none --out " +
                           (out / "spread").string());
  INFO(sp.output);
  REQUIRE(sp.status == 0);
  const double eta = m["regions"][0]["loubar"]["eta_star"];
  REQUIRE(double(read_json(out / "spread" / "metrics.json")["regions"][0]["eta_star"]) == eta);
  const auto sweep = read_csv(out / "spread" / "cutoff_sweep.csv");
  REQUIRE(sweep.size() == 3);
  REQUIRE(std::stoi(sweep[1].at("units")) == 59);
  REQUIRE(std::stod(sweep[1].at("eta_star")) == Approx(eta).epsilon(1e-15));
  REQUIRE(std::stoi(sweep[2].at("units")) < 59);
  // P_i from the origin totals (spec §5 gap 1): another fit, still nested.
  const Run o = run_migra("settle fit --units " + data("ny2011/counties.csv") + " --flows " + data("ny2011/commuting_flows.csv") +
                          " --population origin-totals --progress none --out " + (out / "origin").string());
  REQUIRE(o.status == 0);
  const auto om = read_json(out / "origin" / "metrics.json")["models"];
  REQUIRE(double(om["extended"]["r2"]) >= double(om["spatial"]["r2"]));
  REQUIRE(double(om["spatial"]["gamma"]) != Approx(double(models["spatial"]["gamma"])).epsilon(1e-6));
}

TEST_CASE("migra settle: synthetic cities recovered end to end, spread and simulate", "[cli][settle]") {
  const fs::path dir = fresh_dir("settle-synth");
  const Run s = run_migra("settle synth --layouts monocentric,polycentric --side 10 --u-density -0.3 --seed 11 "
                          "--progress none --out " + (dir / "city").string());
  INFO(s.output);
  REQUIRE(s.status == 0);
  const std::string units = (dir / "city" / "units.csv").string();
  const Run f = run_migra("settle fit --units " + units + " --flows " + (dir / "city" / "flows.csv").string() +
                          " --progress none --out " + (dir / "fit").string());
  INFO(f.output);
  REQUIRE(f.status == 0);
  const auto m = read_json(dir / "fit" / "metrics.json");
  REQUIRE(m["regions"].size() == 2);
  std::map<std::string, double> truth_u;
  for (const auto& t : read_csv(dir / "city" / "truth.csv")) truth_u[t.at("id")] = std::stod(t.at("u"));
  for (const auto& reg : m["regions"]) {
    INFO(reg["region"]);
    REQUIRE(reg["units"] == 100);
    REQUIRE(std::fabs(double(reg["models"]["extended"]["gamma"]) - 0.8) < 0.03);
    // u up to the gauge: centred fitted against centred true values.
    std::vector<double> a, b;
    for (const auto& p : read_csv(dir / "fit" / "potentials.csv"))
      if (p.at("region") == reg["region"]) a.push_back(std::stod(p.at("u_extended"))), b.push_back(truth_u.at(p.at("id")));
    double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < a.size(); ++i) ma += a[i] / a.size(), mb += b[i] / b.size();
    for (size_t i = 0; i < a.size(); ++i)
      sab += (a[i] - ma) * (b[i] - mb), saa += (a[i] - ma) * (a[i] - ma), sbb += (b[i] - mb) * (b[i] - mb);
    REQUIRE(sab / std::sqrt(saa * sbb) > 0.95);
  }
  const Run sp = run_migra("settle spread --units " + units + " --progress none --out " + (dir / "spread").string());
  REQUIRE(sp.status == 0);
  const auto sm = read_json(dir / "spread" / "metrics.json");
  REQUIRE(sm["regions"][0]["region"] == "monocentric");
  REQUIRE(double(sm["regions"][0]["eta_star"]) < double(sm["regions"][1]["eta_star"]));
  REQUIRE(double(sm["regions"][0]["eta_star"]) < 0.6);
  REQUIRE(fs::exists(dir / "spread" / "hotspot_map.svg"));

  const std::string sim = "settle simulate --units " + units + " --fit " + (dir / "fit" / "metrics.json").string() +
                          " --potentials " + (dir / "fit" / "potentials.csv").string() + " --region monocentric";
  const Run det = run_migra(sim + " --steps 5 --progress none --out " + (dir / "det").string());
  INFO(det.output);
  REQUIRE(det.status == 0);
  const auto dm = read_json(dir / "det" / "metrics.json");
  REQUIRE(double(dm["max_total_drift"]) < 1e-9 * double(dm["total_population"]));
  REQUIRE(read_csv(dir / "det" / "trajectory.csv").size() == 6 * 100);
  const Run sto = run_migra(sim + " --steps 5 --stochastic --replicates 3 --progress none --out " + (dir / "sto").string());
  REQUIRE(sto.status == 0);
  REQUIRE(double(read_json(dir / "sto" / "metrics.json")["max_total_drift"]) == 0.0);
  const Run noregion = run_migra("settle simulate --units " + units + " --fit " + (dir / "fit" / "metrics.json").string() +
                                 " --potentials " + (dir / "fit" / "potentials.csv").string() + " --progress none --out " +
                                 (dir / "x").string());
  REQUIRE(noregion.status == 2);
  REQUIRE(noregion.output.find("several regions") != std::string::npos);
  const Run closure = run_migra(sim + " --kappa 0.1 --progress none --out " + (dir / "y").string());
  REQUIRE(closure.status == 2);
  REQUIRE(closure.output.find("'kappa' and 'sigma' need closure") != std::string::npos);
}

TEST_CASE("migra settle: bad units and flows name the file, line and field", "[cli][settle][errors]") {
  const fs::path dir = fresh_dir("settle-bad");
  const std::string good = write(dir / "u.csv", "id,population,x,y,area_km2\na,100,0,0,1\nb,200,1,0,1\nc,300,0,1,1\n");
  const std::pair<std::string, std::string> bad_units[] = {
      {"id,population,x,y,area_km2\na,100,0,0,1\nb,200,1,0,0\n", "u_bad.csv:3: field 'area_km2': area 0 km²"},
      {"id,population,x,y,area_km2\na,100,0,0,1\na,200,1,0,1\n", "u_bad.csv:3: field 'id': duplicate id 'a'"},
      {"id,population,x,y\na,100,0,0\n", "missing column 'area_km2'"},
      {"id,population,lon,lat,area_km2\na,100,0,95,1\n", "u_bad.csv:2: field 'lat': latitude 95"},
  };
  for (const auto& [text, expect] : bad_units) {
    const Run e = run_migra("settle fit --units " + write(dir / "u_bad.csv", text) + " --flows " +
                            write(dir / "f.csv", "origin,destination,flow\na,b,3\n") + " --progress none --out " +
                            (dir / "o").string());
    INFO(text << "\n" << e.output);
    REQUIRE(e.status == 2);
    REQUIRE(e.output.find(expect) != std::string::npos);
  }
  const Run unknown = run_migra("settle fit --units " + good + " --flows " +
                                write(dir / "f2.csv", "origin,destination,flow\na,b,3\nb,z,4\n") + " --progress none --out " +
                                (dir / "o").string());
  REQUIRE(unknown.status == 2);
  REQUIRE(unknown.output.find("f2.csv:3: field 'destination': unknown site id 'z'") != std::string::npos);
  const Run empty = run_migra("settle fit --units " + good + " --flows " + write(dir / "f3.csv", "origin,destination,flow\na,a,3\n") +
                              " --progress none --out " + (dir / "o").string());
  REQUIRE(empty.status == 2);
  REQUIRE(empty.output.find("no positive flow between distinct units") != std::string::npos);
}

TEST_CASE("migra gnn train: with a learned deterrence and the MAE loss the GNN beats the gravity models on the synthetic set",
          "[cli][gnn]") {
  // The learning criterion on the shipped synthetic366, at a reduced budget (hidden 256,
  // 6,000 steps, one repeat; about 85 s): the constrained gravity model is handed every origin's
  // observed outflow, test records included, and the GNN is not. 0.878 against 0.870 on the dev VM.
  MIGRA_SKIP_UNLESS(migra::models::have_torch(), "LibTorch");
  const fs::path out = fresh_dir("gnn-beats-gravity");
  std::string features = "population";
  for (int f = 1; f <= 19; ++f) features += (f < 10 ? ",F0" : ",F") + std::to_string(f);
  const Run r = run_migra("gnn train --nodes " + data("synthetic366/nodes.csv") + " --flows " + data("synthetic366/flows.csv") +
                          " --features " + features + " --decoder directed --weight-power learned --distance-decay learned"
                          " --loss mae --steps 6000 --repeats 1 --mlp-epochs 0 --progress none --out " + out.string());
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto m = read_json(out / "metrics.json");
  const double gnn = m["gnn"]["test"]["cpc"], gravity = m["gravity"]["test"]["cpc"], loglinear = m["gravity_loglinear"]["test"]["cpc"];
  INFO("test CPC: GNN " << gnn << ", constrained gravity " << gravity << ", log-linear gravity " << loglinear);
  CHECK(m["config"]["loss"] == "mae");
  CHECK(gnn > gravity);
  CHECK(gnn > loglinear + 0.02);
  // The deterrence it learns is flatter than 1/d near the origin and steepens with distance, as
  // the law's e^(-d/350) / (1 + d/50) does.
  CHECK(m["gnn_repeats"]["weight_power"][0].get<double>() < 0.8);
  CHECK(m["gnn_repeats"]["distance_decay"][0].get<double>() > 0.3);
}

TEST_CASE("migra gnn scenario: the paper's sector groups on the synthetic set", "[cli][gnn]") {
  MIGRA_SKIP_UNLESS(migra::models::have_torch(), "LibTorch");
  const fs::path out = fresh_dir("gnn-sectors");
  std::string features = "population";
  for (int f = 1; f <= 19; ++f) features += (f < 10 ? ",F0" : ",F") + std::to_string(f);
  const std::string data_args = " --nodes " + data("synthetic366/nodes.csv") + " --flows " + data("synthetic366/flows.csv");
  const Run train = run_migra("gnn train" + data_args + " --features " + features +
                              " --steps 20 --repeats 1 --hidden 8 --mlp-epochs 0 --progress none --out " + (out / "fit").string());
  INFO(train.output);
  REQUIRE(train.status == 0);
  const std::string region = write(out / "region.csv", "id\nc000\nc001\nc002\nc003\nc004\nc005\n");
  const std::string with_model = "gnn scenario" + data_args + " --model " + (out / "fit" / "model.bin").string() +
                                 " --nodes-subset " + region + " --progress none";
  // S3-Prod by its group name is the same scenario as its five sections listed.
  const Run group = run_migra(with_model + " --scale producer=2 --out " + (out / "group").string());
  const Run listed = run_migra(with_model + " --scale F07=2,F09=2,F10=2,F12=2,F13=2 --out " + (out / "listed").string());
  INFO(group.output << listed.output);
  REQUIRE(group.status == 0);
  REQUIRE(listed.status == 0);
  REQUIRE(migra::io::sha256_file((out / "group" / "scenario.csv").string()) ==
          migra::io::sha256_file((out / "listed" / "scenario.csv").string()));
  const auto m = read_json(out / "group" / "metrics.json");
  REQUIRE(m["scale"].size() == 5);
  REQUIRE(m["subset"]["total_net_outflow"]["change_pct"].get<double>() != 0.0);
  const Run twice = run_migra(with_model + " --scale producer=2,F09=3 --out " + (out / "twice").string());
  REQUIRE(twice.status == 2);
  REQUIRE(twice.output.find("feature 'F09' is scaled twice") != std::string::npos);
  // The decoder's power and distance decay learned: metrics.json gives each repeat's theta and
  // kappa, and the saved model (both, with their pivots) serves the explainer.
  const Run learned = run_migra("gnn train" + data_args + " --features " + features + " --weight-power learned --distance-decay learned"
                                " --steps 20 --repeats 2 --hidden 8 --mlp-epochs 0 --progress none --out " + (out / "learned").string());
  INFO(learned.output);
  REQUIRE(learned.status == 0);
  const auto lm = read_json(out / "learned" / "metrics.json");
  REQUIRE(lm["config"]["weight_power"] == "learned");
  REQUIRE(lm["config"]["distance_decay"] == "learned");
  REQUIRE(lm["gnn_repeats"]["weight_power"].size() == 2);
  REQUIRE(lm["gnn_repeats"]["distance_decay"].size() == 2);
  for (const auto& th : lm["gnn_repeats"]["weight_power"]) REQUIRE(th.get<double>() != 1.0);
  for (const auto& ka : lm["gnn_repeats"]["distance_decay"]) REQUIRE(ka.get<double>() != 0.0);
  const Run ex = run_migra("gnn explain" + data_args + " --model " + (out / "learned" / "model.bin").string() +
                           " --epochs 3 --explain-nodes " + write(out / "two.csv", "id\nc000\nc001\n") +
                           " --progress none --out " + (out / "explain").string());
  INFO(ex.output);
  REQUIRE(ex.status == 0);
  REQUIRE(read_csv(out / "explain" / "importance.csv").size() == 40);
}

TEST_CASE("migra gnn train: GraphSAGE and gravity on the NY 2011 flows, and bad input", "[cli][gnn][ny2011]") {
  MIGRA_SKIP_UNLESS(migra::models::have_torch(), "LibTorch");
  const fs::path out = fresh_dir("gnn-ny");
  const Run r = run_migra("gnn train --nodes " + data("ny2011/counties.csv") + " --flows " + data("ny2011/commuting_flows.csv") +
                          " --steps 40 --repeats 2 --hidden 16 --seed 3 --mlp-epochs 5 --progress none --out " + out.string());
  INFO(r.output);
  REQUIRE(r.status == 0);
  REQUIRE(r.output.find("beta") == std::string::npos);  // LibTorch's beta notice is not shown
  const auto m = read_json(out / "metrics.json");
  for (const char* model : {"gnn", "gravity", "gravity_loglinear", "mlp", "null"})
    for (const char* split : {"train", "val", "test", "all"}) {
      const double c = m[model][split]["cpc"];
      REQUIRE(c >= 0.0);
      REQUIRE(c <= 1.0);
    }
  REQUIRE(m["records"] == 1892);  // 1954 records less 62 self-flows
  const std::size_t n = m["gnn"]["train"]["records"].get<std::size_t>() + m["gnn"]["val"]["records"].get<std::size_t>() +
                        m["gnn"]["test"]["records"].get<std::size_t>();
  REQUIRE(n == 1892);
  const auto pred = read_csv(out / "predictions.csv");
  REQUIRE(pred.size() == 1892);
  for (const auto& p : pred) REQUIRE(std::stod(p.at("gnn")) >= 0.0);
  for (const char* f : {"training.csv", "observed_vs_predicted.svg", "training.svg", "top_flows.svg"}) REQUIRE(fs::exists(out / f));
  // The same seed gives the same predictions.
  const Run again = run_migra("gnn train --nodes " + data("ny2011/counties.csv") + " --flows " +
                              data("ny2011/commuting_flows.csv") + " --steps 40 --repeats 2 --hidden 16 --seed 3 --mlp-epochs 5 --progress none --out " +
                              (out / "again").string());
  REQUIRE(again.status == 0);
  REQUIRE(migra::io::sha256_file((out / "predictions.csv").string()) ==
          migra::io::sha256_file((out / "again" / "predictions.csv").string()));
  // Scenarios with the trained model: a factor of 1 is the baseline; doubling the population
  // of New York City's five counties moves flows, and the subset's net flow is its boundary's.
  const std::string with_model = " --nodes " + data("ny2011/counties.csv") + " --flows " + data("ny2011/commuting_flows.csv") +
                                 " --model " + (out / "model.bin").string() + " --progress none";
  const std::string nyc = write(out / "nyc.csv", "id\n36005\n36047\n36061\n36081\n36085\n");
  const Run same = run_migra("gnn scenario" + with_model + " --scale population=1 --nodes-subset " + nyc + " --out " + (out / "same").string());
  INFO(same.output);
  REQUIRE(same.status == 0);
  for (const auto& row : read_csv(out / "same" / "scenario.csv")) REQUIRE(std::stod(row.at("net_change")) == 0.0);
  const Run dbl = run_migra("gnn scenario" + with_model + " --scale population=2 --nodes-subset " + nyc + " --out " + (out / "double").string());
  REQUIRE(dbl.status == 0);
  const auto sm = read_json(out / "double" / "metrics.json");
  REQUIRE(sm["subset_nodes"] == 5);
  REQUIRE(sm["subset"]["flow_within"]["change_pct"].get<double>() != 0.0);
  double net = 0;
  for (const auto& row : read_csv(out / "double" / "scenario.csv"))
    if (row.at("in_subset") == "1") net += std::stod(row.at("net_scenario"));
  REQUIRE(-net == Approx(sm["subset"]["region_net_outflow"]["scenario"].get<double>()).epsilon(1e-9));
  const Run badscale = run_migra("gnn scenario" + with_model + " --scale income=2 --nodes-subset " + nyc + " --out " + (out / "bad3").string());
  REQUIRE(badscale.status == 2);
  REQUIRE(badscale.output.find("'scale': the model has no feature 'income'") != std::string::npos);
  const Run nogroup = run_migra("gnn scenario" + with_model + " --scale producer=2 --nodes-subset " + nyc + " --out " + (out / "bad5").string());
  REQUIRE(nogroup.status == 2);
  REQUIRE(nogroup.output.find("sector group 'producer' needs feature 'F07'") != std::string::npos);
  const Run notmodel = run_migra("gnn scenario --nodes " + data("ny2011/counties.csv") + " --flows " + data("ny2011/commuting_flows.csv") +
                                 " --model " + data("ny2011/counties.csv") + " --scale population=2 --nodes-subset " + nyc +
                                 " --progress none --out " + (out / "bad4").string());
  REQUIRE(notmodel.status == 2);
  REQUIRE(notmodel.output.find("not a migra GraphSAGE model") != std::string::npos);
  // The explainer on a few nodes: masks in (0, 1); one feature, so every z-score is 0.
  const Run ex = run_migra("gnn explain" + with_model + " --epochs 5 --explain-nodes " + nyc + " --out " + (out / "explain").string());
  INFO(ex.output);
  REQUIRE(ex.status == 0);
  const auto imp = read_csv(out / "explain" / "importance.csv");
  REQUIRE(imp.size() == 5);
  for (const auto& row : imp) {
    REQUIRE(std::stod(row.at("mask")) > 0.0);
    REQUIRE(std::stod(row.at("mask")) < 1.0);
    REQUIRE(std::stod(row.at("importance")) == 0.0);
  }
  const Run bad = run_migra("gnn train --nodes " + data("ny2011/counties.csv") + " --flows " +
                            write(out / "f.csv", "origin,destination,flow\n36001,36005,5\n36001,99999,3\n") +
                            " --progress none --out " + (out / "bad").string());
  REQUIRE(bad.status == 2);
  REQUIRE(bad.output.find("f.csv:3: field 'destination': unknown node id '99999'") != std::string::npos);
  const Run nofeat = run_migra("gnn train --nodes " + data("ny2011/counties.csv") + " --flows " + data("ny2011/commuting_flows.csv") +
                               " --features population,income --progress none --out " + (out / "bad2").string());
  REQUIRE(nofeat.status == 2);
  REQUIRE(nofeat.output.find("missing column 'income'") != std::string::npos);
  // A mass the gravity models cannot use skips them with a notice; the GNN still trains.
  std::ifstream counties(data("ny2011/counties.csv"));
  std::string table((std::istreambuf_iterator<char>(counties)), std::istreambuf_iterator<char>());
  REQUIRE(table.find("36001,304564,") != std::string::npos);
  table.replace(table.find("36001,304564,"), 13, "36001,0,");
  const Run nomass = run_migra("gnn train --nodes " + write(out / "zero.csv", table) + " --flows " +
                               data("ny2011/commuting_flows.csv") + " --steps 5 --repeats 1 --hidden 8 --mlp-epochs 0 "
                               "--progress json --out " + (out / "nomass").string());
  INFO(nomass.output);
  REQUIRE(nomass.status == 0);
  REQUIRE(nomass.output.find("gravity baselines skipped: column 'population' (the gravity models' mass, the first of "
                             "--features) is not positive at node '36001'") != std::string::npos);
  const auto nm = read_json(out / "nomass" / "metrics.json");
  REQUIRE(nm.contains("gnn"));
  REQUIRE(!nm.contains("gravity"));
}

TEST_CASE("migra gnn synth: the shipped set regenerates, the spec's generator SG, options of the other law refused", "[cli][gnn]") {
  const fs::path out = fresh_dir("gnn-synth");
  // The shipped synthetic city system is what its generator writes.
  const Run syn = run_migra("gnn synth --seed 2024 --progress none --out " + (out / "syn").string());
  REQUIRE(syn.status == 0);
  for (const char* f : {"nodes.csv", "flows.csv"})
    REQUIRE(migra::io::sha256_file((out / "syn" / f).string()) == migra::io::sha256_file(data(std::string("synthetic366/") + f)));
  const Run sg = run_migra("gnn synth --law sg --cities 60 --gamma 2 --noise 0.3 --seed 3 --progress none --out " + (out / "sg").string());
  INFO(sg.output);
  REQUIRE(sg.status == 0);
  std::ifstream nodes(out / "sg" / "nodes.csv");
  REQUIRE(std::count(std::istreambuf_iterator<char>(nodes), std::istreambuf_iterator<char>(), '\n') == 61);
  const Run bad = run_migra("gnn synth --gamma 2 --progress none --out " + (out / "bad").string());
  CHECK(bad.status != 0);
  CHECK(bad.output.find("'gamma' and 'noise' set the law of --law sg") != std::string::npos);
}

namespace {

/// The first k states of data/pinn_us51 written as nodes.csv and balances.csv under a folder (the
/// external node is added by `pinn fit`).
struct StateSubset {
  std::string nodes_file, balances_file;
  std::set<std::string> ids;
  std::string balances;  ///< balances.csv's text
};

/// A CSV's header and the lines whose first field is one of ids.
std::string rows_of(const std::string& path, const std::set<std::string>& ids) {
  std::ifstream in(path);
  std::string line, out;
  std::getline(in, line);
  out = line + "\n";
  while (std::getline(in, line))
    if (ids.count(line.substr(0, line.find(',')))) out += line + "\n";
  return out;
}

StateSubset first_states(const fs::path& dir, size_t k) {
  StateSubset sub;
  std::string nodes = "id,lat,lon,mean_age\n";
  const auto all_nodes = read_csv(data("pinn_us51/nodes.csv"));
  for (size_t i = 0; i < k; ++i) {
    const auto& r = all_nodes[i];
    sub.ids.insert(r.at("id"));
    nodes += r.at("id") + "," + r.at("lat") + "," + r.at("lon") + "," + r.at("mean_age") + "\n";
  }
  sub.balances = rows_of(data("pinn_us51/balances.csv"), sub.ids);
  sub.nodes_file = write(dir / "nodes.csv", nodes), sub.balances_file = write(dir / "balances.csv", sub.balances);
  return sub;
}

}  // namespace

TEST_CASE("paper 000 S3 at reduced size: data fit, physics residual and self-consistency of a free-lambda fit",
          "[cli][pinn][reproduction]") {
  MIGRA_SKIP_UNLESS(migra::models::have_torch(), "LibTorch");
  // Spec §6 S3 (matrix coefficients, λ networks free, the paper's schedule and width) on 4 states
  // + the external node at 3,000 epochs instead of 17 nodes at 20,000 (bench/run_pinn_s3.py).
  // R̂ = t² N(t) (--hard-ic) imposes the initial conditions exactly; with the paper's L1 term at
  // this budget the worst node's R² is 0.09 (the full-size runs: bench/results/pinn-s3-*.json).
  const fs::path out = fresh_dir("pinn-s3");
  const StateSubset four = first_states(out, 4);
  const Run r = run_migra("pinn fit --nodes " + four.nodes_file + " --balances " + four.balances_file +
                          " --epochs 3000 --activation tanh --hard-ic --progress none --out " + (out / "fit").string());
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto m = read_json(out / "fit" / "metrics.json");
  REQUIRE(m["nodes"].size() == 5);
  for (const auto& nd : m["nodes"]) {
    INFO(nd.dump());
    CHECK(nd["r2"].get<double>() >= 0.99);                        // per-node data R² at the 13 points
    CHECK(nd["self_consistency_rmse"].get<double>() <= 0.1);      // the identified ODE reproduces R̂
  }
  // mean physics residual² <= 1e-3 mean (c_e λ)²
  CHECK(m["physics_residual_mean_sq"].get<double>() <= 1e-3 * m["forcing_mean_sq"].get<double>());
}

TEST_CASE("migra pinn: the shipped synthetic set, a short fit, the invariant density, bad input", "[cli][pinn]") {
  MIGRA_SKIP_UNLESS(migra::models::have_torch(), "LibTorch");
  const fs::path out = fresh_dir("pinn");
  // The shipped data set is what its generator writes.
  const Run syn = run_migra("pinn synth --sites " + data("us2010/states.csv") + " --seed 2025 --progress none --out " +
                            (out / "syn").string());
  REQUIRE(syn.status == 0);
  for (const char* f : {"nodes.csv", "balances.csv", "features.csv", "truth.json"})
    REQUIRE(migra::io::sha256_file((out / "syn" / f).string()) == migra::io::sha256_file(data(std::string("pinn_us51/") + f)));
  // A short fit on six states (+ the external node)
  const StateSubset six = first_states(out, 6);
  const std::string &nf = six.nodes_file, &bf = six.balances_file;
  const std::string fit = "pinn fit --nodes " + nf + " --balances " + bf + " --epochs 150 --width 16 --activation tanh --seed 5 --progress none --out ";
  const Run r = run_migra(fit + (out / "fit").string());
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto m = read_json(out / "fit" / "metrics.json");
  REQUIRE(m["nodes"].size() == 7);
  REQUIRE(m["nodes"][6]["node"] == "external");
  for (const auto& nd : m["nodes"]) {
    REQUIRE(nd["r2"].get<double>() <= 1.0);
    REQUIRE(nd["rmse"].get<double>() >= 0.0);
  }
  REQUIRE(std::isfinite(m["self_consistency_rmse_mean"].get<double>()));
  const auto fitted = read_csv(out / "fit" / "fit.csv");
  REQUIRE(fitted.size() == 7 * 13);
  double ext = 0;  // the external node's observed balance closes each year
  for (const auto& f : fitted)
    if (f.at("year") == "2015") ext += std::stod(f.at("observed"));
  REQUIRE(ext == 0.0);
  REQUIRE(read_csv(out / "fit" / "forecast.csv").size() == 7);
  REQUIRE(read_csv(out / "fit" / "loss.csv").size() >= 100);
  for (const char* f : {"coefficients.json", "series.csv", "model.pt", "fit.svg", "lambda.svg", "loss.svg"})
    REQUIRE(fs::exists(out / "fit" / f));
  // the same seed gives the same fit
  REQUIRE(run_migra(fit + (out / "again").string()).status == 0);
  REQUIRE(migra::io::sha256_file((out / "fit" / "series.csv").string()) ==
          migra::io::sha256_file((out / "again" / "series.csv").string()));
  // the forecast alternative: the identified equation integrated on, λ held at its last value
  const Run ode = run_migra(fit + (out / "ode").string() + " --forecast-method ode --forecast-years 2");
  INFO(ode.output);
  REQUIRE(ode.status == 0);
  REQUIRE(migra::io::sha256_file((out / "fit" / "series.csv").string()) ==
          migra::io::sha256_file((out / "ode" / "series.csv").string()));
  const auto by_ode = read_csv(out / "ode" / "forecast.csv"), by_pinn = read_csv(out / "fit" / "forecast.csv");
  REQUIRE(by_ode.size() == 14);
  int differ = 0;
  for (size_t k = 0; k < by_pinn.size(); ++k) {
    REQUIRE(by_ode[2 * k].at("year") == by_pinn[k].at("year"));
    REQUIRE(std::isfinite(std::stod(by_ode[2 * k].at("R_hat"))));
    differ += std::stod(by_ode[2 * k].at("R_hat")) != std::stod(by_pinn[k].at("R_hat"));
  }
  REQUIRE(differ > 0);
  // densified data: the loss sees 4 points per year interval, the fit is reported per year
  const Run dense = run_migra(fit + (out / "dense").string() + " --densify 4");
  INFO(dense.output);
  REQUIRE(dense.status == 0);
  REQUIRE(read_csv(out / "dense" / "fit.csv").size() == 7 * 13);
  const auto dm = read_json(out / "dense" / "metrics.json");
  REQUIRE(dm["config"]["densify"] == 4);
  REQUIRE(dm["collocation_points"].get<int>() >= 49);  // the 49 dense data times are collocation points too
  REQUIRE(std::isfinite(dm["r2_mean"].get<double>()));
  // Explain λ by the features (a few splits), then scenarios through the explainer's model.
  const std::string ff = write(out / "features.csv", rows_of(data("pinn_us51/features.csv"), six.ids));
  const Run ex = run_migra("pinn explain --series " + (out / "fit" / "series.csv").string() + " --features " + ff + " --nodes " + nf +
                           " --splits 6 --seed 2 --progress none --out " + (out / "explain").string());
  INFO(ex.output);
  REQUIRE(ex.status == 0);
  const auto em = read_json(out / "explain" / "metrics.json");
  REQUIRE(em["rows"] == 6 * m["collocation_points"].get<int>());
  REQUIRE(em["shap"]["additivity_max_abs_error"].get<double>() < 1e-5);
  REQUIRE(em["xgboost"]["reconstruction_r2"]["mean"].get<double>() <= 1.0);
  REQUIRE(em["shap"]["ranking"].size() == 11);  // 10 features + the year
  for (const char* f : {"importance.csv", "shap.csv", "shap.svg", "model.json", "design.json"}) REQUIRE(fs::exists(out / "explain" / f));
  const std::string scen = "pinn scenario --nodes " + nf + " --features " + ff + " --series " + (out / "fit" / "series.csv").string() +
                           " --coefficients " + (out / "fit" / "coefficients.json").string() + " --model " +
                           (out / "explain" / "model.json").string() + " --design " + (out / "explain" / "design.json").string() +
                           " --targets Alabama --progress none --feature ";
  std::string top;  // the most important feature column (the year is not one)
  for (const auto& f : em["shap"]["ranking"])
    if (top.empty() && f["feature"] != "year") top = f["feature"];
  const Run same = run_migra(scen + top + " --factor 1 --out " + (out / "same").string());  // spec §6 S5: identity
  INFO(same.output);
  REQUIRE(same.status == 0);
  for (const auto& row : read_csv(out / "same" / "scenario.csv")) REQUIRE(std::stod(row.at("difference_people")) == 0.0);
  REQUIRE(run_migra(scen + top + " --factor 1.7 --out " + (out / "raise").string()).status == 0);
  const auto sm = read_json(out / "raise" / "metrics.json");
  REQUIRE(sm["max_abs_lambda_change_untargeted"].get<double>() == 0.0);  // only Alabama's λ changes
  double changed = 0;
  for (const auto& row : read_csv(out / "raise" / "scenario.csv"))
    if (row.at("node") == "Alabama") changed = std::max(changed, std::fabs(std::stod(row.at("lambda_scenario")) - std::stod(row.at("lambda_baseline"))));
  REQUIRE(changed > 0);
  REQUIRE(read_csv(out / "raise" / "scenario.csv").size() == 7 * m["collocation_points"].get<size_t>());
  const Run badf = run_migra(scen + "wages --factor 1.7 --out " + (out / "bad4").string());
  REQUIRE(badf.status == 2);
  REQUIRE(badf.output.find("'feature': 'wages' is not a column") != std::string::npos);
  // Invariant density of the 51 states with 1/distance weights: Alaska and Hawaii lowest.
  const Run inv = run_migra("pinn invariant --nodes " + data("pinn_us51/nodes.csv") + " --balances " +
                            data("pinn_us51/balances.csv") + " --progress none --out " + (out / "inv").string());
  REQUIRE(inv.status == 0);
  const auto im = read_json(out / "inv" / "metrics.json");
  const std::set<std::string> low{im["inverse_distance"]["lowest"][0]["node"], im["inverse_distance"]["lowest"][1]["node"]};
  REQUIRE(low == std::set<std::string>({"Alaska", "Hawaii"}));
  REQUIRE(im["inverse_distance"]["max_abs_P_pi_minus_pi"].get<double>() < 1e-12);
  REQUIRE(read_csv(out / "inv" / "invariant.csv").size() == 51);
  // Bad input names the file, line and field.
  const Run unknown = run_migra("pinn fit --nodes " + nf + " --balances " +
                                write(out / "b1.csv", six.balances + "Texas,2012,5\n") + " --epochs 1 --progress none --out " + (out / "bad1").string());
  REQUIRE(unknown.status == 2);
  REQUIRE(unknown.output.find("b1.csv:80: field 'node': unknown node 'Texas'") != std::string::npos);
  const Run twice = run_migra("pinn fit --nodes " + nf + " --balances " +
                              write(out / "b2.csv", six.balances + "Alabama,2012,5\n") + " --epochs 1 --progress none --out " + (out / "bad2").string());
  REQUIRE(twice.status == 2);
  REQUIRE(twice.output.find("b2.csv:80: field 'node': node 'Alabama' in year 2012 again (first at line 4)") != std::string::npos);
  const Run age = run_migra("pinn fit --nodes " + write(out / "n3.csv", "id,lat,lon,mean_age\nA,40,-100,38\nB,41,-101,x\n") +
                            " --balances " + bf + " --epochs 1 --progress none --out " + (out / "bad3").string());
  REQUIRE(age.status == 2);
  REQUIRE(age.output.find("n3.csv:3: field 'mean_age'") != std::string::npos);
  // Projected coefficients need a residual affine in them: refused in the default matrix mode.
  const Run projected = run_migra("pinn fit --nodes " + nf + " --balances " + bf +
                                  " --project-coefficients --epochs 1 --progress none --out " + (out / "bad4").string());
  REQUIRE(projected.status != 0);
  REQUIRE(projected.output.find("projected coefficients need coeff-mode scalar, g-mode diagonal and a fixed c_e") != std::string::npos);
}
