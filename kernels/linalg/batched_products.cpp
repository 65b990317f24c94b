#include "kernels/linalg/batched_products.hpp"

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "kernels/core/tuning.hpp"

namespace migra::linalg {
namespace {

// Four doubles as one value (GCC/Clang vector extension): one AVX register, or two SSE2 ones
// in a portable build. The compilers do not vectorise these tiles reliably on their own.
typedef double Vec4 __attribute__((vector_size(32)));
constexpr int kLanes = 4;
inline Vec4 load(const double* p) {
  Vec4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(double* p, Vec4 v) { std::memcpy(p, &v, sizeof v); }

constexpr int kTileCols = 2 * kLanes;  // outputs per vector in the register tile
constexpr int kTileVecs = 6;           // vectors per register tile: 12 Vec4 of sums
constexpr int kBlockRows = 32, kBlockCols = 256;  // the block of K kept in L2 (64 KB)
constexpr int kGroupVecs = 4 * kTileVecs;         // vectors per work item of apply_cols

bool parallel(int n, int m, int batch) { return (long long)n * m * batch > tuning::kCpuParallelMinWork; }

/// The register tile of both products, an outer-product update:
///   C[p, c] += Σ_{r0 ≤ r < r1} A[p, r] B[r, c]      p < P, c < kTileCols
/// with A's rows at stride lda, B's rows (kTileCols contiguous values each) at stride ldb, C's
/// rows at stride ldc. Each sum runs in r order.
template <int P>
void outer_tile(const double* A, long long lda, const double* B, long long ldb, int r0, int r1, double* C,
                long long ldc) {
  Vec4 acc[P][2] = {};
  for (int r = r0; r < r1; ++r) {
    const Vec4 b0 = load(B + r * ldb), b1 = load(B + r * ldb + kLanes);
    for (int p = 0; p < P; ++p) {
      const double a = A[p * lda + r];
      acc[p][0] += a * b0, acc[p][1] += a * b1;
    }
  }
  for (int p = 0; p < P; ++p) {
    store(C + p * ldc, load(C + p * ldc) + acc[p][0]);
    store(C + p * ldc + kLanes, load(C + p * ldc + kLanes) + acc[p][1]);
  }
}

/// The same for single outputs (the edge of a block narrower than kTileCols).
template <int P>
void outer_column(const double* A, long long lda, const double* B, long long ldb, int r0, int r1, double* C,
                  long long ldc) {
  double acc[P] = {};
  for (int r = r0; r < r1; ++r)
    for (int p = 0; p < P; ++p) acc[p] += A[p * lda + r] * B[r * ldb];
  for (int p = 0; p < P; ++p) C[p * ldc] += acc[p];
}

/// Calls f(std::integral_constant<int, p>) for a run-time 1 ≤ p ≤ P.
template <int P, class F>
void with_constant(int p, const F& f) {
  if constexpr (P >= 1) {
    if (p == P) return f(std::integral_constant<int, P>{});
    with_constant<P - 1>(p, f);
  }
}

/// C[b, c] += Σ_{r0 ≤ r < r1} A[b, r] B[r, c] for the vectors b0 ≤ b < b1 and outputs
/// c0 ≤ c < c1: register tiles of kTileVecs vectors (the last tile takes the rest) ×
/// kTileCols outputs (then one at a time).
void outer_block(const double* A, long long lda, const double* B, long long ldb, int r0, int r1, int b0, int b1,
                 int c0, int c1, double* C, long long ldc) {
  const auto vectors = [&](auto P, int b) {
    constexpr int p = decltype(P)::value;
    int c = c0;
    for (; c + kTileCols <= c1; c += kTileCols)
      outer_tile<p>(A + b * lda, lda, B + c, ldb, r0, r1, C + b * ldc + c, ldc);
    for (; c < c1; ++c) outer_column<p>(A + b * lda, lda, B + c, ldb, r0, r1, C + b * ldc + c, ldc);
  };
  int b = b0;
  for (; b + kTileVecs <= b1; b += kTileVecs) vectors(std::integral_constant<int, kTileVecs>{}, b);
  if (b < b1) with_constant<kTileVecs - 1>(b1 - b, [&](auto P) { vectors(P, b); });
}

/// Y = V Kᵀ as one dot product per entry (8 partial sums, j mod 8): for batches too small to
/// pay for packing; each row of K is read once, for every vector while it is in cache.
void rows_dot(const double* K, int n, int m, int batch, const double* V, double* Y) {
#pragma omp parallel for schedule(static) if (parallel(n, m, batch))
  for (int i = 0; i < n; ++i) {
    const double* Ki = K + (long long)i * m;
    for (int b = 0; b < batch; ++b) {
      const double* v = V + (long long)b * m;
      Vec4 acc[2] = {};
      int j = 0;
      for (; j + 2 * kLanes <= m; j += 2 * kLanes)
        acc[0] += load(Ki + j) * load(v + j), acc[1] += load(Ki + j + kLanes) * load(v + j + kLanes);
      const Vec4 a = acc[0] + acc[1];
      double s = (a[0] + a[1]) + (a[2] + a[3]);
      for (; j < m; ++j) s += Ki[j] * v[j];
      Y[(long long)b * n + i] = s;
    }
  }
}

}  // namespace

/// Y = V Kᵀ. For batches of at least kTileVecs, each work item is a block of kBlockRows rows of K and every vector: for each
/// block of kBlockCols columns, Kᵀ's block is packed (kBlockCols × kBlockRows, contiguous
/// rows) and applied by the outer-product tile, so Y[b, i] sums over j in order within a
/// column block and the column blocks in order.
void apply_rows(const double* K, int n, int m, int batch, const double* V, double* Y) {
  if (batch < kTileVecs) return rows_dot(K, n, m, batch, V, Y);
  const int blocks = (n + kBlockRows - 1) / kBlockRows;
#pragma omp parallel if (parallel(n, m, batch))
  {
    std::vector<double> panel(size_t(kBlockCols) * kBlockRows);
#pragma omp for schedule(static)
    for (int blk = 0; blk < blocks; ++blk) {
      const int i0 = blk * kBlockRows, i1 = std::min(n, i0 + kBlockRows), rows = i1 - i0;
      for (int b = 0; b < batch; ++b) std::fill(Y + (long long)b * n + i0, Y + (long long)b * n + i1, 0.0);
      for (int j0 = 0; j0 < m; j0 += kBlockCols) {
        const int j1 = std::min(m, j0 + kBlockCols);
        for (int i = i0; i < i1; ++i)
          for (int j = j0; j < j1; ++j) panel[size_t(j - j0) * kBlockRows + size_t(i - i0)] = K[(long long)i * m + j];
        outer_block(V + j0, m, panel.data(), kBlockRows, 0, j1 - j0, 0, batch, 0, rows, Y + i0, n);
      }
    }
  }
}

/// Z = U K. Work items are (block of kBlockCols columns of K, group of kGroupVecs vectors),
/// blocks outermost, so that a thread's consecutive items reuse its block of K from cache;
/// K's rows serve as the tile's B directly. Z[b, j] sums over i in blocks of kBlockRows.
void apply_cols(const double* K, int n, int m, int batch, const double* U, double* Z) {
  const int blocks = (m + kBlockCols - 1) / kBlockCols, groups = (batch + kGroupVecs - 1) / kGroupVecs;
#pragma omp parallel for collapse(2) schedule(static) if (parallel(n, m, batch))
  for (int blk = 0; blk < blocks; ++blk)
    for (int grp = 0; grp < groups; ++grp) {
      const int j0 = blk * kBlockCols, j1 = std::min(m, j0 + kBlockCols);
      const int b0 = grp * kGroupVecs, b1 = std::min(batch, b0 + kGroupVecs);
      for (int b = b0; b < b1; ++b) std::fill(Z + (long long)b * m + j0, Z + (long long)b * m + j1, 0.0);
      for (int i0 = 0; i0 < n; i0 += kBlockRows)
        outer_block(U, n, K, m, i0, std::min(n, i0 + kBlockRows), b0, b1, j0, j1, Z, m);
    }
}

}  // namespace migra::linalg
