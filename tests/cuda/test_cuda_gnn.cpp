// GraphSAGE training and prediction on LibTorch's CUDA against the CPU (paper 002 spec §6): same seed,
// same initial weights (drawn on the CPU), no dropout (its masks come from each device's own
// generator), float64; after a few Adam steps the predictions agree to 1e-8 relative.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "models/graphsage_flows/sage.hpp"
#include "models/torch_runtime.hpp"

using namespace migra::gnn;

TEST_CASE("cuda gnn: a few training steps on the GPU match the CPU", "[cuda][gnn]") {
  if (!migra::models::have_torch() || !migra::models::torch_has_cuda()) {
    WARN("SKIPPED: this LibTorch has no CUDA");
    return;
  }
  std::mt19937_64 rng(2);
  std::uniform_real_distribution<double> u(0, 100);
  std::normal_distribution<double> z;
  const int n = 25;
  std::vector<double> x, y, X;
  for (int i = 0; i < n; ++i) x.push_back(u(rng)), y.push_back(u(rng)), X.push_back(z(rng)), X.push_back(z(rng));
  std::vector<Record> recs;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      if (i != j && (i + j) % 3 == 0) recs.push_back({i, j, 1.0 + std::fabs(z(rng)) * 50});
  const FlowGraph g = build_graph(x, y, recs, WeightNorm::Row, EdgeSet::Observed, 0);
  SageConfig cfg;
  cfg.hidden = 16, cfg.repeats = 3, cfg.steps = 5, cfg.dropout = 0.0, cfg.float64 = true, cfg.seed = 11;
  cfg.learn_power = GENERATE(false, true);  // the paper's decoder, and w^theta e^(-kappa d/d_m) with both trained
  cfg.learn_decay = cfg.learn_power;
  const SageResult cpu = train_sage(g, X, 2, cfg);
  cfg.device = "cuda:0";
  const SageResult gpu = train_sage(g, X, 2, cfg);
  REQUIRE(gpu.device.rfind("cuda", 0) == 0);
  for (size_t k = 0; k < cpu.per_repeat.size(); ++k)
    CHECK(gpu.per_repeat[k] == Approx(cpu.per_repeat[k]).epsilon(1e-8).margin(1e-10));
  for (size_t r = 0; r < cpu.power.size(); ++r) CHECK(gpu.power[r] == Approx(cpu.power[r]).epsilon(1e-10));
  for (size_t r = 0; r < cpu.decay.size(); ++r) CHECK(gpu.decay[r] == Approx(cpu.decay[r]).epsilon(1e-10).margin(1e-12));
  // The CPU-trained ensemble predicts the same on the GPU (eval mode; the CPU's fused max-pool
  // against LibTorch's ops there).
  const SagePrediction on_gpu = predict_sage(cpu.net, g, X, 2, "cuda:0");
  for (size_t k = 0; k < cpu.per_repeat.size(); ++k)
    CHECK(on_gpu.per_repeat[k] == Approx(cpu.per_repeat[k]).epsilon(1e-10).margin(1e-12));
}
