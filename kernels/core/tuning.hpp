#pragma once
/// Launch-shape constants, kept out of the algorithms (STYLE.md 12). Tuned for Hopper (sm_90);
/// other architectures run correctly with the same values.
namespace migra::tuning {

inline constexpr int kForEachBlock = 256;     ///< threads per block of element-wise grids
inline constexpr int kRowReduceBlock = 256;   ///< threads per row of row reductions
/// Work (elements) below which a CPU loop stays single-threaded (FAISS's `omp ... if`).
inline constexpr long long kCpuParallelMinWork = 1 << 14;

}  // namespace migra::tuning

namespace migra::tuning {
/// Device scratch per row chunk of the intervening-opportunity pass (sort keys, indices and
/// scans: ~48 bytes per pair plus CUB's temporary storage).
inline constexpr long long kOpportunityChunkBytes = 1LL << 31;
}  // namespace migra::tuning

namespace migra::tuning {
/// Log-domain Sinkhorn: columns per cost tile (CPU: an L1-resident block shared by the batch;
/// GPU: shared-memory tile of point coordinates).
inline constexpr int kSoftminTile = 512;
inline constexpr int kSoftminGpuTile = 256;
}  // namespace migra::tuning
