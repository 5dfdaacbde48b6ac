// Tests of apps/common/csv: matrices round trip bit for bit (subnormals, huge values, -0, 2^53+1),
// numeric CSV variants (header or not, CRLF, blank lines), errors with file and line, and result
// tables appended across "runs" as pmm-sweep resumes them, including an interrupted last line.
#include <pmm/io/csv.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <thread>

#include <pmm/core/error.hpp>
#include "tests/apps/test_files.hpp"

using pmm::test::read_bytes;
using pmm::test::TempDir;
using pmm::test::write_bytes;

namespace {

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const pmm::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("csv: matrix round trip is exact to the bit") {
  TempDir dir;
  const double values[] = {0.1, 1.0 / 3, -2.5e-300, 5e-324, std::numeric_limits<double>::max(), -0.0,
                           9007199254740993.0, 123456789.123456789, -1e22, 6.02214076e23, 1.0, 0.0};
  pmm::Batch x(3, 4);
  for (int i = 0; i < 12; ++i) x(i % 3, i / 3) = values[i];
  const std::string path = dir.file("x.csv");
  pmm::write_csv_matrix(path, x);
  const std::string text = read_bytes(path);
  CHECK(text.rfind("x0,x1,x2\n", 0) == 0);
  CHECK(std::count(text.begin(), text.end(), '\n') == 5);
  const pmm::Batch y = pmm::read_csv_matrix(path, "--data");
  REQUIRE(y.rows() == 3);
  REQUIRE(y.cols() == 4);
  for (int i = 0; i < 12; ++i) {
    CHECK(y(i % 3, i / 3) == x(i % 3, i / 3));
    CHECK(std::signbit(y(i % 3, i / 3)) == std::signbit(x(i % 3, i / 3)));
  }
  // Non-finite values are written as nan/inf and read back when allowed.
  x(0, 0) = std::numeric_limits<double>::quiet_NaN();
  x(1, 0) = -std::numeric_limits<double>::infinity();
  pmm::write_csv_matrix(path, x);
  const pmm::Batch z = pmm::read_csv_matrix(path, "--data", false);
  CHECK(std::isnan(z(0, 0)));
  CHECK(z(1, 0) == -std::numeric_limits<double>::infinity());
  CHECK(error_of([&] { pmm::read_csv_matrix(path, "--data"); }).rfind("--data: " + path + ":2: column 0: expected a finite number", 0) == 0);
}

TEST_CASE("csv: numeric CSV with or without header and with CRLF and blanks and blank lines") {
  TempDir dir;
  const std::string path = dir.file("in.csv");
  write_bytes(path, "1, 2\r\n\r\n+3 ,-4e-1\r\n 5,6");
  pmm::Batch x = pmm::read_csv_matrix(path, "--data");
  REQUIRE(x.rows() == 2);
  REQUIRE(x.cols() == 3);
  CHECK(x(1, 1) == -0.4);
  CHECK(x(0, 2) == 5);
  write_bytes(path, "a,\"b,c\"\n1,2\n");
  x = pmm::read_csv_matrix(path, "--data");
  CHECK(x.cols() == 1);
  CHECK(x(1, 0) == 2);
  write_bytes(path, "# written by np.savetxt\n1e-3,2\n");
  x = pmm::read_csv_matrix(path, "--data");
  CHECK(x.cols() == 1);
  CHECK(x(0, 0) == 1e-3);
  write_bytes(path, "1,abc\n1,2\n");  // a typo on the first line is not taken for a header
  CHECK(error_of([&] { pmm::read_csv_matrix(path, "--data"); }) ==
        "--data: " + path + ":1: column 1: expected a number, got 'abc'");
  write_bytes(path, "x0,x1,x2\n");  // header only: no points, dim known
  x = pmm::read_csv_matrix(path, "--data");
  CHECK(x.rows() == 3);
  CHECK(x.cols() == 0);

  write_bytes(path, "x0,x1\n1,2\n3\n");
  CHECK(error_of([&] { pmm::read_csv_matrix(path, "--data"); }) ==
        "--data: " + path + ":3: expected 2 fields as on line 1, got 1");
  write_bytes(path, "1,2\n3,abc\n");
  CHECK(error_of([&] { pmm::read_csv_matrix(path, "--data"); }) ==
        "--data: " + path + ":2: column 1: expected a number, got 'abc'");
  write_bytes(path, "\n\n");
  CHECK(error_of([&] { pmm::read_csv_matrix(path, "--data"); }).find("no lines") != std::string::npos);
  write_bytes(path, "\"1,2\n");
  CHECK(error_of([&] { pmm::read_csv_matrix(path, "--data"); }) == "--data: " + path + ":1: unterminated quoted field");
  CHECK(error_of([&] { pmm::read_csv_matrix(dir.file("none.csv"), "--data"); }).find("cannot open") != std::string::npos);
}

TEST_CASE("csv: result table appended across runs and resumed with quoting") {
  TempDir dir;
  const std::string path = dir.file("results.csv");
  const std::vector<std::string> columns = {"solver", "steps", "error", "note"};
  {
    pmm::CsvTableWriter writer(path, columns);
    CHECK(writer.existing().rows.empty());
    writer.append({"euler", 10, 0.1, "plain"});
    writer.append({std::string("heun"), std::int64_t{20}, 1.0 / 3, "has, comma and \"quotes\"\nand a newline"});
  }
  CHECK(read_bytes(path).rfind("solver,steps,error,note\neuler,10,0.1,plain\n", 0) == 0);
  {
    pmm::CsvTableWriter writer(path, columns);  // a resumed run
    const pmm::CsvTable& done = writer.existing();
    REQUIRE(done.rows.size() == 2);
    CHECK(done.cell(1, "note") == "has, comma and \"quotes\"\nand a newline");
    CHECK(done.number(1, "error") == 1.0 / 3);
    CHECK(done.contains({"solver", "steps"}, {"heun", 20}));
    CHECK(!done.contains({"solver", "steps"}, {"heun", 10}));
    CHECK(done.contains({"error"}, {0.1}));
    CHECK(error_of([&] { done.number(0, "solver"); }) == path + ": row 0, column 'solver': expected a number, got 'euler'");
    CHECK(error_of([&] { done.column_index("time"); }) == path + ": no column 'time' (columns: solver, steps, error, note)");
    writer.append({"rk4", 50, std::numeric_limits<double>::quiet_NaN(), ""});
    CHECK(error_of([&] { writer.append({"too", "short"}); }).find("a row of 2 fields, expected 4") != std::string::npos);
  }
  const pmm::CsvTable table = pmm::read_csv_table(path);
  CHECK(table.columns == columns);
  REQUIRE(table.rows.size() == 3);
  CHECK(table.rows[2] == std::vector<std::string>{"rk4", "50", "nan", ""});
  CHECK(std::isnan(table.number(2, "error")));

  // A run killed in the middle of a row: the partial line is cut off when the next run opens.
  const std::string before = read_bytes(path);
  write_bytes(path, before + "rk4,100,0.00");
  {
    pmm::CsvTableWriter writer(path, columns);
    CHECK(writer.existing().rows.size() == 3);
    CHECK(read_bytes(path) == before);
  }
  CHECK(error_of([&] { pmm::CsvTableWriter(path, {"solver", "steps"}); }).rfind(path + ": existing columns (solver, steps, error, note) differ", 0) == 0);

  // write_csv_table / read_csv_table round trip, and a row of the wrong width.
  pmm::write_csv_table(dir.file("copy.csv"), table);
  const pmm::CsvTable copy = pmm::read_csv_table(dir.file("copy.csv"));
  CHECK(copy.rows == table.rows);
  write_bytes(path, "a,b\n1,2\n3\n");
  CHECK(error_of([&] { pmm::read_csv_table(path); }) == path + ":3: expected 2 fields as in the header, got 1");
  write_bytes(path, "a,\"b\"x\n");
  CHECK(error_of([&] { pmm::read_csv_table(path); }) == path + ":1: unexpected text after a closing quote");
}

TEST_CASE("csv: rows appended from several threads stay whole") {
  TempDir dir;
  const std::string path = dir.file("threads.csv");
  {
    pmm::CsvTableWriter writer(path, {"thread", "i", "value"});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&writer, t] {
        for (int i = 0; i < 25; ++i) writer.append({t, i, std::string(100, static_cast<char>('a' + t))});
      });
    for (auto& th : threads) th.join();
  }
  const pmm::CsvTable table = pmm::read_csv_table(path);
  REQUIRE(table.rows.size() == 100);
  for (const auto& row : table.rows) CHECK(row[2] == std::string(100, static_cast<char>('a' + std::stoi(row[0]))));
  CHECK(pmm::csv_line({"a", "b c", ""}) == "a,b c,\n");
}

TEST_CASE("csv: a damaged first data line is refused, not taken for a header") {
  TempDir dir;
  const std::string path = dir.file("in.csv");
  for (const std::string first : {"O.7,2e", "l.5,x", "1.5e,abc", ",", "x.0,x.1"}) {
    write_bytes(path, first + "\n1,2\n3,4\n");
    INFO(first);
    CHECK(error_of([&] { pmm::read_csv_matrix(path, "--data"); })
              .rfind("--data: " + path + ":1: expected numbers or a header of column names", 0) == 0);
  }
  write_bytes(path, "x0, _y\n1,2\n");  // names: a header
  CHECK(pmm::read_csv_matrix(path, "--data").cols() == 1);
}
