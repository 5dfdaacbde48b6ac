// CSV reading and writing. The parser follows RFC 4180 (quoted fields, "" for a quote, CRLF or LF)
// and keeps each record's line number for messages; writers quote only fields that need it.
#include <pmm/io/csv.hpp>

#include <pmm/io/append_whole.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <sstream>
#include <system_error>

#include <pmm/io/atomic_file.hpp>
#include <pmm/io/number_text.hpp>
#include <pmm/core/error.hpp>

namespace pmm {
namespace {

struct Record {
  std::vector<std::string> fields;
  std::size_t line = 0;  // 1-based line where the record starts
  bool blank() const { return fields.size() == 1 && trim(fields[0]).empty(); }
};

std::string error_text(int error_number) { return std::generic_category().message(error_number); }

std::string read_text(const std::string& path, const std::string& context) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error_number = errno;
    throw Error(context + ": cannot open for reading (" + error_text(error_number) + ")");
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Error(context + ": read error");
  return text.str();
}

std::vector<Record> parse_records(const std::string& text, const std::string& context) {
  std::vector<Record> records;
  std::size_t line = 1, i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    Record record;
    record.line = line;
    std::string field;
    bool end_of_record = false;
    while (!end_of_record) {
      field.clear();
      if (i < n && text[i] == '"') {
        const std::size_t quote_line = line;
        ++i;
        for (;;) {
          if (i >= n)
            throw Error(context + ":" + std::to_string(quote_line) + ": unterminated quoted field");
          const char c = text[i++];
          if (c == '"') {
            if (i < n && text[i] == '"') {
              field.push_back('"');
              ++i;
            } else {
              break;
            }
          } else {
            if (c == '\n') ++line;
            field.push_back(c);
          }
        }
        if (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
          throw Error(context + ":" + std::to_string(line) + ": unexpected text after a closing quote");
      } else {
        while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') field.push_back(text[i++]);
      }
      record.fields.push_back(field);
      if (i >= n) {
        end_of_record = true;
      } else if (text[i] == ',') {
        ++i;
      } else {  // '\n', "\r\n" or a lone '\r'
        if (text[i] == '\r') ++i;
        if (i < n && text[i] == '\n') ++i;
        ++line;
        end_of_record = true;
      }
    }
    records.push_back(std::move(record));
  }
  return records;
}

bool no_numbers(const std::vector<std::string>& fields) {
  double ignored;
  for (const auto& f : fields)
    if (parse_double(f, ignored)) return false;
  return true;
}

// A header of a numeric CSV: every field (blanks trimmed, quotes removed) a name that starts with a
// letter or '_' and has no '.' ("x0", "sepal length", "b,c"). A first line that is neither numbers
// nor such names ("O.7,2", "1.5e,x", ",") is a damaged data line, refused rather than dropped.
bool column_names(const std::vector<std::string>& fields) {
  for (const auto& f : fields) {
    const std::string_view name = trim(f);
    if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_') ||
        name.find('.') != std::string_view::npos)
      return false;
  }
  return true;
}

// np.savetxt(..., header=...) writes its header as "# ..." lines.
bool comment(const Record& record) { return trim(record.fields[0]).substr(0, 1) == "#"; }

std::string join_names(const std::vector<std::string>& names) {
  std::string s;
  for (std::size_t i = 0; i < names.size(); ++i) s += (i ? ", " : "") + names[i];
  return s;
}

}  // namespace

// ---- matrices ----

void write_csv_matrix(const std::string& path, const Batch& x) {
  std::string text;
  text.reserve(static_cast<std::size_t>(x.size()) * 24 + 16);
  for (Index c = 0; c < x.rows(); ++c) text += (c ? ",x" : "x") + std::to_string(c);
  text += '\n';
  for (Index p = 0; p < x.cols(); ++p) {
    for (Index c = 0; c < x.rows(); ++c) {
      if (c) text += ',';
      text += format_double_17g(x(c, p));
    }
    text += '\n';
  }
  write_file_atomic(path, text);
}

