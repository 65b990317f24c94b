#pragma once
/// CPU launchers for element-wise functors: an OpenMP loop over the index space (the
/// Kokkos ParallelFor<OpenMP> role). The same functors run on the GPU through
/// parallel_cuda.cuh.
#include <cstdint>

#include "kernels/core/tuning.hpp"

namespace migra {

/// f(i) for i in [0, n).
template <class F>
void cpu_for_each(std::int64_t n, const F& f) {
#pragma omp parallel for schedule(static) if (n > tuning::kCpuParallelMinWork)
  for (std::int64_t i = 0; i < n; ++i) f(i);
}

/// y[r] = sum_c f(r, c) for r in [0, rows), c in [0, cols); the sum runs in order c = 0..cols-1
/// (deterministic, independent of the thread count).
template <class F>
void cpu_row_reduce(std::int64_t rows, std::int64_t cols, const F& f, double* y) {
#pragma omp parallel for schedule(static) if (rows * cols > tuning::kCpuParallelMinWork)
  for (std::int64_t r = 0; r < rows; ++r) {
    double acc = 0.0;
    for (std::int64_t c = 0; c < cols; ++c) acc += f(r, c);
    y[r] = acc;
  }
}

/// out[r * cols + c] = f(r, c) for a dense row-major block.
template <class F>
void cpu_fill_2d(std::int64_t rows, std::int64_t cols, const F& f, double* out) {
#pragma omp parallel for schedule(static) if (rows * cols > tuning::kCpuParallelMinWork)
  for (std::int64_t r = 0; r < rows; ++r) {
    double* row = out + r * cols;
    for (std::int64_t c = 0; c < cols; ++c) row[c] = f(r, c);
  }
}

}  // namespace migra
