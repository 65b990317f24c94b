#pragma once
/// The Deep Gravity baseline of paper 002 (spec §2.6 b, after Simini et al. 2021): an MLP scores
/// each record from [x̃_i ‖ x̃_j ‖ d̃_ij] (standardised origin and destination features, standardised
/// distance), and each origin's outflow is shared among its destinations by a softmax.
///
///   MLP:   15 blocks Linear → LeakyReLU(0.01) → Dropout(0.35), widths 256 ×5 then 128 ×10; Linear(128 → 1) = s_ij
///   flows: p_ij = softmax_{j∈C_i} s_ij,  t^_ij = O_i p_ij  (C_i, O_i as the constrained gravity model)
///   loss:  −Σ_i Σ_{j∈C_i^train} t_ij log p_ij, p normalised over i's train destinations
///   fit:   RMSprop (lr 5e-6, momentum 0.9), 64 origins a batch; after each epoch the validation
///          CPC in eval mode, keeping the best weights and stopping after `patience` epochs without gain
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/graphsage_flows/graph.hpp"

namespace migra::gnn {

struct DeepGravityConfig {
  int epochs = 2000, patience = 20, batch_origins = 64;
  double lr = 5e-6, momentum = 0.9, dropout = 0.35;
  std::uint64_t seed = 0;
  std::string device = "cpu";
};

struct DeepGravityResult {
  std::vector<double> prediction;  ///< per record
  std::vector<double> val_cpc;     ///< per epoch run
  int best_epoch = 0;
  double seconds_per_epoch = 0;
};

/// X: n×d standardised features; x, y: planar km.
DeepGravityResult fit_deep_gravity(const FlowGraph& g, const std::vector<double>& X, int d, const std::vector<double>& x,
                                   const std::vector<double>& y, const DeepGravityConfig& cfg,
                                   const std::function<void(double)>& progress = nullptr);

}  // namespace migra::gnn
