#pragma once
/// GraphSAGE edge regression of paper 002 (spec §2) in LibTorch: R repeats trained together as
/// one batched ensemble (sage_net.hpp has the layer maths), and prediction with a trained one.
///
///   loss:        RMSE over the train records (or MAE), summed over the R independent models; Adam, full batch
///   validation:  every `log_every` steps in eval mode; each model keeps the weights of its lowest
///                validation loss (spec §2.4), or its final ones
///   prediction:  eval mode (BatchNorm running statistics), t~ = max(t^, 0), mean over the repeats
///
/// The trained ensemble travels as opaque bytes (`SageResult::net`), so this header keeps
/// LibTorch out of its users (DESIGN: only models/ sees it).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/checkpointing.hpp"
#include "models/graphsage_flows/graph.hpp"

namespace migra::gnn {

struct SageConfig {
  int hidden = 256, steps = 10000, repeats = 10, log_every = 100;
  int fanout = 0;                   ///< > 0: each training step samples at most this many in-edges per node
  int embedding = 1;                ///< k: the width of z; t^_ij = w_ij <z_i, z_j> (the paper: 1)
  bool directed = false;            ///< z_i = (a_i, b_i), each k wide: t^_ij = w_ij <a_i, b_j> (not the paper's)
  bool learn_power = false;         ///< t^_ij = w_ij^theta <z_i, z_j>, theta trained per repeat from 1 (not the paper's)
  bool learn_decay = false;         ///< t^_ij times exp(-kappa (d_ij / d_m - 1)), kappa trained per repeat from 0 (not the paper's)
  double dropout = 0.5, lr = 1e-3;
  std::string loss = "rmse";        ///< rmse (the paper) | mae, the mean absolute error (closest to CPC)
  std::string aggregator = "pool";  ///< pool | mean
  bool weight_before_pool = false;  ///< the paper's literal Eq. 1: w_ji scales h_j before the pool MLP
  bool final_bn_relu = false;       ///< the literal stack: BN + ReLU after layer 3, decoder scale s
  bool keep_best = true;            ///< each model's lowest-validation-RMSE weights (else the final ones)
  bool float64 = false;
  std::uint64_t seed = 0;
  std::string device = "cpu";       ///< cpu | cuda (LibTorch's, when it has CUDA)
};

struct SageResult {
  std::vector<double> prediction;  ///< per record: the repeats' mean of max(t^, 0)
  std::vector<double> per_repeat;  ///< repeats × records
  std::vector<int> logged_step;
  std::vector<double> train_rmse, val_rmse;  ///< mean over the repeats, at the logged steps
  std::vector<double> val_cpc;     ///< CPC of the repeats' mean prediction on the validation records, logged steps
  std::vector<int> best_step;      ///< per repeat: the step whose weights were kept
  std::vector<double> power;       ///< per repeat: the decoder's theta (1 unless learned)
  std::vector<double> decay;       ///< per repeat: the decoder's kappa (0 unless learned)
  long long negatives = 0;         ///< t^ < 0 clamped to 0, over repeats × records
  double seconds_per_step = 0;
  int resumed_at = 0;              ///< the step a checkpoint resumed from (0: none)
  std::string device;
  std::string net;                 ///< the kept ensemble (SageNet::save bytes)
};

/// X: n×d standardised features, row-major.
SageResult train_sage(const FlowGraph& g, const std::vector<double>& X, int d, const SageConfig& cfg,
                      const std::function<void(double)>& progress = nullptr, const models::Checkpointing& ck = {});

struct SagePrediction {
  int repeats = 0;
  std::vector<double> mean;        ///< per record
  std::vector<double> per_repeat;  ///< repeats × records
  std::vector<double> z;           ///< repeats × nodes × k (2k directed): the node outputs
  long long negatives = 0;
};

/// A trained ensemble (`net`) in eval mode on features X (n×d, standardised as in training).
SagePrediction predict_sage(const std::string& net, const FlowGraph& g, const std::vector<double>& X, int d,
                            const std::string& device = "cpu");

/// One layer with given weights (one repeat; row-major W_pool fin×fin, W_self and W_neigh
/// fin×fout, acting as h·W), for checking the layer against a hand computation; on the CPU
/// the pool's max is the fused kernel unless fused_max_pool is false (the GPU's LibTorch ops).
std::vector<double> sage_layer(const FlowGraph& g, const std::vector<double>& h, int fin, int fout,
                               const std::vector<double>& w_pool, const std::vector<double>& b_pool,
                               const std::vector<double>& w_self, const std::vector<double>& w_neigh,
                               const std::vector<double>& b, const std::string& aggregator = "pool",
                               bool weight_before_pool = false, bool fused_max_pool = true);

}  // namespace migra::gnn
