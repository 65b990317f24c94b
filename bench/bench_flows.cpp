// Flow-matrix throughput on one backend: production-constrained gravity, radiation and
// Two-Trip on random maps of constant density (N sites uniform on a square of side
// 1000 sqrt(N/1000), beta = 0.023, gamma = 1, as in paper 004), the full N x N matrix produced
// into the backend's memory. Also times a copy of a buffer of the output's size within the
// backend (the bandwidth yardstick). Prints one JSON object per line.
//   bench_flows [--device cpu|cuda:N] [--sizes 1024,4096,16384] [--reps 3] [--models gravity,radiation,two-trip]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/core/backend.hpp"
#include "kernels/flows/gravity.hpp"
#include "kernels/flows/opportunity.hpp"
#include "kernels/flows/pair_ops.hpp"

using namespace migra;
using namespace migra::flows;

namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string t; std::getline(ss, t, ',');) out.push_back(t);
  return out;
}

template <class F>
double best_seconds(Backend& be, int reps, F&& f) {
  f();  // warm-up (also allocates scratch)
  be.synchronize();
  double best = 1e300;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    be.synchronize();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  std::string device = "cpu", sizes = "1024,4096,16384", models = "gravity,radiation,two-trip";
  int reps = 3;
  for (int a = 1; a + 1 < argc; a += 2) {
    const std::string k = argv[a], v = argv[a + 1];
    if (k == "--device") device = v;
    else if (k == "--sizes") sizes = v;
    else if (k == "--reps") reps = std::stoi(v);
    else if (k == "--models") models = v;
    else {
      std::fprintf(stderr, "usage: bench_flows [--device D] [--sizes N,N] [--reps R] [--models M,M]\n");
      return 2;
    }
  }
  BackendChoice choice = choose_backend(device);
  Backend& be = *choice.backend;
  for (const std::string& ns : split(sizes)) {
    const int n = std::stoi(ns);
    const double side = 1000.0 * std::sqrt(n / 1000.0);
    std::mt19937_64 rng(12345);
    std::uniform_real_distribution<double> u(0.0, side);
    const size_t N = static_cast<size_t>(n);
    std::vector<double> x(N), y(N), m(N, 1e5);
    for (int i = 0; i < n; ++i) x[size_t(i)] = u(rng), y[size_t(i)] = u(rng);
    Buffer<double> dx(be, x), dy(be, y), dm(be, m), a(be, size_t(n)), b(be, size_t(n));
    Buffer<double> T(be, size_t(n) * size_t(n)), T2(be, size_t(n) * size_t(n));
    const Coords c{dx.data(), dy.data(), n, Metric::Euclidean};
    const PairKernel K{c, {Deterrence::Exp, 0.023, 1.0}, false};
    const double bytes = double(n) * n * 8;
    const auto report = [&](const std::string& what, double s) {
      std::printf("{\"backend\": \"%s\", \"device\": \"%s\", \"kernel\": \"%s\", \"n\": %d, \"seconds\": %.6g, "
                  "\"pairs_per_s\": %.6g, \"output_GB_per_s\": %.6g}\n",
                  be.name().c_str(), be.description().c_str(), what.c_str(), n, s, double(n) * n / s,
                  bytes / s / 1e9);
      std::fflush(stdout);
    };
    report("copy_output", best_seconds(be, reps, [&] { be.copy_within(T2.data(), T.data(), size_t(bytes)); }));
    for (const std::string& model : split(models)) {
      double s = 0;
      if (model == "gravity") {
        s = best_seconds(be, reps, [&] {
          const GravityBalance g = gravity_balance(be, K, m, m, Constraint::Production);
          a.upload(g.a.data());
          b.upload(g.b.data());
          pair_fill(be.exec(), K, a.data(), b.data(), 0, n, T.data());
        });
      } else if (model == "radiation") {
        s = best_seconds(be, reps, [&] {
          opportunity_fill(be.exec(), c, dm.data(), dm.data(), {OpportunityModel::Radiation, 0}, 0, n, T.data());
        });
      } else if (model == "two-trip") {
        s = best_seconds(be, reps, [&] {
          const PairKernel G{c, {Deterrence::Exp, 1.0, 1.0}, false};
          pair_rowsum(be.exec(), G, dm.data(), a.data());
          const GravityBalance g = gravity_balance(be, K, m, a.to_host(), Constraint::Production);
          a.upload(g.a.data());
          b.upload(g.b.data());
          pair_fill(be.exec(), K, a.data(), b.data(), 0, n, T.data());
        });
      } else {
        std::fprintf(stderr, "bench_flows: unknown model '%s'\n", model.c_str());
        return 2;
      }
      report(model, s);
    }
  }
  return 0;
}
