#include <cusolverDn.h>

#include <cub/block/block_reduce.cuh>
#include <cuda/functional>

#include "kernels/core/parallel_cuda.cuh"
#include "kernels/lsq/flow_normal.hpp"

namespace migra::lsq::detail {
namespace {

constexpr int kSums = 9;  // rowQ rowDQ rowDDQ rowR rowDR phi | colQ colDQ colR
constexpr int kBlock = tuning::kRowReduceBlock;

/// One block per (unit j, problem b): the sums over j's row (j as origin) and column (j as
/// destination). d is symmetric, so both halves read row j of d, T and Tt coalesced.
__global__ void flow_sums_kernel(FlowShape s, PairFlow flow, FlowData data, const double* theta,
                                 const unsigned char* active, double* sums) {
  const int j = blockIdx.x, b = blockIdx.y;
  if (active && !active[b]) return;
  const long long nn = (long long)s.n * s.n, P = s.params();
  const double* th = theta + b * P;
  const double* Tj = data.T + b * nn + (long long)j * s.n;
  const double* Ttj = data.Tt + b * nn + (long long)j * s.n;
  const double* cj = data.c ? data.c + b * nn + (long long)j * s.n : nullptr;
  const double* ctj = data.ct ? data.ct + b * nn + (long long)j * s.n : nullptr;
  const double* dj = data.d + (long long)j * s.n;
  double acc[kSums] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
  for (int k = threadIdx.x; k < s.n; k += blockDim.x) {
    if (k == j) continue;
    const double dd = dj[k];
    const double t = flow(th, j, k), w = cj ? cj[k] : 1.0, r = Tj[k] - t, q = w * t * t, sr = w * r * t;
    acc[0] += q, acc[1] += dd * q, acc[2] += dd * dd * q, acc[3] += sr, acc[4] += dd * sr, acc[5] += w * r * r;
    const double t2 = flow(th, k, j), w2 = ctj ? ctj[k] : 1.0, r2 = Ttj[k] - t2, q2 = w2 * t2 * t2;
    acc[6] += q2, acc[7] += dd * q2, acc[8] += w2 * r2 * t2;
  }
  using Reduce = cub::BlockReduce<double, kBlock>;
  __shared__ typename Reduce::TempStorage tmp;
  for (int q = 0; q < kSums; ++q) {
    const double total = Reduce(tmp).Sum(acc[q]);
    if (threadIdx.x == 0) sums[((long long)b * s.n + j) * kSums + q] = total;
    __syncthreads();
  }
}

/// One block per problem: the (m, gamma) corner of AᵀA, its Aᵀr entries and Phi.
__global__ void flow_corner_kernel(FlowShape s, const double* sums, const unsigned char* active, double* ata,
                                   double* atr, double* phi) {
  const int b = blockIdx.x;
  if (active && !active[b]) return;
  double acc[6] = {0, 0, 0, 0, 0, 0};
  for (int j = threadIdx.x; j < s.n; j += blockDim.x)
    for (int q = 0; q < 6; ++q) acc[q] += sums[((long long)b * s.n + j) * kSums + q];
  using Reduce = cub::BlockReduce<double, kBlock>;
  __shared__ typename Reduce::TempStorage tmp;
  __shared__ double tot[6];
  for (int q = 0; q < 6; ++q) {
    const double t = Reduce(tmp).Sum(acc[q]);
    if (threadIdx.x == 0) tot[q] = t;
    __syncthreads();
  }
  if (threadIdx.x != 0) return;
  const long long P = s.params();
  double* A = ata + b * P * P;
  A[0] = tot[0];
  atr[b * P] = tot[3];
  if (s.gamma) {
    A[1] = A[P] = -tot[1];
    A[P + 1] = tot[2];
    atr[b * P + 1] = -tot[4];
  }
  phi[b] = tot[5];
}

/// Every AᵀA entry outside the corner, and the u entries of Aᵀr.
struct FillEntries {
  FlowShape s;
  PairFlow flow;
  FlowData data;
  const double* theta;
  const double* sums;
  const unsigned char* active;
  double* ata;
  double* atr;
  __device__ void operator()(std::int64_t idx) const {
    const long long P = s.params(), PP = P * P, nn = (long long)s.n * s.n;
    const long long b = idx / PP, e = idx % PP;
    if (active && !active[b]) return;
    long long r = e / P, c = e % P;
    const int iu = s.iu();
    if (r < iu && c < iu) return;  // the corner kernel's
    if (r < c) {                   // symmetric: compute from the lower triangle's indices
      const long long t = r;
      r = c, c = t;
    }
    const double* S = sums + b * s.n * kSums;
    const int a = int(r - iu);  // r is a u row
    double v;
    if (c == 0) v = S[a * kSums + 6] - S[a * kSums + 0];
    else if (c == s.ig()) v = -S[a * kSums + 7] + S[a * kSums + 1];
    else if (c == r) v = S[a * kSums + 6] + S[a * kSums + 0];
    else {
      const int j = int(c - iu);
      const double* th = theta + b * P;
      const double t1 = flow(th, a, j), t2 = flow(th, j, a);
      const double w1 = data.c ? data.c[b * nn + (long long)a * s.n + j] : 1.0;
      const double w2 = data.c ? data.c[b * nn + (long long)j * s.n + a] : 1.0;
      v = -(w1 * t1 * t1 + w2 * t2 * t2);
    }
    ata[b * PP + e] = v;
    if (e % (P + 1) == 0) atr[b * P + r] = S[a * kSums + 8] - S[a * kSums + 3];  // once per u row
  }
};

struct DampedEntry {
  int P;
  const double* ata;
  const double* lambda;
  const double* dmax;
  const unsigned char* active;
  double* work;
  __device__ void operator()(std::int64_t idx) const {
    const long long PP = (long long)P * P, b = idx / PP, e = idx % PP;
    const bool diag = e % (P + 1) == 0;
    if (active && !active[b]) {
      work[idx] = diag ? 1.0 : 0.0;  // identity: the solve leaves an inactive rhs as it is
      return;
    }
    const double a = ata[idx];
    work[idx] = diag ? a + lambda[b] * fmax(a, 1e-15 * dmax[b]) : a;
  }
};

__global__ void diag_max_kernel(int P, const double* ata, double* dmax) {
  const long long b = blockIdx.x, PP = (long long)P * P;
  double m = 0;
  for (int j = threadIdx.x; j < P; j += blockDim.x) m = fmax(m, ata[b * PP + (long long)j * (P + 1)]);
  using Reduce = cub::BlockReduce<double, kBlock>;
  __shared__ typename Reduce::TempStorage tmp;
  const double total = Reduce(tmp).Reduce(m, ::cuda::maximum<double>());
  if (threadIdx.x == 0) dmax[b] = total;
}

struct Pointers {
  int P;
  double* work;
  double* rhs;
  double** pa;
  double** pb;
  __device__ void operator()(std::int64_t b) const {
    pa[b] = work + b * (long long)P * P;
    pb[b] = rhs + b * (long long)P;
  }
};

struct OkFlags {
  const int* info;
  const unsigned char* active;
  int* ok;
  __device__ void operator()(std::int64_t b) const { ok[b] = (!active || active[b]) && info[b] == 0 ? 1 : 0; }
};

struct Select {
  long long len;
  const double* src;
  const unsigned char* selected;
  double* dst;
  __device__ void operator()(std::int64_t idx) const {
    if (selected[idx / len]) dst[idx] = src[idx];
  }
};

struct Diagonal {
  int P;
  const double* ata;
  double* out;
  __device__ void operator()(std::int64_t idx) const {
    const long long b = idx / P, j = idx % P;
    out[idx] = ata[b * P * P + j * (P + 1)];
  }
};

struct PairCount {
  int n;
  std::uint32_t first;
  std::uint64_t seed;
  double* c;
  double* ct;
  __device__ void operator()(std::int64_t idx) const {
    const std::int64_t pairs = std::int64_t(n) * (n - 1), nn = std::int64_t(n) * n, b = idx / pairs;
    const PairDraw p = pair_draw(n, seed, first + std::uint32_t(b), std::uint32_t(idx % pairs));
    atomicAdd(c + b * nn + std::int64_t(p.i) * n + p.k, 1.0);  // integer counts: exact in any order
    if (ct) atomicAdd(ct + b * nn + std::int64_t(p.k) * n + p.i, 1.0);
  }
};

/// Σ c T^power over i != k of problem b (power 0, 1 or 2).
struct Moment {
  int n, power;
  FlowData data;
  __device__ double operator()(std::int64_t b, std::int64_t q) const {
    if (q / n == q % n) return 0.0;
    const std::int64_t at = b * std::int64_t(n) * n + q;
    const double c = data.c ? data.c[at] : 1.0, t = data.T[at];
    return power == 0 ? c : power == 1 ? c * t : c * t * t;
  }
};

struct Interleave {
  const double* m;
  int batch;
  double* out;
  __device__ void operator()(std::int64_t idx) const { out[idx] = m[(idx % 3) * batch + idx / 3]; }
};

void solver_check(cusolverStatus_t st, const char* what) {
  MIGRA_THROW_IF_NOT_FMT(st == CUSOLVER_STATUS_SUCCESS, "cuSOLVER %s failed (status %d)", what, int(st));
}

}  // namespace

void flow_normal_equations_cuda(DeviceContext& ctx, const FlowShape& s, const FlowData& data, const double* theta,
                                const unsigned char* active, double* ata, double* atr, double* phi) {
  MIGRA_THROW_IF_NOT_FMT(data.Tt && (!data.c || data.ct), "flow_normal_equations on a GPU needs the transposed flows");
  MIGRA_THROW_IF_NOT_FMT(s.batch <= 65535, "flow_normal_equations: at most 65535 problems per call (got %d)", s.batch);
  const PairFlow flow{s, data.d, data.log_p};
  double* sums = static_cast<double*>(ctx.scratch(sizeof(double) * size_t(s.batch) * size_t(s.n) * kSums));
  flow_sums_kernel<<<dim3(unsigned(s.n), unsigned(s.batch)), kBlock, 0, ctx.stream()>>>(s, flow, data, theta, active, sums);
  MIGRA_CUDA_CHECK_LAUNCH();
  flow_corner_kernel<<<unsigned(s.batch), kBlock, 0, ctx.stream()>>>(s, sums, active, ata, atr, phi);
  MIGRA_CUDA_CHECK_LAUNCH();
  const long long P = s.params();
  if (P > (s.gamma ? 2 : 1))
    cuda_for_each(ctx, s.batch * P * P, FillEntries{s, flow, data, theta, sums, active, ata, atr});
}

void flow_moments_cuda(DeviceContext& ctx, const FlowShape& s, const FlowData& data, double* out) {
  double* m = static_cast<double*>(ctx.scratch(sizeof(double) * 3 * size_t(s.batch)));
  const std::int64_t nn = std::int64_t(s.n) * s.n;
  for (int power = 0; power < 3; ++power) cuda_row_reduce(ctx, s.batch, nn, Moment{s.n, power, data}, m + power * s.batch);
  cuda_for_each(ctx, 3LL * s.batch, Interleave{m, s.batch, out});
}

void damped_solve_cuda(DeviceContext& ctx, int batch, int P, const double* ata, const double* lambda,
                       const unsigned char* active, double* work, double* rhs, int* ok) {
  // scratch: dmax (batch doubles), two pointer arrays, info (batch ints)
  char* scratch = static_cast<char*>(ctx.scratch(size_t(batch) * (3 * sizeof(double) + sizeof(int))));
  double* dmax = reinterpret_cast<double*>(scratch);
  double** pa = reinterpret_cast<double**>(scratch + size_t(batch) * sizeof(double));
  double** pb = pa + batch;
  int* info = reinterpret_cast<int*>(pb + batch);
  diag_max_kernel<<<unsigned(batch), kBlock, 0, ctx.stream()>>>(P, ata, dmax);
  MIGRA_CUDA_CHECK_LAUNCH();
  cuda_for_each(ctx, (long long)batch * P * P, DampedEntry{P, ata, lambda, dmax, active, work});
  cuda_for_each(ctx, batch, Pointers{P, work, rhs, pa, pb});
  cusolverDnHandle_t h = ctx.cusolver();
  // Symmetric matrices: row-major storage is the same matrix column-major.
  solver_check(cusolverDnDpotrfBatched(h, CUBLAS_FILL_MODE_LOWER, P, pa, P, info, batch), "potrfBatched");
  cuda_for_each(ctx, batch, OkFlags{info, active, ok});
  // potrsBatched reports one status for the whole call, in the first slot of info (after
  // OkFlags has read the factorisations' flags on the same stream).
  solver_check(cusolverDnDpotrsBatched(h, CUBLAS_FILL_MODE_LOWER, P, 1, pa, P, pb, P, info, batch), "potrsBatched");
}

void copy_selected_cuda(DeviceContext& ctx, int batch, long long len, const double* src, const unsigned char* selected,
                        double* dst) {
  cuda_for_each(ctx, batch * len, Select{len, src, selected, dst});
}

void diagonals_cuda(DeviceContext& ctx, int batch, int P, const double* ata, double* out) {
  cuda_for_each(ctx, (long long)batch * P, Diagonal{P, ata, out});
}

void poisson_replicates_cuda(DeviceContext& ctx, int n, int batch, std::uint32_t first, std::uint64_t seed,
                             const double* that, double* T, double* Tt) {
  cuda_for_each(ctx, std::int64_t(batch) * PoissonDraw::groups(n), PoissonDraw{n, first, seed, that, T, Tt});
}

void pair_counts_cuda(DeviceContext& ctx, int n, int batch, std::uint32_t first, std::uint64_t seed, double* c,
                      double* ct) {
  const size_t bytes = sizeof(double) * size_t(batch) * size_t(n) * size_t(n);
  MIGRA_CUDA_CHECK(cudaMemsetAsync(c, 0, bytes, ctx.stream()));
  if (ct) MIGRA_CUDA_CHECK(cudaMemsetAsync(ct, 0, bytes, ctx.stream()));
  cuda_for_each(ctx, std::int64_t(batch) * n * (n - 1), PairCount{n, first, seed, c, ct});
}

}  // namespace migra::lsq::detail
