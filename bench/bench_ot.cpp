// Log-domain Sinkhorn throughput (kernels/ot): n = m points uniform in the unit square, squared
// Euclidean cost, eps = 1% of the mean cost (1/3 for this law), a fixed number of iterations
// (tol below reach; convergence checked every 10 as POT does). Cost either recomputed from the
// points (no n x m storage) or read from a stored matrix. One JSON line per case:
// seconds, iterations, ms per iteration, cost entries per second (2 n m per iteration).
// usage: bench_ot [--device cpu|cuda] [--sizes 1024,2048,...] [--iters 40] [--matrix-max 8192]
//                 [--batch B --batch-size N [--method log|scaling]]  (B problems of N x N sharing
//                 one cost; "scaling" applies the stored Gibbs kernel to all B at once, as the MFG does)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/core/backend.hpp"
#include "kernels/ot/sinkhorn.hpp"

using namespace migra;

namespace {

std::vector<int> parse_sizes(const char* s) {
  std::vector<int> v;
  std::stringstream ss(s);
  for (std::string t; std::getline(ss, t, ',');) v.push_back(std::atoi(t.c_str()));
  return v;
}

struct Case {
  std::vector<double> x, y, a, b, C;
};

Case make_case(int n, int batch, bool matrix) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Case c;
  for (int i = 0; i < 2 * n; ++i) c.x.push_back(u(rng));
  for (int i = 0; i < 2 * n; ++i) c.y.push_back(u(rng));
  c.a.assign(size_t(batch) * size_t(n), 0.0);
  c.b.assign(size_t(batch) * size_t(n), 0.0);
  for (int k = 0; k < batch; ++k) {  // batch members: different weights on the shared points
    double sa = 0.0, sb = 0.0;
    for (int i = 0; i < n; ++i) sa += c.a[size_t(k) * n + i] = 0.5 + u(rng);
    for (int i = 0; i < n; ++i) sb += c.b[size_t(k) * n + i] = 0.5 + u(rng);
    for (int i = 0; i < n; ++i) c.a[size_t(k) * n + i] /= sa, c.b[size_t(k) * n + i] /= sb;
  }
  if (matrix) {
    c.C.resize(size_t(n) * size_t(n));
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) {
        const double dx = c.x[2 * i] - c.y[2 * j], dy = c.x[2 * i + 1] - c.y[2 * j + 1];
        c.C[size_t(i) * n + j] = dx * dx + dy * dy;
      }
  }
  return c;
}

void run(Backend& be, int n, int batch, int iters, const std::string& cost_kind, const std::string& method) {
  const bool matrix = cost_kind == "matrix";
  const Case c = make_case(n, batch, matrix);
  ot::CostInput cost;
  cost.n = cost.m = n;
  if (matrix) {
    cost.matrix = c.C.data();
  } else {
    cost.x = c.x.data(), cost.y = c.y.data(), cost.dim = 2;
  }
  ot::SinkhornConfig cfg;
  cfg.eps = 0.01 / 3.0;
  cfg.tol = 1e-300;
  cfg.max_iter = iters;
  cfg.check_every = 10;
  cfg.method = method;
  // warm-up: one short solve (first-touch pages, thread pool, GPU context)
  ot::SinkhornConfig warm = cfg;
  warm.max_iter = 2;
  ot::sinkhorn(be, cost, c.a.data(), c.b.data(), batch, warm);
  be.synchronize();
  const auto t0 = std::chrono::steady_clock::now();
  const ot::SinkhornResult r = ot::sinkhorn(be, cost, c.a.data(), c.b.data(), batch, cfg);
  be.synchronize();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // r.iterations full iterations, plus the f half-step of the final check
  const double halves = 2.0 * r.iterations + 1.0;
  const double entries = halves * double(n) * n * batch;
  std::printf("{\"impl\": \"migra\", \"device\": \"%s\", \"cost\": \"%s\", \"method\": \"%s\", \"n\": %d, \"batch\": %d, "
              "\"iterations\": %d, \"seconds\": %.6g, \"ms_per_iter\": %.6g, \"entries_per_s\": %.6g, \"error\": %.6g}\n",
              be.name().c_str(), cost_kind.c_str(), r.method.c_str(), n, batch, r.iterations, s,
              2e3 * s / halves, entries / s, r.error_history.empty() ? -1.0 : r.error_history.back());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::string device = "cpu", method = "log";
  std::vector<int> sizes = {1024, 2048, 4096, 8192, 16384};
  int iters = 40, matrix_max = 8192, batch = 0, batch_size = 1000;
  for (int k = 1; k + 1 < argc; k += 2) {
    const std::string a = argv[k];
    if (a == "--device") device = argv[k + 1];
    else if (a == "--sizes") sizes = parse_sizes(argv[k + 1]);
    else if (a == "--iters") iters = std::atoi(argv[k + 1]);
    else if (a == "--matrix-max") matrix_max = std::atoi(argv[k + 1]);
    else if (a == "--batch") batch = std::atoi(argv[k + 1]);
    else if (a == "--batch-size") batch_size = std::atoi(argv[k + 1]);
    else if (a == "--method") method = argv[k + 1];
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  BackendChoice choice = choose_backend(device);
  if (!choice.notice.empty()) std::fprintf(stderr, "%s\n", choice.notice.c_str());
  Backend& be = *choice.backend;
  if (batch > 0) {
    run(be, batch_size, batch, iters, "points", method);
    return 0;
  }
  for (int n : sizes) {
    run(be, n, 1, iters, "points", "log");
    if (n <= matrix_max) run(be, n, 1, iters, "matrix", "log");
  }
  return 0;
}
