#pragma once
/// One matrix applied to a batch of vectors on the CPU: the products of the scaling-form
/// Sinkhorn (kernels/ot/dense_ops), where B problems share one n×m Gibbs kernel K.
///
///   apply_rows  Y[b, i] = Σ_j K[i, j] V[b, j]     (Y = V Kᵀ;  V: B×m, Y: B×n)
///   apply_cols  Z[b, j] = Σ_i K[i, j] U[b, i]     (Z = U K;   U: B×n, Z: B×m)
///
/// Both are GEMMs, blocked as GEMMs are (Goto & van de Geijn, "Anatomy of high-performance
/// matrix multiplication", 2008): a block of K small enough for the L2 cache is applied to
/// every vector of the batch before the next is loaded, and a register tile of a few rows of K
/// times a few vectors keeps each loaded element in use for several products. A matrix-vector
/// loop per problem instead streams all of K (and of the batch) from memory for every row.
///
/// Deterministic: the blocks are fixed sizes, not a share per thread, so each sum is formed in
/// the same order whatever the number of OpenMP threads. Row-major, contiguous arrays.

namespace migra::linalg {

void apply_rows(const double* K, int n, int m, int batch, const double* V, double* Y);
void apply_cols(const double* K, int n, int m, int batch, const double* U, double* Z);

}  // namespace migra::linalg
