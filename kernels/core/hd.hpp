#pragma once
/// MIGRA_HD marks the per-element work that is compiled for both the host and the device
/// (the role of KOKKOS_INLINE_FUNCTION). Under nvcc it is `__host__ __device__ inline`,
/// under a plain C++ compiler just `inline`, so functor headers stay free of CUDA headers.
#if defined(__CUDACC__)
#define MIGRA_HD __host__ __device__ inline
#else
#define MIGRA_HD inline
#endif
