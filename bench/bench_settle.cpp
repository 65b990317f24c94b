// Least-squares fits of paper 003's flow models (models/settlement): one nested fit (all three
// models) and bootstrap throughput, fits per second, for a synthetic city of N units with Poisson
// flows from the extended model (gamma = 0.8, spec §4 A). With --dump DIR it writes the problem
// and the first K Poisson replicates as raw little-endian doubles for the SciPy peer
// (bench/peers/settle_scipy.py), with the gammas migra found on them.
// usage: bench_settle [--n 300] [--replicates 1000] [--device cpu|cuda] [--dump DIR --dump-replicates K]
// On a GPU the bootstrap runs batched on the device (kernels/lsq); threads is then 0.
#include <omp.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "kernels/lsq/flow_normal.hpp"
#include "models/settlement/bootstrap.hpp"
#include "models/settlement/synthetic.hpp"

using namespace migra;
using namespace migra::settle;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void write_raw(const std::string& path, const std::vector<double>& v) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(v.data()), std::streamsize(v.size() * sizeof(double)));
}

}  // namespace

int main(int argc, char** argv) {
  int n = 300, B = 1000, K = 3;
  std::string dump, device = "cpu";
  for (int a = 1; a + 1 < argc; a += 2) {
    if (!std::strcmp(argv[a], "--n")) n = std::atoi(argv[a + 1]);
    else if (!std::strcmp(argv[a], "--replicates")) B = std::atoi(argv[a + 1]);
    else if (!std::strcmp(argv[a], "--dump")) dump = argv[a + 1];
    else if (!std::strcmp(argv[a], "--dump-replicates")) K = std::atoi(argv[a + 1]);
    else if (!std::strcmp(argv[a], "--device")) device = argv[a + 1];
  }
  SyntheticConfig c;
  c.side = int(std::ceil(std::sqrt(double(n))));
  c.seed = 2020;
  const SyntheticCity full = synthetic_city(c);
  std::vector<int> keep;
  for (int i = 0; i < n; ++i) keep.push_back(i);
  const City city = subset(full.city, keep);
  const std::vector<double> T = subset_flows(full.T, full.city.size(), keep);
  const PairGeometry g = pair_geometry(city);
  std::vector<double> log_p;
  for (double p : city.population) log_p.push_back(std::log(p));
  const FitProblem prob{n, T.data(), log_p.data(), g.d.data(), nullptr};

  auto t0 = std::chrono::steady_clock::now();
  const NestedFits f = fit_nested(prob);
  std::printf("{\"case\": \"nested_fit\", \"n\": %d, \"threads\": 1, \"seconds\": %.4f, \"gamma_extended\": %.10f, "
              "\"gamma_spatial\": %.10f, \"iterations\": [%d, %d, %d]}\n",
              n, seconds_since(t0), f.extended.params.gamma, f.spatial.params.gamma, f.baseline.iterations,
              f.extended.iterations, f.spatial.iterations);
  std::fflush(stdout);

  BackendChoice chosen = choose_backend(device);
  Backend& be = *chosen.backend;
  if (!chosen.notice.empty()) std::fprintf(stderr, "%s\n", chosen.notice.c_str());
  for (const FitResult* fit : {&f.extended, &f.spatial}) {
    for (int threads : be.is_gpu() ? std::vector<int>{0} : std::vector<int>{1, omp_get_max_threads()}) {
      if (threads) omp_set_num_threads(threads);
      BootstrapConfig bc;
      bc.replicates = threads == 1 ? std::max(1, B / 10) : B;
      if (be.is_gpu()) {  // warm-up: contexts, handles, scratch
        BootstrapConfig w = bc;
        w.replicates = 2;
        bootstrap(be, prob, {*fit}, w);
      }
      bc.seed = 7;
      t0 = std::chrono::steady_clock::now();
      const auto s = bootstrap(be, prob, {*fit}, bc);
      const double sec = seconds_since(t0);
      // The replicates' draws alone, on the CPU (the same draws the bootstrap made there), so
      // that the fits' own rate can be reported apart from the data generation.
      double draw = 0;
      if (!be.is_gpu()) {
        const std::vector<double> that = model_flows(prob, fit->model, fit->params);
        t0 = std::chrono::steady_clock::now();
#pragma omp parallel
        {
          std::vector<double> Tr(size_t(n) * size_t(n));
#pragma omp for schedule(dynamic, 1)
          for (int r = 0; r < bc.replicates; ++r)
            lsq::poisson_replicates(Exec::cpu(), n, 1, std::uint32_t(r), bc.seed, that.data(), Tr.data(), nullptr);
        }
        draw = seconds_since(t0);
      }
      double it = 0;
      for (int v : s[0].iterations) it += v;
      const Interval iv = percentile_interval(s[0].gamma);
      std::printf("{\"case\": \"bootstrap\", \"device\": \"%s\", \"model\": \"%s\", \"n\": %d, \"threads\": %d, \"replicates\": %d, "
                  "\"seconds\": %.4f, \"draw_seconds\": %.4f, \"fits_per_s\": %.3f, \"mean_iterations\": %.2f, "
                  "\"not_converged\": %d, \"gamma_lo\": %.6f, \"gamma_hi\": %.6f}\n",
                  be.description().c_str(), model_name(fit->model), n, threads, bc.replicates, sec, draw, bc.replicates / sec,
                  it / bc.replicates, s[0].not_converged, iv.lo, iv.hi);
      std::fflush(stdout);
    }
  }

  if (!dump.empty()) {  // the problem and K replicates for the SciPy peer
    write_raw(dump + "/T.bin", T);
    write_raw(dump + "/log_p.bin", log_p);
    write_raw(dump + "/d.bin", g.d);
    std::vector<double> start{f.extended.params.log_mu, f.extended.params.gamma};
    for (int j = 0; j + 1 < n; ++j) start.push_back(f.extended.params.u[size_t(j)] - f.extended.params.u[size_t(n - 1)]);
    write_raw(dump + "/start_extended.bin", start);
    write_raw(dump + "/start_spatial.bin", {f.spatial.params.log_mu, f.spatial.params.gamma});
    std::ofstream meta(dump + "/replicates.json");
    meta << "{\"n\": " << n << ", \"replicates\": [";
    for (const FitResult* fit : {&f.extended, &f.spatial}) {
      const std::vector<double> that = model_flows(prob, fit->model, fit->params);
      for (int r = 0; r < K; ++r) {
        std::vector<double> Tr(size_t(n) * size_t(n));
        lsq::poisson_replicates(Exec::cpu(), n, 1, std::uint32_t(r), 7, that.data(), Tr.data(), nullptr);
        const std::string file = std::string(model_name(fit->model)) + "_" + std::to_string(r) + ".bin";
        write_raw(dump + "/" + file, Tr);
        FitProblem q = prob;
        q.T = Tr.data();
        t0 = std::chrono::steady_clock::now();
        const FitResult rf = fit_flow_model(q, fit->model, fit->params);
        const double sec = seconds_since(t0);
        char line[300];
        std::snprintf(line, sizeof line, "%s{\"model\": \"%s\", \"file\": \"%s\", \"gamma\": %.12f, \"phi\": %.10e, \"seconds\": %.5f}",
                      (fit == &f.extended && r == 0) ? "" : ", ", model_name(fit->model), file.c_str(), rf.params.gamma,
                      rf.phi, sec);
        meta << line;
      }
    }
    meta << "]}\n";
  }
  return 0;
}