Batch read_csv_matrix(const std::string& path, const std::string& what, bool finite_only) {
  const std::string context = what.empty() ? path : what + ": " + path;
  const auto records = parse_records(read_text(path, context), context);
  std::vector<const Record*> rows;
  std::size_t dim = 0, dim_line = 0;
  bool first = true;
  for (const auto& record : records) {
    if (record.blank() || comment(record)) continue;
    // A header has no numbers: a first line with some would be data with a typo, reported below.
    if (first && no_numbers(record.fields)) {
      if (!column_names(record.fields))
        throw Error(context + ":" + std::to_string(record.line) +
                    ": expected numbers or a header of column names (each starting with a letter, no '.'), got '" +
                    std::string(trim(record.fields[0])) + (record.fields.size() > 1 ? ",...'" : "'"));
      dim = record.fields.size();
      dim_line = record.line;
      first = false;
      continue;
    }
    if (first) {
      dim = record.fields.size();
      dim_line = record.line;
    }
    first = false;
    if (record.fields.size() != dim)
      throw Error(context + ":" + std::to_string(record.line) + ": expected " + std::to_string(dim) +
                  " fields as on line " + std::to_string(dim_line) + ", got " +
                  std::to_string(record.fields.size()));
    rows.push_back(&record);
  }
  if (first) throw Error(context + ": expected a numeric CSV, the file has no lines");
  Batch x(static_cast<Index>(dim), static_cast<Index>(rows.size()));
  for (std::size_t p = 0; p < rows.size(); ++p) {
    for (std::size_t c = 0; c < dim; ++c) {
      const std::string& field = rows[p]->fields[c];
      double value = 0;
      const std::string where = context + ":" + std::to_string(rows[p]->line) + ": column " + std::to_string(c);
      if (!parse_double(field, value)) throw Error(where + ": expected a number, got '" + field + "'");
      if (finite_only && !std::isfinite(value))
        throw Error(where + ": expected a finite number, got '" + std::string(trim(field)) + "'");
      x(static_cast<Index>(c), static_cast<Index>(p)) = value;
    }
  }
  return x;
}

// ---- tables ----

CsvCell::CsvCell(double x) : text(format_double_shortest(x)) {}

std::size_t CsvTable::column_index(std::string_view name) const {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return i;
  throw Error(source + ": no column '" + std::string(name) + "' (columns: " + join_names(columns) + ")");
}

const std::string& CsvTable::cell(std::size_t row, std::string_view column) const {
  require(row < rows.size(), source,
          "row " + std::to_string(row) + " out of range (" + std::to_string(rows.size()) + " rows)");
  return rows[row][column_index(column)];
}

double CsvTable::number(std::size_t row, std::string_view column) const {
  const std::string& text = cell(row, column);
  double value = 0;
  if (!parse_double(text, value))
    throw Error(source + ": row " + std::to_string(row) + ", column '" + std::string(column) +
                "': expected a number, got '" + text + "'");
  return value;
}

bool CsvTable::contains(const std::vector<std::string>& key_columns, const std::vector<CsvCell>& key) const {
  require(key_columns.size() == key.size(), source, "contains: as many key values as key columns expected");
  std::vector<std::size_t> index;
  for (const auto& name : key_columns) index.push_back(column_index(name));
  for (const auto& row : rows) {
    bool match = true;
    for (std::size_t k = 0; k < index.size() && match; ++k) match = row[index[k]] == key[k].text;
    if (match) return true;
  }
  return false;
}

std::string csv_line(const std::vector<std::string>& fields) {
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) line += ',';
    const std::string& f = fields[i];
    if (f.find_first_of(",\"\r\n") == std::string::npos) {
      line += f;
      continue;
    }
    line += '"';
    for (const char c : f) {
      if (c == '"') line += '"';
      line += c;
    }
    line += '"';
  }
  line += '\n';
  return line;
}

