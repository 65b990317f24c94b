#pragma once
/// GNNExplainer's node-feature masks for paper 002's GraphSAGE ensemble (spec §4; the PyG/DGL
/// defaults). For node i of model r, with y_i = z_i(X̃) ∈ R^k its unmasked output:
///
///   X̂ = X̃ ⊙ σ(m) (one mask m ∈ R^d shared by all nodes), edge weights w_e σ(q_e) on E_i, the
///   edges of i's 3-hop in-neighbourhood (n_i nodes);  m ~ N(0, 0.1²), q ~ N(0, (√2 √(2/(2 n_i)))²)
///   loss = ‖ŷ_i − y_i‖₁ + 1.0 mean σ(m) + 0.1 mean H(σ(m)) + 0.005 Σ_{E_i} σ(q) + 1.0 mean_{E_i} H(σ(q))
///   H(p) = −p log(p + 1e-15) − (1 − p) log(1 − p + 1e-15);  Adam lr 0.01, 100 epochs;  M_i = σ(m)
///
/// Each model is explained and the raw masks averaged over the models; the rows are then
/// z-scored (Z_if = (M_if − mean_f M_i)/std_f M_i, population std, so |Z| ≤ √(d−1)). Masks are
/// unsigned: a sign of Z means "more or less important than this node's average feature". The
/// signed check is the finite-difference sensitivity S_if = (‖z_i(x̃_if + h)‖ − ‖z_i(x̃_if)‖)/h,
/// h = 0.1 in standardised units, averaged over the models. The norm is what the decoder
/// t_ij = w_ij <z_i, z_j> sees of node i alone: it cannot tell z from −z (k = 1) or from a
/// rotation of every z (k > 1), so the signed z_i itself has no meaning.
///
/// B nodes are explained at once as B masked copies of one model (batched matmuls, shared graph).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/graphsage_flows/graph.hpp"

namespace migra::gnn {

struct ExplainConfig {
  int epochs = 100, batch = 32;
  int models = 0;                ///< explain the first `models` of the ensemble (0: all)
  double lr = 0.01;
  std::vector<int> nodes;        ///< the nodes explained (empty: all)
  std::uint64_t seed = 0;
  std::string device = "cpu";
};

struct Explanation {
  std::vector<int> nodes;
  int d = 0, models = 0;
  std::vector<double> mask;         ///< nodes × d: σ(m), mean over the models
  std::vector<double> importance;   ///< nodes × d: the row z-scores of `mask`
  std::vector<double> sensitivity;  ///< nodes × d: d‖z_i‖/dx̃_if by a forward difference
  std::vector<double> final_loss;   ///< per node: the last epoch's loss, mean over the models
};

/// net: SageResult::net; X: n×d standardised features.
Explanation explain_sage(const std::string& net, const FlowGraph& g, const std::vector<double>& X, int d,
                         const ExplainConfig& cfg, const std::function<void(double)>& progress = nullptr);

/// The edges (indices into g.msg_*) whose messages reach node i within 3 layers (destination
/// within 2 in-hops of i), and the number of nodes of that 3-hop in-neighbourhood.
std::vector<int> receptive_edges(const FlowGraph& g, int i, int& nodes);

}  // namespace migra::gnn
