#pragma once
/// A Backend is one place to run primitives: the CPU or one CUDA device (the C++17 analogue of
/// ggml_backend_i). It owns that place's memory and its Exec; models allocate through it and
/// move data with copy_in / copy_out, so the same model code drives either backend.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "kernels/core/error.hpp"
#include "kernels/core/exec.hpp"

namespace migra {

class Backend {
 public:
  virtual ~Backend() = default;
  /// "cpu" or "cuda:N"
  virtual std::string name() const = 0;
  /// Human-readable description ("NVIDIA H100 80GB HBM3, 79.1 GiB, cc 9.0").
  virtual std::string description() const = 0;
  virtual Exec exec() = 0;
  virtual bool is_gpu() const = 0;
  /// Memory of this backend's space; throws CudaOutOfMemory when a GPU allocation fails.
  virtual void* alloc(std::size_t bytes) = 0;
  virtual void release(void* p) noexcept = 0;
  virtual void copy_in(void* dst, const void* host_src, std::size_t bytes) = 0;
  virtual void copy_out(void* host_dst, const void* src, std::size_t bytes) = 0;
  /// Copy within this backend's memory (device to device on a GPU).
  virtual void copy_within(void* dst, const void* src, std::size_t bytes) = 0;
  /// Makes this backend current for the calling thread (cudaSetDevice); the scheduler calls
  /// it once per worker thread.
  virtual void activate() {}
  /// Waits for all queued work (a no-op on the CPU).
  virtual void synchronize() = 0;
  /// Bytes a task may allocate here: the device's own budget (free device memory less a
  /// reserve; for the CPU a configurable budget) under the cap. Chunked primitives size their
  /// blocks to it.
  std::size_t memory_budget() const {
    const std::size_t own = device_budget();
    return own < budget_cap_ ? own : budget_cap_;
  }
  /// Caps memory_budget(): the scheduler lowers it to retry a task in smaller chunks after an
  /// out-of-memory error.
  virtual void set_budget_cap(std::size_t bytes) { budget_cap_ = bytes; }
  std::size_t budget_cap() const { return budget_cap_; }

 protected:
  virtual std::size_t device_budget() const = 0;

 private:
  std::size_t budget_cap_ = ~std::size_t(0);
};

/// The CPU backend: host memory, OpenMP loops. `budget_bytes` bounds working buffers.
std::unique_ptr<Backend> make_cpu_backend(std::size_t budget_bytes = std::size_t(2) << 30);

/// A chosen backend and, when the request could not be met as asked, a one-line notice
/// ("no CUDA device (...): running on the CPU").
struct BackendChoice {
  std::unique_ptr<Backend> backend;
  std::string notice;
};

/// device: "auto" (the first CUDA device if any, else the CPU), "cpu", "cuda" or "cuda:N".
/// A CUDA request on a machine without one falls back to the CPU with a notice; an unknown
/// device string or a CUDA index out of range throws migra::Error.
BackendChoice choose_backend(const std::string& device);

/// RAII array of T in a backend's memory.
template <class T>
class Buffer {
 public:
  Buffer() = default;
  Buffer(Backend& b, std::size_t n) : backend_(&b), n_(n) {
    if (n_) data_ = static_cast<T*>(b.alloc(n_ * sizeof(T)));
  }
  Buffer(Backend& b, const std::vector<T>& host) : Buffer(b, host.size()) { upload(host.data()); }
  ~Buffer() { reset(); }
  Buffer(Buffer&& o) noexcept { *this = std::move(o); }
  Buffer& operator=(Buffer&& o) noexcept {
    if (this != &o) {
      reset();
      backend_ = o.backend_;
      data_ = o.data_;
      n_ = o.n_;
      o.data_ = nullptr;
      o.n_ = 0;
    }
    return *this;
  }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  T* data() { return data_; }
  const T* data() const { return data_; }
  std::size_t size() const { return n_; }
  void upload(const T* host) {
    if (n_) backend_->copy_in(data_, host, n_ * sizeof(T));
  }
  void download(T* host) const {
    if (n_) backend_->copy_out(host, data_, n_ * sizeof(T));
  }
  std::vector<T> to_host() const {
    std::vector<T> h(n_);
    download(h.data());
    return h;
  }

 private:
  void reset() {
    if (data_) backend_->release(data_);
    data_ = nullptr;
    n_ = 0;
  }
  Backend* backend_ = nullptr;
  T* data_ = nullptr;
  std::size_t n_ = 0;
};

}  // namespace migra
