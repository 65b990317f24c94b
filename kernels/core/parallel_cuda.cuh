#pragma once
/// CUDA launchers for the functors that parallel_cpu.hpp runs as OpenMP loops (the Kokkos
/// ParallelFor<Cuda> role). Each __global__ body is a few lines; shapes come from tuning.hpp.
#include <cub/block/block_reduce.cuh>

#include <algorithm>
#include <cstdint>

#include "kernels/core/cuda_check.cuh"
#include "kernels/core/device_context.cuh"
#include "kernels/core/tuning.hpp"

namespace migra {
namespace detail {

template <class F>
__global__ void for_each_kernel(std::int64_t n, F f) {
  const std::int64_t stride = std::int64_t(gridDim.x) * blockDim.x;
  for (std::int64_t i = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
    f(i);
}

/// One block per row: threads stride over the columns, then a CUB block reduction.
template <int BLOCK, class F>
__global__ void row_reduce_kernel(std::int64_t rows, std::int64_t cols, F f, double* y) {
  using Reduce = cub::BlockReduce<double, BLOCK>;
  __shared__ typename Reduce::TempStorage tmp;
  for (std::int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    double acc = 0.0;
    for (std::int64_t c = threadIdx.x; c < cols; c += BLOCK) acc += f(r, c);
    const double total = Reduce(tmp).Sum(acc);
    if (threadIdx.x == 0) y[r] = total;
    __syncthreads();  // tmp is reused by the next row
  }
}

/// x: columns (coalesced stores), y: rows, grid-strided.
template <class F>
__global__ void fill_2d_kernel(std::int64_t rows, std::int64_t cols, F f, double* out) {
  const std::int64_t c = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (c >= cols) return;
  for (std::int64_t r = blockIdx.y; r < rows; r += gridDim.y) out[r * cols + c] = f(r, c);
}

inline unsigned grid_for(std::int64_t n, int block) {
  const std::int64_t blocks = (n + block - 1) / block;
  return unsigned(std::min<std::int64_t>(std::max<std::int64_t>(blocks, 1), 1 << 20));
}

}  // namespace detail

template <class F>
void cuda_for_each(DeviceContext& ctx, std::int64_t n, const F& f) {
  if (n <= 0) return;
  constexpr int B = tuning::kForEachBlock;
  detail::for_each_kernel<<<detail::grid_for(n, B), B, 0, ctx.stream()>>>(n, f);
  MIGRA_CUDA_CHECK_LAUNCH();
}

/// y[r] = sum_c f(r, c); deterministic run to run (fixed block-reduction tree), but summed in
/// a different order than the CPU loop, so CPU and GPU agree to round-off, not bitwise.
template <class F>
void cuda_row_reduce(DeviceContext& ctx, std::int64_t rows, std::int64_t cols, const F& f,
                     double* y) {
  if (rows <= 0) return;
  constexpr int B = tuning::kRowReduceBlock;
  const unsigned grid = unsigned(std::min<std::int64_t>(rows, 1 << 20));
  detail::row_reduce_kernel<B><<<grid, B, 0, ctx.stream()>>>(rows, cols, f, y);
  MIGRA_CUDA_CHECK_LAUNCH();
}

template <class F>
void cuda_fill_2d(DeviceContext& ctx, std::int64_t rows, std::int64_t cols, const F& f,
                  double* out) {
  if (rows <= 0 || cols <= 0) return;
  constexpr int B = tuning::kForEachBlock;
  const dim3 grid(detail::grid_for(cols, B), unsigned(std::min<std::int64_t>(rows, 65535)));
  detail::fill_2d_kernel<<<grid, B, 0, ctx.stream()>>>(rows, cols, f, out);
  MIGRA_CUDA_CHECK_LAUNCH();
}

}  // namespace migra
