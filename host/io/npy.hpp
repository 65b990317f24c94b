#pragma once
/// .npy files (NumPy format 1.0, little-endian float64, C order): a streaming writer of 2-D
/// arrays (rows appended in order; built on AtomicFile, so the file appears only when
/// complete), a one-call writer of 1-D arrays, and a reader of 2-D float arrays.
#include <cstdint>
#include <string>
#include <vector>

#include "host/io/atomic_file.hpp"

namespace migra::io {

class NpyWriter {
 public:
  NpyWriter(const std::string& path, std::int64_t rows, std::int64_t cols);
  /// Appends `count` rows of cols doubles each.
  void append_rows(const double* data, std::int64_t count);
  /// All rows must have been appended; returns the file's SHA-256.
  std::string commit();

 private:
  AtomicFile file_;
  std::int64_t rows_, cols_, written_ = 0;
};

/// The header bytes of a 2-D '<f8' C-order array (magic, version, length, dict, padding).
std::string npy_header(std::int64_t rows, std::int64_t cols);

/// Writes a 1-D '<f8' array atomically; returns the file's SHA-256.
std::string write_npy_vector(const std::string& path, const std::vector<double>& v);

/// A 2-D array read from .npy: '<f8' or '<f4', C or Fortran order (returned row-major).
struct NpyMatrix {
  std::int64_t rows = 0, cols = 0;
  std::vector<double> data;
};
/// Throws migra::Error naming the file and what is wrong (not .npy, unsupported dtype, not
/// 2-D, truncated).
NpyMatrix read_npy_matrix(const std::string& path);

}  // namespace migra::io
