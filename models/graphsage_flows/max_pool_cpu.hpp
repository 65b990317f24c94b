#pragma once
/// The weighted max-pool of a SAGE layer on the CPU as one fused kernel with its own backward:
///
///   forward   hN[i, c] = max(0, max_{e: j→i} w_e rows[j, c]),  arg[i, c] = the winning edge (−1: none)
///   backward  d rows[j, c] += w_e d hN[i, c]   for e = arg[i, c] = (j → i)
///
/// It reads each edge's source row once and never materialises the E × C messages, which the
/// generic path (scatter_reduce, then arg-max weights by index_add) streams through memory
/// about ten times a layer. Edges come sorted by destination (CSR). An exact tie between two
/// positive messages gives its gradient to the first edge instead of splitting it; a zero
/// message is p_j = ReLU(·) = 0, whose gradient ReLU drops anyway. LibTorch header: models/ only.
#include <torch/torch.h>

namespace migra::gnn {

/// rows: [N, C] contiguous float/double; indptr [N+1], src [E] (int64, CSR by destination), w [E].
torch::Tensor max_pool_cpu(const torch::Tensor& rows, const torch::Tensor& indptr, const torch::Tensor& src,
                           const torch::Tensor& w);

}  // namespace migra::gnn
