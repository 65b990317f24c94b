// GPU intervening opportunities (see opportunity.hpp for the math). Per chunk of R rows:
//   1. keys[r, j] = order_key(i, j), idx = j                         (element-wise)
//   2. stable segmented sort of (key, idx) per row                   (CUB DeviceSegmentedSort)
//   3. v = mass of each sorted site (0 for the origin unless literal), start = position of
//      the element if it opens a tie group, else 0                  (element-wise)
//   4. E = exclusive sum of v per row; G = running max of start per row, i.e. the position
//      where the element's tie group opens                          (CUB DeviceScan by key)
//   5. s = E[row, G]: the mass strictly closer than the group; write s or T_ij (element-wise)
//   6. Schneider only: row sums, then scale to O_i                   (row reduction)
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/transform_iterator.h>

#include <cub/device/device_scan.cuh>
#include <cub/device/device_segmented_sort.cuh>

#include <algorithm>

#include "kernels/core/parallel_cuda.cuh"
#include "kernels/flows/opportunity.hpp"

namespace migra::flows::detail {
namespace {

struct Times {
  int n;
  __host__ __device__ int operator()(int r) const { return r * n; }
};
struct DivBy {
  int n;
  __host__ __device__ int operator()(int k) const { return k / n; }
};
struct MaxOp {
  __host__ __device__ int operator()(int a, int b) const { return a > b ? a : b; }
};

struct SortKeys {
  Coords c;
  int r0, n;
  double* keys;
  int* idx;
  __device__ void operator()(long long k) const {
    const int r = int(k / n), j = int(k % n);
    keys[k] = c.order_key(r0 + r, j);
    idx[k] = j;
  }
};

struct MassAndGroupStart {
  const double* keys;
  const int* idx;
  const double* m;
  int r0, n;
  bool include_origin;
  double* v;
  int* start;
  __device__ void operator()(long long k) const {
    const int r = int(k / n), pos = int(k % n), j = idx[k];
    v[k] = (j == r0 + r && !include_origin) ? 0.0 : m[j];
    start[k] = (pos == 0 || keys[k] != keys[k - 1]) ? pos : 0;
  }
};

struct EmitRow {
  const double* E;
  const int* G;
  const int* idx;
  const double* m;
  const double* O;
  OpportunityShare share;
  bool include_origin, sums, normalise_later;
  int r0, n;
  double* out;
  __device__ void operator()(long long k) const {
    const int r = int(k / n), i = r0 + r, j = idx[k];
    const double s = E[(long long)r * n + G[k]];
    double val;
    if (sums) {
      val = j == i ? 0.0 : s;
    } else {
      val = opportunity_pair(i, j, include_origin) ? share(m[i], m[j], s) : 0.0;
      if (!normalise_later) val *= O[i];
    }
    out[(long long)r * n + j] = val;
  }
};

struct RowValue {
  const double* out;
  int n;
  __device__ double operator()(long long r, long long j) const { return out[r * n + j]; }
};

struct ScaleRows {
  const double* total;
  const double* O;
  int r0, n;
  double* out;
  __device__ void operator()(long long k) const {
    const int r = int(k / n);
    const double t = total[r];
    out[k] = t > 0.0 ? out[k] * (O[r0 + r] / t) : 0.0;
  }
};

size_t align_up(size_t b) { return (b + 255) / 256 * 256; }

}  // namespace

void opportunity_rows_cuda(DeviceContext& ctx, const Coords& c, const double* m, const double* O,
                           const OpportunityParams& p, RowOutput what, int r0, int r1,
                           double* out) {
  const int n = c.n;
  if (r1 <= r0 || n <= 0) return;
  const long long per_row = 48LL * n;
  const long long chunk_bytes = (long long)std::min<std::size_t>(
      std::size_t(tuning::kOpportunityChunkBytes), ctx.chunk_cap() / 2);
  const int R = int(std::max<long long>(
      1, std::min<long long>({(long long)(r1 - r0), chunk_bytes / per_row,
                              (1LL << 31) / n - 1})));
  const int items = R * n;
  cudaStream_t st = ctx.stream();

  auto begin = thrust::make_transform_iterator(thrust::counting_iterator<int>(0), Times{n});
  auto row_of = thrust::make_transform_iterator(thrust::counting_iterator<int>(0), DivBy{n});

  // temporary-storage sizes for the largest chunk
  size_t t_sort = 0, t_sum = 0, t_max = 0;
  MIGRA_CUDA_CHECK(cub::DeviceSegmentedSort::StableSortPairs(
      nullptr, t_sort, (const double*)nullptr, (double*)nullptr, (const int*)nullptr,
      (int*)nullptr, items, R, begin, begin + 1, st));
  MIGRA_CUDA_CHECK(cub::DeviceScan::ExclusiveSumByKey(nullptr, t_sum, row_of, (const double*)nullptr,
                                                      (double*)nullptr, items,
                                                      cuda::std::equal_to<>{}, st));
  MIGRA_CUDA_CHECK(cub::DeviceScan::InclusiveScanByKey(nullptr, t_max, row_of, (const int*)nullptr,
                                                       (int*)nullptr, MaxOp{}, items,
                                                       cuda::std::equal_to<>{}, st));
  const size_t temp_bytes = std::max({t_sort, t_sum, t_max});
  const size_t d8 = align_up(size_t(items) * 8), d4 = align_up(size_t(items) * 4);
  const bool normalise = what == RowOutput::Flows && p.row_normalised();
  const size_t total_bytes = 4 * d8 + 4 * d4 + align_up(temp_bytes) + align_up(size_t(R) * 8);
  char* base = static_cast<char*>(ctx.scratch(total_bytes));
  double* keys_in = reinterpret_cast<double*>(base);
  double* keys_out = reinterpret_cast<double*>(base + d8);
  double* v = reinterpret_cast<double*>(base + 2 * d8);
  double* E = reinterpret_cast<double*>(base + 3 * d8);
  int* idx_in = reinterpret_cast<int*>(base + 4 * d8);
  int* idx_out = reinterpret_cast<int*>(base + 4 * d8 + d4);
  int* start = reinterpret_cast<int*>(base + 4 * d8 + 2 * d4);
  int* G = reinterpret_cast<int*>(base + 4 * d8 + 3 * d4);
  void* temp = base + 4 * d8 + 4 * d4;
  double* row_total = reinterpret_cast<double*>(base + 4 * d8 + 4 * d4 + align_up(temp_bytes));

  const OpportunityShare share{p.model, p.L};
  for (int c0 = r0; c0 < r1; c0 += R) {
    const int rows = std::min(R, r1 - c0);
    const int k = rows * n;
    double* out_c = out + (long long)(c0 - r0) * n;
    cuda_for_each(ctx, k, SortKeys{c, c0, n, keys_in, idx_in});
    size_t tb = temp_bytes;
    MIGRA_CUDA_CHECK(cub::DeviceSegmentedSort::StableSortPairs(
        temp, tb, keys_in, keys_out, idx_in, idx_out, k, rows, begin, begin + 1, st));
    cuda_for_each(ctx, k,
                  MassAndGroupStart{keys_out, idx_out, m, c0, n, p.includes_origin(), v, start});
    tb = temp_bytes;
    MIGRA_CUDA_CHECK(cub::DeviceScan::ExclusiveSumByKey(temp, tb, row_of, v, E, k,
                                                        cuda::std::equal_to<>{}, st));
    tb = temp_bytes;
    MIGRA_CUDA_CHECK(cub::DeviceScan::InclusiveScanByKey(temp, tb, row_of, start, G, MaxOp{}, k,
                                                         cuda::std::equal_to<>{}, st));
    cuda_for_each(ctx, k,
                  EmitRow{E, G, idx_out, m, O, share, p.includes_origin(),
                          what == RowOutput::Sums, normalise, c0, n, out_c});
    if (normalise) {
      cuda_row_reduce(ctx, rows, n, RowValue{out_c, n}, row_total);
      cuda_for_each(ctx, k, ScaleRows{row_total, O, c0, n, out_c});
    }
  }
}

}  // namespace migra::flows::detail
