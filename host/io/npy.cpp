#include "host/io/npy.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "kernels/core/error.hpp"

namespace migra::io {

namespace {

/// Header for a shape written as NumPy does: "(n,)" or "(rows, cols)".
std::string header_for(const std::string& shape) {
  std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }";
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

/// The value text after 'key': in a header dict ("'<f8'", "False", "(3, 4)").
std::string dict_value(const std::string& dict, const std::string& key) {
  const std::size_t k = dict.find("'" + key + "'");
  if (k == std::string::npos) return "";
  std::size_t v = dict.find(':', k);
  if (v == std::string::npos) return "";
  ++v;
  while (v < dict.size() && dict[v] == ' ') ++v;
  const std::size_t end = dict[v] == '(' ? dict.find(')', v) + 1 : dict.find_first_of(",}", v);
  return dict.substr(v, end == std::string::npos ? std::string::npos : end - v);
}

}  // namespace

std::string npy_header(std::int64_t rows, std::int64_t cols) {
  return header_for("(" + std::to_string(rows) + ", " + std::to_string(cols) + ")");
}

std::string write_npy_vector(const std::string& path, const std::vector<double>& v) {
  AtomicFile f(path);
  f.write(header_for("(" + std::to_string(v.size()) + ",)"));
  f.write(v.data(), v.size() * sizeof(double));
  return f.commit();
}

NpyMatrix read_npy_matrix(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  MIGRA_THROW_IF_NOT_FMT(in.good(), "%s: cannot open", path.c_str());
  char pre[10];
  in.read(pre, 10);
  MIGRA_THROW_IF_NOT_FMT(in.gcount() == 10 && std::string(pre, 6) == "\x93NUMPY", "%s: not a .npy file", path.c_str());
  const int major = pre[6];
  std::size_t hlen = std::uint8_t(pre[8]) | (std::size_t(std::uint8_t(pre[9])) << 8);
  if (major >= 2) {  // 4-byte header length
    char more[2];
    in.read(more, 2);
    hlen |= (std::size_t(std::uint8_t(more[0])) << 16) | (std::size_t(std::uint8_t(more[1])) << 24);
  }
  std::string dict(hlen, '\0');
  in.read(dict.data(), std::streamsize(hlen));
  MIGRA_THROW_IF_NOT_FMT(std::size_t(in.gcount()) == hlen, "%s: truncated header", path.c_str());
  const std::string descr = dict_value(dict, "descr"), order = dict_value(dict, "fortran_order"),
                    shape = dict_value(dict, "shape");
  MIGRA_THROW_IF_NOT_FMT(descr == "'<f8'" || descr == "'<f4'",
                         "%s: dtype %s is not supported (float64 '<f8' or float32 '<f4')", path.c_str(), descr.c_str());
  NpyMatrix m;
  MIGRA_THROW_IF_NOT_FMT(std::sscanf(shape.c_str(), "(%lld, %lld)", reinterpret_cast<long long*>(&m.rows),
                                     reinterpret_cast<long long*>(&m.cols)) == 2 && m.rows > 0 && m.cols > 0,
                         "%s: shape %s is not a non-empty 2-D array", path.c_str(), shape.c_str());
  const std::size_t count = std::size_t(m.rows) * std::size_t(m.cols);
  m.data.resize(count);
  if (descr == "'<f8'") {
    in.read(reinterpret_cast<char*>(m.data.data()), std::streamsize(count * sizeof(double)));
    MIGRA_THROW_IF_NOT_FMT(std::size_t(in.gcount()) == count * sizeof(double), "%s: truncated data (%lld x %lld expected)",
                           path.c_str(), (long long)m.rows, (long long)m.cols);
  } else {
    std::vector<float> f(count);
    in.read(reinterpret_cast<char*>(f.data()), std::streamsize(count * sizeof(float)));
    MIGRA_THROW_IF_NOT_FMT(std::size_t(in.gcount()) == count * sizeof(float), "%s: truncated data (%lld x %lld expected)",
                           path.c_str(), (long long)m.rows, (long long)m.cols);
    std::copy(f.begin(), f.end(), m.data.begin());
  }
  if (order == "True") {  // column-major on disk
    std::vector<double> t(count);
    for (std::int64_t i = 0; i < m.rows; ++i)
      for (std::int64_t j = 0; j < m.cols; ++j) t[std::size_t(i * m.cols + j)] = m.data[std::size_t(j * m.rows + i)];
    m.data.swap(t);
  }
  return m;
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
