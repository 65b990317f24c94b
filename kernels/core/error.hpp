#pragma once
/// Two tiers of errors (STYLE.md 7):
///  - migra::Error: bad input or a request that cannot be served. Thrown, caught by host/,
///    reported as one line, exit status 2.
///  - MIGRA_ASSERT: a broken internal invariant. Prints where and aborts.
/// CUDA failures are sorted in kernels/core/cuda_check.cuh: out-of-memory and other
/// recoverable errors throw CudaError / CudaOutOfMemory (the scheduler retries with smaller
/// chunks or falls back to CPU); sticky errors (illegal address, launch failure) abort.
#include <cstdio>
#include <stdexcept>
#include <string>

namespace migra {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A recoverable CUDA runtime error (the device is still usable).
class CudaError : public Error {
 public:
  using Error::Error;
};

/// cudaMalloc failed: retry with smaller chunks or on the CPU.
class CudaOutOfMemory : public CudaError {
 public:
  using CudaError::CudaError;
};

namespace detail {
template <class... Args>
std::string format(const char* fmt, Args... args) {
  if constexpr (sizeof...(Args) == 0) {
    return fmt;
  } else {
    const int n = std::snprintf(nullptr, 0, fmt, args...);
    std::string s(n > 0 ? n : 0, '\0');
    std::snprintf(s.data(), s.size() + 1, fmt, args...);
    return s;
  }
}
[[noreturn]] void assert_fail(const char* cond, const char* func, const char* file, int line);
}  // namespace detail

}  // namespace migra

/// Throw migra::Error(message) unless `cond` holds. The message is the user's: it names the
/// input (file, line, field) the caller knows about.
#define MIGRA_THROW_IF_NOT_FMT(cond, ...)                         \
  do {                                                            \
    if (!(cond)) throw ::migra::Error(::migra::detail::format(__VA_ARGS__)); \
  } while (0)

#define MIGRA_THROW_FMT(...) throw ::migra::Error(::migra::detail::format(__VA_ARGS__))

/// Abort on a broken internal invariant (never on user input).
#define MIGRA_ASSERT(cond)                                                      \
  do {                                                                          \
    if (!(cond)) ::migra::detail::assert_fail(#cond, __func__, __FILE__, __LINE__); \
  } while (0)
