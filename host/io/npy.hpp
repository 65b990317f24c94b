#pragma once
/// Streaming writer of a 2-D float64 .npy file (NumPy format 1.0, C order, little-endian),
/// rows appended in order. Built on AtomicFile: the file appears only when complete.
#include <cstdint>
#include <string>

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

}  // namespace migra::io
