#pragma once
/// A small RFC 4180 CSV reader for the input tables: a header row, then records; fields may be
/// quoted ("Autauga, Alabama", "" escapes a quote). Every error names the file, the line and
/// the field, and throws migra::Error.
#include <string>
#include <vector>

namespace migra::io {

class CsvTable {
 public:
  /// Reads the whole file; throws if it is missing, empty, or a record has the wrong number
  /// of fields.
  static CsvTable read(const std::string& path);

  const std::string& path() const { return path_; }
  std::size_t rows() const { return records_.size(); }
  bool has_column(const std::string& name) const { return find(name) >= 0; }
  /// The header's column names, in file order.
  const std::vector<std::string>& columns() const { return header_; }
  /// Column index of `name`; throws "FILE: missing column 'name' (columns: ...)".
  int column(const std::string& name) const;
  const std::string& text(std::size_t row, int col) const { return records_[row][size_t(col)]; }
  /// The field as a finite double; throws "FILE:LINE: field 'name': '...' is not a number".
  double number(std::size_t row, int col) const;
  /// The file line a record starts on (1-based; the header is line 1).
  int line(std::size_t row) const { return lines_[row]; }
  /// "FILE:LINE: field 'name'" for messages about a record's field.
  std::string where(std::size_t row, int col) const;

 private:
  int find(const std::string& name) const;
  std::string path_;
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> records_;
  std::vector<int> lines_;
};

/// A double for a CSV field, exactly (%.17g: reads back to the same double), or with `digits`
/// significant digits for values that have no more.
std::string exact_text(double v, int digits = 17);

/// A text field for a CSV record: quoted (quotes doubled) when it holds a comma, quote or newline.
std::string csv_field(const std::string& s);

}  // namespace migra::io
