#include "host/io/npy.hpp"

#include "kernels/core/error.hpp"

namespace migra::io {

std::string npy_header(std::int64_t rows, std::int64_t cols) {
  std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (" +
                     std::to_string(rows) + ", " + std::to_string(cols) + "), }";
  // magic(6) + version(2) + header length(2) + dict + padding + '\n' is a multiple of 64
  const std::size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  std::string h = "\x93NUMPY";
  h += char(1);
  h += char(0);
  h += char(dict.size() & 0xff);
  h += char((dict.size() >> 8) & 0xff);
  return h + dict;
}

NpyWriter::NpyWriter(const std::string& path, std::int64_t rows, std::int64_t cols)
    : file_(path), rows_(rows), cols_(cols) {
  file_.write(npy_header(rows, cols));
}

void NpyWriter::append_rows(const double* data, std::int64_t count) {
  MIGRA_ASSERT(written_ + count <= rows_);
  file_.write(data, std::size_t(count * cols_) * sizeof(double));
  written_ += count;
}

std::string NpyWriter::commit() {
  MIGRA_ASSERT(written_ == rows_);
  return file_.commit();
}

}  // namespace migra::io
