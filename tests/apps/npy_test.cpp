// Tests of apps/common/npy: round trips over shapes (scalars, 0-length dims, rank 3), every dtype
// read from hand-made files, Fortran order, format 2.0/3.0 headers, every corrupt-file error (which
// must name the file), and interchange with NumPy itself when python3-numpy is installed.
#include <pmm/io/npy.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include <pmm/core/error.hpp>
#include "tests/apps/test_files.hpp"
#include "tests/test_helpers.hpp"

using pmm::test::TempDir;

namespace {

// A .npy file made by hand: header dict padded with blanks to a 64-byte boundary, as NumPy does.
std::string npy_file(const std::string& dict, const std::string& data, int major = 1) {
  std::string prefix("\x93NUMPY", 6);
  prefix += static_cast<char>(major);
  prefix += '\0';
  const std::size_t length_bytes = major == 1 ? 2 : 4;
  std::string header = dict;
  while ((prefix.size() + length_bytes + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  for (std::size_t b = 0; b < length_bytes; ++b) prefix += static_cast<char>((header.size() >> (8 * b)) & 0xff);
  return prefix + header + data;
}

std::string dict(const std::string& descr, bool fortran, const std::string& shape) {
  return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape +
         ", }";
}

template <typename T>
std::string bytes_of(const std::vector<T>& values) {
  std::string s(values.size() * sizeof(T), '\0');
  if (!values.empty()) std::memcpy(s.data(), values.data(), s.size());
  return s;
}

// Expects a pmm::Error whose message contains every piece.
template <typename F>
void check_error(F&& f, const std::vector<std::string>& pieces) {
  try {
    f();
    FAIL("expected pmm::Error containing '" << pieces.front() << "'");
  } catch (const pmm::Error& e) {
    const std::string message = e.what();
    for (const auto& piece : pieces) CHECK_MESSAGE(message.find(piece) != std::string::npos, message);
  }
}

template <typename T>
void check_dtype(const TempDir& dir, const std::string& descr) {
  std::vector<T> values = {0, 1, 2, 3, 4, 127};
  if constexpr (std::is_signed_v<T> || std::is_floating_point_v<T>) values[1] = static_cast<T>(-1);
  if constexpr (std::is_floating_point_v<T>) values[2] = static_cast<T>(2.5);
  const std::string path = dir.file("dtype.npy");
  pmm::test::write_bytes(path, npy_file(dict(descr, false, "(2, 3)"), bytes_of(values)));
  const pmm::NpyArray a = pmm::read_npy(path);
  CHECK(a.dtype == descr);
  CHECK(a.shape == std::vector<std::int64_t>{2, 3});
  REQUIRE(a.size() == values.size());
  for (std::size_t i = 0; i < values.size(); ++i) CHECK(a.data[i] == static_cast<double>(values[i]));
  if constexpr (std::is_integral_v<T>) {
    std::vector<std::int64_t> shape;
    const auto ints = pmm::read_npy_int(path, "--tokens", &shape);
    CHECK(shape == std::vector<std::int64_t>{2, 3});
    for (std::size_t i = 0; i < values.size(); ++i) CHECK(ints[i] == static_cast<std::int64_t>(values[i]));
  }
}

}  // namespace

TEST_CASE("npy: write_npy and read_npy round trip over shapes exact to the bit") {
  TempDir dir;
  const std::vector<std::vector<std::int64_t>> shapes = {{}, {0}, {1}, {5}, {3, 4}, {0, 3}, {3, 0}, {2, 0, 3}, {2, 3, 4}};
  for (const auto& shape : shapes) {
    CAPTURE(pmm::format_shape(shape));
    std::size_t count = 1;
    for (auto d : shape) count *= static_cast<std::size_t>(d);
    std::vector<double> data(count);
    for (std::size_t i = 0; i < count; ++i) data[i] = std::ldexp(1.0 / (i + 3.0), static_cast<int>(i % 7) - 3) - 0.3;
    const std::string path = dir.file("a.npy");
    pmm::write_npy(path, data.data(), shape);
    CHECK((pmm::test::read_bytes(path).size() - 8 * count) % 64 == 0);  // data starts 64-aligned
    const pmm::NpyArray a = pmm::read_npy(path);
    CHECK(a.dtype == "<f8");
    CHECK(a.shape == shape);
    CHECK(a.data == data);
  }
  CHECK(dir.entries() == std::vector<std::string>{"a.npy"});
}

TEST_CASE("npy: int64 and int32 round trips keep every integer exact") {
  TempDir dir;
  const std::vector<std::int64_t> big = {std::numeric_limits<std::int64_t>::min(), -1, 0, (std::int64_t{1} << 53) + 1,
                                         std::numeric_limits<std::int64_t>::max(), 42};
  pmm::write_npy_int64(dir.file("i8.npy"), big.data(), {3, 2});
  std::vector<std::int64_t> shape;
  CHECK(pmm::read_npy_int(dir.file("i8.npy"), "", &shape) == big);
  CHECK(shape == std::vector<std::int64_t>{3, 2});
  CHECK(pmm::read_npy(dir.file("i8.npy")).dtype == "<i8");

  const std::vector<std::int32_t> small = {std::numeric_limits<std::int32_t>::min(), 7, std::numeric_limits<std::int32_t>::max()};
  pmm::write_npy_int32(dir.file("i4.npy"), small.data(), {3});
  const auto back = pmm::read_npy_int(dir.file("i4.npy"));
  CHECK(back == std::vector<std::int64_t>(small.begin(), small.end()));
  CHECK(pmm::read_npy(dir.file("i4.npy")).dtype == "<i4");

  pmm::write_npy_int64(dir.file("empty.npy"), nullptr, {0, 5});
  CHECK(pmm::read_npy_int(dir.file("empty.npy"), "", &shape).empty());
  CHECK(shape == std::vector<std::int64_t>{0, 5});
}

TEST_CASE("npy: every supported dtype reads back (hand-made files)") {
  TempDir dir;
  check_dtype<double>(dir, "<f8");
  check_dtype<float>(dir, "<f4");
  check_dtype<std::int64_t>(dir, "<i8");
  check_dtype<std::int32_t>(dir, "<i4");
  check_dtype<std::int16_t>(dir, "<i2");
  check_dtype<std::int8_t>(dir, "|i1");
  check_dtype<std::uint8_t>(dir, "|u1");
  check_dtype<std::uint8_t>(dir, "<u1");
  check_dtype<std::uint16_t>(dir, "<u2");
  check_dtype<std::uint32_t>(dir, "<u4");
  check_dtype<std::uint64_t>(dir, "<u8");

  const std::string path = dir.file("bool.npy");
  pmm::test::write_bytes(path, npy_file(dict("|b1", false, "(3,)"), std::string("\x01\x00\x01", 3)));
  CHECK(pmm::read_npy_int(path) == std::vector<std::int64_t>{1, 0, 1});

  // uint64 beyond int64 is fine as a double but not as an exact integer.
  const std::vector<std::uint64_t> huge = {std::numeric_limits<std::uint64_t>::max()};
  pmm::test::write_bytes(path, npy_file(dict("<u8", false, "(1,)"), bytes_of(huge)));
  CHECK(pmm::read_npy(path).data[0] == 18446744073709551616.0);
  check_error([&] { pmm::read_npy_int(path); }, {path, "does not fit in int64"});
}

TEST_CASE("npy: Fortran order is converted to C order for any rank") {
  TempDir dir;
  // value(i, j, k) = 100 i + 10 j + k stored with i fastest.
  const int n0 = 2, n1 = 3, n2 = 4;
  std::vector<double> fortran;
  std::vector<std::int32_t> fortran_int;
  for (int k = 0; k < n2; ++k)
    for (int j = 0; j < n1; ++j)
      for (int i = 0; i < n0; ++i) {
        fortran.push_back(100 * i + 10 * j + k);
        fortran_int.push_back(100 * i + 10 * j + k);
      }
  const std::string path = dir.file("f.npy");
  pmm::test::write_bytes(path, npy_file(dict("<f8", true, "(2, 3, 4)"), bytes_of(fortran)));
  const auto a = pmm::read_npy(path);
  std::size_t at = 0;
  for (int i = 0; i < n0; ++i)
    for (int j = 0; j < n1; ++j)
      for (int k = 0; k < n2; ++k) CHECK(a.data[at++] == 100 * i + 10 * j + k);

  pmm::test::write_bytes(path, npy_file(dict("<i4", true, "(2, 3, 4)"), bytes_of(fortran_int)));
  const auto ints = pmm::read_npy_int(path);
  at = 0;
  for (int i = 0; i < n0; ++i)
    for (int j = 0; j < n1; ++j)
      for (int k = 0; k < n2; ++k) CHECK(ints[at++] == 100 * i + 10 * j + k);

  // [n = 3, dim = 2] in Fortran order: columns stored one after the other.
  const std::vector<float> columns = {1, 2, 3, 10, 20, 30};
  pmm::test::write_bytes(path, npy_file(dict("<f4", true, "(3, 2)"), bytes_of(columns)));
  const pmm::Batch x = pmm::read_npy_matrix(path, "--data");
  REQUIRE(x.rows() == 2);
  REQUIRE(x.cols() == 3);
  for (int p = 0; p < 3; ++p) {
    CHECK(x(0, p) == p + 1);
    CHECK(x(1, p) == 10 * (p + 1));
  }

  // Fortran order with a 0-length dimension and with rank 1 (the same as C order).
  pmm::test::write_bytes(path, npy_file(dict("<f8", true, "(0, 3)"), ""));
  CHECK(pmm::read_npy(path).data.empty());
  pmm::test::write_bytes(path, npy_file(dict("<f8", true, "(3,)"), bytes_of(std::vector<double>{1, 2, 3})));
  CHECK(pmm::read_npy(path).data == std::vector<double>{1, 2, 3});
}

TEST_CASE("npy: format 2.0 and 3.0 headers and the writer switches to 2.0 for a header over 64 KiB") {
  TempDir dir;
  const std::string path = dir.file("v2.npy");
  const std::vector<double> values = {1.5, -2, 3};
  for (int major : {2, 3}) {
    pmm::test::write_bytes(path, npy_file(dict("<f8", false, "(3,)"), bytes_of(values), major));
    CHECK(pmm::read_npy(path).data == values);
  }
  // A header with double quotes, Python 2 longs, no trailing comma and keys in another order.
  pmm::test::write_bytes(path, npy_file("{\"shape\": (3L,), \"fortran_order\": False, \"descr\": \"<f8\"}",
                                        bytes_of(values)));
  CHECK(pmm::read_npy(path).data == values);

  // 22000 dimensions of length 1 need a header of ~66000 characters: more than format 1.0 holds.
  const std::vector<std::int64_t> shape(22000, 1);
  const double one = 7.25;
  pmm::write_npy(path, &one, shape);
  const std::string bytes = pmm::test::read_bytes(path);
  CHECK(bytes[6] == 2);
  CHECK(bytes.size() % 64 == 8);  // 64-aligned header + one double
  const auto a = pmm::read_npy(path);
  CHECK(a.shape == shape);
  CHECK(a.data == std::vector<double>{7.25});
}

TEST_CASE("npy: read_npy_matrix maps n x dim to a dim x n batch and checks dtype and rank and NaN") {
  TempDir dir;
  const std::string path = dir.file("m.npy");
  const std::vector<double> rows = {1, 2, 3, 4, 5, 6};  // [n = 2, dim = 3]
  pmm::write_npy(path, rows.data(), {2, 3});
  pmm::Batch x = pmm::read_npy_matrix(path, "--data");
  REQUIRE(x.rows() == 3);
  REQUIRE(x.cols() == 2);
  CHECK(x(0, 1) == 4);
  CHECK(x(2, 0) == 3);

  pmm::write_npy(path, rows.data(), {6});
  x = pmm::read_npy_matrix(path, "--data");
  CHECK(x.rows() == 1);
  CHECK(x.cols() == 6);

  pmm::Batch y(2, 3);
  y << 1, 2, 3, 4, 5, 6;
  pmm::write_npy_matrix(path, y);
  CHECK(pmm::read_npy(path).shape == std::vector<std::int64_t>{3, 2});
  CHECK((pmm::read_npy_matrix(path, "--data") == y).all());

  // Integer count arrays (issue 16): int64, int32 and uint8 [n, dim] read as the same numbers, exactly (< 2^53).
  const std::vector<std::int64_t> ints = {0, 2, 5, 0, 7, 1};
  pmm::write_npy_int64(path, ints.data(), {3, 2});
  pmm::Batch counts(2, 3);
  counts << 0, 5, 7, 2, 0, 1;
  CHECK((pmm::read_npy_matrix(path, "--data") == counts).all());
  const std::vector<std::int32_t> ints32(ints.begin(), ints.end());
  pmm::write_npy_int32(path, ints32.data(), {3, 2});
  CHECK((pmm::read_npy_matrix(path, "--data") == counts).all());
  pmm::test::write_bytes(path, npy_file(dict("|u1", false, "(3, 2)"), bytes_of(std::vector<std::uint8_t>{0, 2, 5, 0, 7, 255})));
  counts(1, 2) = 255;
  CHECK((pmm::read_npy_matrix(path, "--data") == counts).all());
  pmm::write_npy(path, rows.data(), {1, 2, 3});
  check_error([&] { pmm::read_npy_matrix(path, "--data"); }, {"--data: " + path, "float64 shape (1, 2, 3)"});
  pmm::write_npy(path, rows.data(), {});
  check_error([&] { pmm::read_npy_matrix(path, "--data"); }, {"--data: " + path, "shape ()"});

  std::vector<double> bad = rows;
  bad[4] = std::numeric_limits<double>::quiet_NaN();
  pmm::write_npy(path, bad.data(), {2, 3});
  check_error([&] { pmm::read_npy_matrix(path, "--data"); }, {"--data: " + path, "nan at row 1 (path), column 1"});
  CHECK(std::isnan(pmm::read_npy_matrix(path, "--data", false)(1, 1)));
  check_error([&] { pmm::require_finite(pmm::read_npy(path), "weights"); }, {"weights: expected finite values, got nan at index 4"});
  bad[4] = -std::numeric_limits<double>::infinity();
  check_error([&] { pmm::require_finite(bad.data(), bad.size(), "x"); }, {"got -inf at index 4"});
}

TEST_CASE("npy: corrupt and unsupported files give pmm::Error naming the file") {
  TempDir dir;
  const std::string path = dir.file("bad.npy");
  const std::vector<double> values = {1, 2, 3};
  const std::string good = npy_file(dict("<f8", false, "(3,)"), bytes_of(values));
  auto with = [&](const std::string& bytes) {
    pmm::test::write_bytes(path, bytes);
    return [&] { pmm::read_npy(path); };
  };

  check_error([&] { pmm::read_npy(dir.file("missing.npy")); }, {dir.file("missing.npy"), "cannot open"});
  check_error([&] { pmm::read_npy(dir.path()); }, {dir.path(), "regular"});
  check_error(with(""), {path, "empty file"});
  check_error(with("PK\x03\x04 this is a zip"), {path, "bad magic"});
  check_error(with(good.substr(0, 4)), {path, "truncated", "magic"});
  check_error(with(good.substr(0, 7)), {path, "truncated", "version"});
  check_error(with(good.substr(0, 9)), {path, "truncated", "header length"});
  check_error(with(good.substr(0, 40)), {path, "truncated", "header"});
  check_error(with(good.substr(0, good.size() - 3)), {path, "truncated", "needs 24 bytes", "has 21"});
  check_error(with(good + "xx"), {path, "size mismatch", "2 extra bytes"});
  check_error(with(npy_file("[1, 2, 3]", "")), {path, "not a Python dict"});
  check_error(with(npy_file("{'descr': '<f8', 'fortran_order': False}", "")), {path, "lacks the key 'shape'"});
  check_error(with(npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'x': 1}", "")),
              {path, "unexpected key 'x'"});
  check_error(with(npy_file(dict("<f8", false, "(3,)") + " junk", "")), {path, "end of the header"});
  check_error(with(npy_file("{'descr': '<f8', 'fortran_order': Maybe, 'shape': (3,)}", "")), {path, "True or False"});
  check_error(with(npy_file(dict("<f8", false, "(3, -1)"), "")), {path, "negative dimension"});
  check_error(with(npy_file(dict("<f8", false, "(a,)"), "")), {path, "dimension"});
  check_error(with(npy_file(dict(">f8", false, "(3,)"), bytes_of(values))), {path, "big-endian dtype '>f8'"});
  check_error(with(npy_file(dict("<c16", false, "(3,)"), "")), {path, "unsupported dtype '<c16'"});
  check_error(with(npy_file(dict("|O", false, "(3,)"), "")), {path, "unsupported dtype '|O'"});
  check_error(with(npy_file(dict("|f8", false, "(3,)"), "")), {path, "unsupported dtype '|f8'"});
  check_error(with(npy_file("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (3,)}", "")),
              {path, "structured dtypes"});
  check_error(with(npy_file(dict("<f8", false, "(99999999999, 99999999999)"), "")), {path, "too large"});
  std::string v4 = good;
  v4[6] = 4;
  check_error(with(v4), {path, "unsupported .npy format version 4.0"});

  pmm::test::write_bytes(path, good);
  check_error([&] { pmm::read_npy_int(path, "--tokens"); }, {"--tokens: " + path, "expected an integer array", "float64"});
  check_error([&] { pmm::write_npy(dir.file("neg.npy"), values.data(), {-3}); }, {dir.file("neg.npy"), "negative"});
  check_error([&] { pmm::write_npy(dir.file("null.npy"), nullptr, {3}); }, {dir.file("null.npy"), "no data"});
  check_error([&] { pmm::write_npy(dir.file("no/such/dir.npy"), values.data(), {3}); },
              {dir.file("no/such/dir.npy"), "cannot create"});
}

TEST_CASE("npy: files written by NumPy read back and NumPy reads ours") {
  if (!pmm::test::have_numpy()) {
    MESSAGE("skipped: /usr/bin/python3 with numpy not found");
    return;
  }
  TempDir dir;
  REQUIRE(pmm::test::run_python(dir, R"(
import numpy as np
for dt in ['f8', 'f4', 'i8', 'i4', 'i2', 'u1', 'i1', 'u2', 'u4']:
    np.save(dt + '.npy', np.arange(24).reshape(2, 3, 4).astype(dt))
np.save('fortran.npy', np.asfortranarray(np.arange(24.0).reshape(2, 3, 4)))
np.save('fortran_i4.npy', np.asfortranarray(np.arange(12, dtype='i4').reshape(3, 4)))
assert np.load('fortran.npy', mmap_mode='r').flags.f_contiguous
np.save('empty.npy', np.zeros((0, 3)))
np.save('scalar.npy', np.float64(2.5))
np.save('bool.npy', np.array([True, False, True]))
np.save('big_endian.npy', np.arange(3.0).astype('>f8'))
np.save('points.npy', np.arange(10.0).reshape(5, 2) / 7)
with open('v2.npy', 'wb') as f:
    np.lib.format.write_array(f, np.arange(6.0).reshape(2, 3), version=(2, 0))
)") == 0);
  for (const char* dt : {"f8", "f4", "i8", "i4", "i2", "u1", "i1", "u2", "u4"}) {
    CAPTURE(dt);
    const auto a = pmm::read_npy(dir.file(std::string(dt) + ".npy"));
    CHECK(a.shape == std::vector<std::int64_t>{2, 3, 4});
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(a.data[i] == static_cast<double>(i));
  }
  const auto f = pmm::read_npy(dir.file("fortran.npy"));
  for (std::size_t i = 0; i < f.size(); ++i) CHECK(f.data[i] == static_cast<double>(i));
  const auto fi = pmm::read_npy_int(dir.file("fortran_i4.npy"));
  for (std::size_t i = 0; i < fi.size(); ++i) CHECK(fi[i] == static_cast<std::int64_t>(i));
  CHECK(pmm::read_npy(dir.file("empty.npy")).shape == std::vector<std::int64_t>{0, 3});
  const auto scalar = pmm::read_npy(dir.file("scalar.npy"));
  CHECK(scalar.shape.empty());
  CHECK(scalar.data == std::vector<double>{2.5});
  CHECK(pmm::read_npy_int(dir.file("bool.npy")) == std::vector<std::int64_t>{1, 0, 1});
  check_error([&] { pmm::read_npy(dir.file("big_endian.npy")); }, {dir.file("big_endian.npy"), "big-endian"});
  const pmm::Batch points = pmm::read_npy_matrix(dir.file("points.npy"), "--data");
  REQUIRE(points.rows() == 2);
  REQUIRE(points.cols() == 5);
  for (int p = 0; p < 5; ++p)
    for (int c = 0; c < 2; ++c) CHECK(points(c, p) == (2 * p + c) / 7.0);
  CHECK(pmm::read_npy(dir.file("v2.npy")).data == std::vector<double>{0, 1, 2, 3, 4, 5});

  // Ours, checked by NumPy: values, dtypes and shapes.
  std::vector<double> sevenths(12);
  for (int i = 0; i < 12; ++i) sevenths[i] = i / 7.0;
  pmm::write_npy(dir.file("ours_f8.npy"), sevenths.data(), {3, 4});
  pmm::write_npy(dir.file("ours_scalar.npy"), sevenths.data() + 1, {});
  pmm::write_npy(dir.file("ours_empty.npy"), nullptr, {2, 0, 3});
  const std::vector<std::int64_t> i8 = {std::numeric_limits<std::int64_t>::min(), -1, (std::int64_t{1} << 53) + 1};
  pmm::write_npy_int64(dir.file("ours_i8.npy"), i8.data(), {3});
  const std::vector<std::int32_t> i4 = {-5, 0, 5, 2147483647};
  pmm::write_npy_int32(dir.file("ours_i4.npy"), i4.data(), {2, 2});
  pmm::Batch x(3, 2);
  x << 1, 2, 3, 4, 5, 6;  // column p is path p
  pmm::write_npy_matrix(dir.file("ours_matrix.npy"), x);
  CHECK(pmm::test::run_python(dir, R"(
import numpy as np
a = np.load('ours_f8.npy')
assert a.dtype == np.float64 and a.shape == (3, 4), a
assert np.array_equal(a, (np.arange(12) / 7.0).reshape(3, 4)), a
s = np.load('ours_scalar.npy')
assert s.shape == () and s == 1 / 7.0, s
assert np.load('ours_empty.npy').shape == (2, 0, 3)
b = np.load('ours_i8.npy')
assert b.dtype == np.int64 and b.tolist() == [-2**63, -1, 2**53 + 1], b
c = np.load('ours_i4.npy')
assert c.dtype == np.int32 and c.tolist() == [[-5, 0], [5, 2147483647]], c
m = np.load('ours_matrix.npy')
assert m.tolist() == [[1, 3, 5], [2, 4, 6]], m
)") == 0);
}

using pmm_test::error_of;

TEST_CASE("npy: an empty shape with a huge other dimension is refused at once (was a hang)") {
  TempDir dir;
  const std::string path = dir.file("empty_huge.npy");
  // (2^62, 0) holds no element but gave read_npy_matrix a 0 x 2^62 batch whose finiteness check looped 2^62 times.
  pmm::test::write_bytes(path, npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 0), }", ""));
  const std::string e = error_of([&] { pmm::read_npy_matrix(path, "--data"); });
  CHECK(e.rfind("--data: " + path + ": shape (4611686018427387904, 0) is empty but", 0) == 0);
  CHECK(error_of([&] { pmm::read_npy(path); }).rfind(path + ": ", 0) == 0);
  // Products that overflow 64 bits, with and without a zero among them.
  pmm::test::write_bytes(path, npy_file("{'descr': '<f8', 'fortran_order': True, 'shape': (4294967296, 4294967297), }", ""));
  CHECK(error_of([&] { pmm::read_npy(path); }).find("is too large") != std::string::npos);
  pmm::test::write_bytes(path, npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 4294967296, 4294967297), }", ""));
  CHECK(error_of([&] { pmm::read_npy(path); }).find("is too large") != std::string::npos);
  // Small empty arrays stay legal.
  pmm::test::write_bytes(path, npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (1000, 0), }", ""));
  CHECK(pmm::read_npy_matrix(path, "--data").cols() == 1000);
}
