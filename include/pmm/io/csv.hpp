// CSV files: point matrices (header x0,x1,..., one row per path, "%.17g" so every double reads back
// exactly) and small result tables (named columns, rows appended one at a time so that pmm-sweep can
// resume a run by skipping the rows already present). Fields are quoted as in RFC 4180.
#pragma once
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <pmm/core/batch.hpp>

namespace pmm {

// ---- matrices ----
// Atomic write of a dim x n batch as n rows of dim columns.
void write_csv_matrix(const std::string& path, const Batch& x);
// dim x n batch from a numeric CSV; the first line is a header when none of its fields is a
// number and every field is a column name (starts with a letter or '_', has no '.'): any other
// unparsable first line ("O.7,2") is an error, not a header. Blank lines and lines
// starting with '#' are skipped. Errors start with "<what>: <path>:<line>: ".
Batch read_csv_matrix(const std::string& path, const std::string& what, bool finite_only = true);

// ---- tables ----
// One table cell: text as is, numbers formatted to read back exactly (doubles in the shortest such
// form, so 0.1 stays "0.1").
struct CsvCell {
  std::string text;
  CsvCell(std::string s) : text(std::move(s)) {}
  CsvCell(const char* s) : text(s) {}
  CsvCell(double x);
  CsvCell(float x) : CsvCell(static_cast<double>(x)) {}
  template <typename Int, std::enable_if_t<std::is_integral_v<Int> && !std::is_same_v<Int, bool>, int> = 0>
  CsvCell(Int x) : text(std::to_string(x)) {}
  CsvCell(bool b) : text(b ? "true" : "false") {}
};

struct CsvTable {
  std::string source;  // file name, for messages
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;  // each rows[i].size() == columns.size()

  // Throws "<source>: no column '<name>' (columns: a, b)".
  std::size_t column_index(std::string_view name) const;
  const std::string& cell(std::size_t row, std::string_view column) const;
  // Throws "<source>: row <r>, column '<c>': expected a number, got 'abc'".
  double number(std::size_t row, std::string_view column) const;
  // True when some row has, in each of key_columns, the text of the matching key value: a resumed
  // run formats its keys through CsvCell exactly as the rows were written.
  bool contains(const std::vector<std::string>& key_columns, const std::vector<CsvCell>& key) const;
};

// First record is the header; every row must have as many fields. Errors name path and line.
CsvTable read_csv_table(const std::string& path);
// Atomic write of the whole table.
void write_csv_table(const std::string& path, const CsvTable& table);
// One CSV line (quoted where needed), ending in '\n'.
std::string csv_line(const std::vector<std::string>& fields);

// Appends rows to a result file, one line per write() so that a killed run leaves whole rows only.
// Opening an existing file checks that its header matches columns and reads its rows (existing());
// a last line without its '\n' is the trace of an interrupted write and is cut off; a failed append
// (disk full) truncates the file back to its last whole row before throwing. A missing or
// empty file is created with the header. append() is safe to call from several threads.
class CsvTableWriter {
 public:
  CsvTableWriter(std::string path, std::vector<std::string> columns);
  ~CsvTableWriter();
  CsvTableWriter(const CsvTableWriter&) = delete;
  CsvTableWriter& operator=(const CsvTableWriter&) = delete;

  const CsvTable& existing() const { return existing_; }
  // Throws when row.size() != number of columns or the write fails; the file is flushed to disk.
  void append(const std::vector<CsvCell>& row);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::vector<std::string> columns_;
  CsvTable existing_;
  int fd_ = -1;
  std::mutex mutex_;
};

}  // namespace pmm