namespace {

CsvTable table_from_text(const std::string& text, const std::string& path) {
  CsvTable table;
  table.source = path;
  const auto records = parse_records(text, path);
  bool have_header = false;
  for (const auto& record : records) {
    if (record.blank()) continue;
    if (!have_header) {
      table.columns = record.fields;
      for (auto& c : table.columns) c = std::string(trim(c));
      have_header = true;
      continue;
    }
    if (record.fields.size() != table.columns.size())
      throw Error(path + ":" + std::to_string(record.line) + ": expected " +
                  std::to_string(table.columns.size()) + " fields as in the header, got " +
                  std::to_string(record.fields.size()));
    table.rows.push_back(record.fields);
  }
  if (!have_header) throw Error(path + ": expected a CSV table with a header line, the file has no lines");
  return table;
}

}  // namespace

CsvTable read_csv_table(const std::string& path) { return table_from_text(read_text(path, path), path); }

void write_csv_table(const std::string& path, const CsvTable& table) {
  std::string text = csv_line(table.columns);
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    if (table.rows[r].size() != table.columns.size())
      throw Error(path + ": row " + std::to_string(r) + " has " + std::to_string(table.rows[r].size()) +
                  " fields, expected " + std::to_string(table.columns.size()));
    text += csv_line(table.rows[r]);
  }
  write_file_atomic(path, text);
}

CsvTableWriter::CsvTableWriter(std::string path, std::vector<std::string> columns)
    : path_(std::move(path)), columns_(std::move(columns)) {
  require(!columns_.empty(), path_, "a result table needs at least one column");
  existing_.source = path_;
  existing_.columns = columns_;
  struct stat info {};
  const bool exists = ::stat(path_.c_str(), &info) == 0;
  std::string text = exists ? read_text(path_, path_) : std::string();
  if (!text.empty() && text.back() != '\n') {
    // Rows are written whole with their '\n': anything after the last '\n' is an interrupted write.
    const auto last = text.find_last_of('\n');
    text.resize(last == std::string::npos ? 0 : last + 1);
    if (::truncate(path_.c_str(), static_cast<off_t>(text.size())) != 0) {
      const int error_number = errno;
      throw Error(path_ + ": cannot cut off an incomplete last line (" + error_text(error_number) + ")");
    }
  }
  bool blank = true;
  for (const char c : text) blank = blank && (c == '\n' || c == '\r' || c == ' ');
  if (blank) {
    write_file_atomic(path_, csv_line(columns_));
  } else {
    existing_ = table_from_text(text, path_);
    if (existing_.columns != columns_)
      throw Error(path_ + ": existing columns (" + join_names(existing_.columns) +
                  ") differ from the expected (" + join_names(columns_) +
                  "); move the file away or choose another output");
  }
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd_ < 0) {
    const int error_number = errno;
    throw Error(path_ + ": cannot open for appending (" + error_text(error_number) + ")");
  }
}

CsvTableWriter::~CsvTableWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void CsvTableWriter::append(const std::vector<CsvCell>& row) {
  if (row.size() != columns_.size())
    throw Error(path_ + ": a row of " + std::to_string(row.size()) + " fields, expected " +
                std::to_string(columns_.size()) + " (" + join_names(columns_) + ")");
  std::vector<std::string> fields;
  fields.reserve(row.size());
  for (const auto& cell : row) fields.push_back(cell.text);
  const std::string line = csv_line(fields);
  std::lock_guard<std::mutex> lock(mutex_);
  append_whole(fd_, line, path_);  // never a partial row, even on a full disk
  if (::fsync(fd_) != 0) {
    const int error_number = errno;
    throw Error(path_ + ": cannot flush a row to disk (" + error_text(error_number) + ")");
  }
}

}  // namespace pmm
