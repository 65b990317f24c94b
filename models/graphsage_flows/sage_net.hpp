#pragma once
/// The GraphSAGE ensemble of paper 002 as LibTorch tensors (spec §2), shared by training,
/// prediction, scenarios and the explainer. R models live side by side: every weight is an
/// [R, ...] tensor and each layer a batched matmul, so R models cost one pass. The same layout
/// carries the explainer's B masked copies of one model (member()).
///
///   layer (pool):  p_j = ReLU(W_pool h_j + b_pool);  hN_i = max_{j→i} w_ji p_j  (0 without in-edges)
///                  (weight_before_pool: p_{j→i} = ReLU(W_pool (w_ji h_j) + b_pool), the paper's Eq. 1)
///                  h'_i = W_self h_i + W_neigh hN_i + b          (DGL SAGEConv "pool" with edge weights)
///   layer (mean):  hN_i = mean_{j→i} w_ji h_j
///   stack:         SAGE(d→H) BN ReLU Dropout · SAGE(H→H) BN ReLU Dropout · SAGE(H→k) [BN ReLU] = z
///   decoder:       t^_ij = s w_ij <z_i, z_j>  (k = 1, the paper: s z_i w_ij z_j; spec §2.3's option k > 1;
///                  s = 1, or mean(t_train)/mean(w_train) with the literal final BN+ReLU)
///   directed:      z_i = (a_i, b_i), k = 2K: t^_ij = s w_ij <a_i, b_j>, a node's roles as origin and as
///                  destination apart (not the paper's: its decoder makes t^_ij / w_ij symmetric in i, j)
///   learned power: t^_ij = s w_p (w_ij / w_p)^theta <z_i, z_j>, theta per model trained with it from 1 (not the
///                  paper's: its w = 1/d fixes the deterrence at d^-1, whatever the data's; theta = gamma recovers
///                  d^-gamma). The pivot w_p, the train records' geometric mean w, keeps a change of theta from
///                  rescaling every prediction: z would have to follow it, and its slow growth pins theta near 1.
///   learned decay: t^_ij times exp(-kappa (d_ij / d_m - 1)), kappa per model trained with it from 0, d_m the train
///                  records' mean distance (not the paper's). With the power it is the deterrence d^-theta e^(-kappa d / d_m)
///                  of spatial-interaction models (Tanner's function), which can steepen with distance as a pure power
///                  cannot; d_m, like w_p, keeps a change of kappa from rescaling the predictions on average.
///
/// LibTorch header: for models/graphsage_flows sources only.
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "models/graphsage_flows/graph.hpp"

namespace migra::gnn {

/// The message edges j → i of a graph on a device.
struct Edges {
  torch::Tensor src, dst, w, deg;  ///< deg: in-degree per node (the mean aggregator)
  torch::Tensor csr_ptr, csr_src, csr_w;  ///< by destination, on the CPU (the fused max-pool)
  /// fused_max_pool: on the CPU, the pool layer's max runs as max_pool_cpu (else LibTorch ops).
  /// keep: the message edges used (indices into g.msg_*; empty: all).
  Edges(const FlowGraph& g, torch::Dtype dt, const torch::Device& dev, bool fused_max_pool = true,
        const std::vector<int>& keep = {});
};

/// Everything that fixes the shape of a model.
struct SageShape {
  std::int64_t d = 0, hidden = 256, repeats = 10;
  std::int64_t embedding = 1;  ///< K: the width of z, or of each half of it when directed (the paper: 1)
  bool directed = false;       ///< z = (origin part, destination part)
  std::int64_t width() const { return directed ? 2 * embedding : embedding; }
  bool pool = true, weight_before_pool = false, final_bn_relu = false;
  double dropout = 0.5;
  bool learned_power = false;  ///< the decoder's w^theta with theta trained (else theta = 1)
  bool learned_decay = false;  ///< the decoder's exp(-kappa (d / d_m - 1)) with kappa trained (else none)
};

/// One batched SAGE layer: h [R, N, fin] -> [R, N, fout].
struct Layer {
  torch::Tensor w_pool, b_pool, w_self, w_neigh, b;  ///< [R,fin,fin] [R,1,fin] [R,fin,fout] [R,fin,fout] [R,1,fout]
  /// edge_scale: [R, E] multipliers of the edge weights (the explainer's edge masks), or undefined.
  torch::Tensor forward(const torch::Tensor& h, const Edges& e, const SageShape& s, const torch::Tensor& edge_scale) const;
};

/// BatchNorm1d over the N nodes, per model (PyTorch defaults: eps 1e-5, momentum 0.1).
struct Norm {
  torch::Tensor gamma, beta, mean, var;  ///< [R,1,H]
  torch::Tensor forward(const torch::Tensor& h, bool train);
};

class SageNet {
 public:
  /// Fresh weights (DGL's initialisation, drawn on the CPU so a seed gives one model on every device).
  SageNet(const SageShape& shape, const torch::TensorOptions& o);
  /// z [R, N, k] for features x [R, N, d]; train: batch statistics (updating the running ones) and dropout.
  torch::Tensor forward(const torch::Tensor& x, const Edges& e, bool train, const torch::Tensor& edge_scale = {});
  /// t^ = s w_p (w_ij / w_p)^theta exp(-kappa (d_ij / d_m - 1)) <z_i, z_j> (directed: <a_i, b_j>) on record lists
  /// (origin, destination, weight w, distance d), [R, m].
  torch::Tensor decode(const torch::Tensor& z, const torch::Tensor& origin, const torch::Tensor& destination,
                       const torch::Tensor& w, const torch::Tensor& d) const;
  std::vector<torch::Tensor> parameters() const;
  /// Parameters and BatchNorm running statistics, each [R, ...]: what a saved model holds.
  std::vector<torch::Tensor> state() const;
  /// Model r alone, repeated `copies` times (detached): the explainer's masked copies.
  SageNet member(std::int64_t r, std::int64_t copies) const;

  /// As bytes (shape, decoder scale, state) and back, on a device.
  std::string save() const;
  static SageNet load(const std::string& bytes, const torch::Device& dev);

  const SageShape& shape() const { return shape_; }
  torch::Tensor scale;  ///< the decoder's s, a 0-d tensor
  torch::Tensor power;  ///< the decoder's theta per model, [R, 1] (ones unless learned)
  torch::Tensor pivot;  ///< the learned power's w_p, a 0-d tensor
  torch::Tensor decay;  ///< the decoder's kappa per model, [R, 1] (zeros unless learned)
  torch::Tensor mean_distance;  ///< the learned decay's d_m, a 0-d tensor

 private:
  SageNet() = default;
  /// Every per-model tensor (weights, BatchNorm statistics, a learned power and decay): what state() holds.
  std::vector<torch::Tensor*> slots();
  SageShape shape_;
  std::vector<Layer> layers_;
  std::vector<Norm> norms_;
};

/// Index and value tensors from host vectors.
torch::Tensor long_tensor(const std::vector<int>& v, const torch::Device& dev);

/// Hides LibTorch 1.13's one-line "scatter_reduce is in beta" notice (the max-pool relies on it).
void quiet_beta_warnings();

}  // namespace migra::gnn
