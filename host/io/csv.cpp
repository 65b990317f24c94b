#include "host/io/csv.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "kernels/core/error.hpp"

namespace migra::io {
namespace {

/// Splits one record starting at `pos`; advances pos past its line end(s), counting lines.
std::vector<std::string> parse_record(const std::string& s, std::size_t& pos, int& line,
                                      const std::string& path) {
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false, was_quoted = false;
  const int start_line = line;
  while (pos < s.size()) {
    const char c = s[pos++];
    if (quoted) {
      if (c == '"') {
        if (pos < s.size() && s[pos] == '"') {
          field += '"';
          ++pos;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
    } else if (c == '"' && field.empty() && !was_quoted) {
      quoted = was_quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
      was_quoted = false;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && pos < s.size() && s[pos] == '\n') ++pos;
      ++line;
      fields.push_back(std::move(field));
      return fields;
    } else {
      field += c;
    }
  }
  MIGRA_THROW_IF_NOT_FMT(!quoted, "%s:%d: unterminated quoted field", path.c_str(), start_line);
  fields.push_back(std::move(field));
  return fields;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

}  // namespace

CsvTable CsvTable::read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  MIGRA_THROW_IF_NOT_FMT(in, "%s: cannot open file (%s)", path.c_str(), std::strerror(errno));
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string s = buf.str();
  CsvTable t;
  t.path_ = path;
  std::size_t pos = 0;
  int line = 1;
  if (s.compare(0, 3, "\xEF\xBB\xBF") == 0) pos = 3;  // UTF-8 byte-order mark
  MIGRA_THROW_IF_NOT_FMT(pos < s.size(), "%s: file is empty (expected a header row)", path.c_str());
  for (auto& h : parse_record(s, pos, line, path)) t.header_.push_back(trim(h));
  while (pos < s.size()) {
    const int rec_line = line;
    std::vector<std::string> rec = parse_record(s, pos, line, path);
    if (rec.size() == 1 && trim(rec[0]).empty()) continue;  // blank line
    MIGRA_THROW_IF_NOT_FMT(rec.size() == t.header_.size(),
                           "%s:%d: %zu fields, but the header has %zu", path.c_str(), rec_line,
                           rec.size(), t.header_.size());
    for (auto& f : rec) f = trim(f);
    t.records_.push_back(std::move(rec));
    t.lines_.push_back(rec_line);
  }
  return t;
}

int CsvTable::find(const std::string& name) const {
  for (size_t c = 0; c < header_.size(); ++c)
    if (header_[c] == name) return int(c);
  return -1;
}

int CsvTable::column(const std::string& name) const {
  const int c = find(name);
  if (c < 0) {
    std::string cols;
    for (const auto& h : header_) cols += (cols.empty() ? "" : ",") + h;
    MIGRA_THROW_FMT("%s:1: missing column '%s' (columns: %s)", path_.c_str(), name.c_str(),
                    cols.c_str());
  }
  return c;
}

std::string CsvTable::where(std::size_t row, int col) const {
  return path_ + ":" + std::to_string(lines_[row]) + ": field '" + header_[size_t(col)] + "'";
}

double CsvTable::number(std::size_t row, int col) const {
  const std::string& f = text(row, col);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(f.c_str(), &end);
  MIGRA_THROW_IF_NOT_FMT(!f.empty() && end && *end == '\0' && errno != ERANGE,
                         "%s: '%s' is not a number", where(row, col).c_str(), f.c_str());
  MIGRA_THROW_IF_NOT_FMT(std::isfinite(v), "%s: '%s' is not a finite number",
                         where(row, col).c_str(), f.c_str());
  return v;
}

std::string exact_text(double v, int digits) {
  char b[40];
  std::snprintf(b, sizeof b, "%.*g", digits, v);
  return b;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace migra::io
