#include "models/bytes.hpp"

#include <cstring>

#include "kernels/core/error.hpp"

namespace migra {

void append_doubles(std::string& bytes, const double* v, std::size_t count) {
  bytes.append(reinterpret_cast<const char*>(v), count * sizeof(double));
}

std::size_t read_doubles(const std::string& bytes, std::size_t offset, double* v, std::size_t count) {
  MIGRA_THROW_IF_NOT_FMT(offset <= bytes.size() && count <= (bytes.size() - offset) / sizeof(double),
                         "%zu bytes are too short for %zu values at byte %zu", bytes.size(), count, offset);
  if (count) std::memcpy(v, bytes.data() + offset, count * sizeof(double));
  return offset + count * sizeof(double);
}

void append_vector(std::string& bytes, const std::vector<double>& v) {
  const double size = double(v.size());
  append_doubles(bytes, &size, 1);
  append_doubles(bytes, v.data(), v.size());
}

std::size_t read_vector(const std::string& bytes, std::size_t offset, std::vector<double>& v) {
  double size = 0;
  offset = read_doubles(bytes, offset, &size, 1);
  MIGRA_THROW_IF_NOT_FMT(size >= 0 && size <= double(bytes.size()), "a stored vector claims %g values", size);
  v.resize(std::size_t(size));
  return read_doubles(bytes, offset, v.data(), v.size());
}

}  // namespace migra
