#pragma once
/// GraphSAGE edge regression of paper 002 (spec §2) in LibTorch, R repeats trained together as
/// one ensemble: every weight is an [R, ...] tensor and each layer a batched matmul, so the R
/// independent models cost one forward and one backward per step (spec §2.5 averages them).
///
///   layer (pool):  p_j = ReLU(W_pool h_j + b_pool);  hN_i = max_{j→i} w_ji p_j  (0 without in-edges)
///                  h'_i = W_self h_i + W_neigh hN_i + b          (DGL SAGEConv "pool" with edge weights)
///   layer (mean):  hN_i = mean_{j→i} w_ji h_j
///   stack:         SAGE(d→H) BN ReLU Dropout · SAGE(H→H) BN ReLU Dropout · SAGE(H→1) = z
///   decoder:       t^_ij = z_i w_ij z_j;  loss = RMSE over the train records; Adam, full batch
///   prediction:    eval mode (BatchNorm running statistics), max(t^, 0), mean over the repeats
///
/// The header keeps LibTorch out of its users (DESIGN: only models/ sees it).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/graphsage_flows/graph.hpp"

namespace migra::gnn {

struct SageConfig {
  int hidden = 256, steps = 10000, repeats = 10, log_every = 100;
  double dropout = 0.5, lr = 1e-3;
  std::string aggregator = "pool";  ///< pool | mean
  bool float64 = false;
  std::uint64_t seed = 0;
  std::string device = "cpu";       ///< cpu | cuda (LibTorch's, when it has CUDA)
};

struct SageResult {
  std::vector<double> prediction;  ///< per record: the repeats' mean of max(t^, 0)
  std::vector<double> per_repeat;  ///< repeats × records
  std::vector<int> logged_step;
  std::vector<double> train_rmse, val_rmse;  ///< mean over the repeats, at the logged steps
  double seconds_per_step = 0;
  std::string device;
};

/// X: n×d standardised features, row-major.
SageResult train_sage(const FlowGraph& g, const std::vector<double>& X, int d, const SageConfig& cfg,
                      const std::function<void(double)>& progress = nullptr);

/// One layer with given weights (one repeat; row-major W_pool fin×fin, W_self and W_neigh
/// fin×fout, acting as h·W), for checking the layer against a hand computation.
std::vector<double> sage_layer(const FlowGraph& g, const std::vector<double>& h, int fin, int fout,
                               const std::vector<double>& w_pool, const std::vector<double>& b_pool,
                               const std::vector<double>& w_self, const std::vector<double>& w_neigh,
                               const std::vector<double>& b, const std::string& aggregator = "pool");

}  // namespace migra::gnn
