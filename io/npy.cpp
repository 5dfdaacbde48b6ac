// .npy reader and writer. Layout: magic "\x93NUMPY", version (major, minor), header length (uint16
// in 1.0, uint32 in 2.0/3.0), a Python dict literal {'descr', 'fortran_order', 'shape'} padded with
// blanks and '\n' so the data starts on a 64-byte boundary, then the raw little-endian data.
#include <pmm/io/npy.hpp>

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <system_error>

#include <pmm/io/atomic_file.hpp>
#include <pmm/core/error.hpp>

namespace pmm {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "npy.cpp copies little-endian file data straight into memory: port it for big-endian hosts");

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicSize = 6;
constexpr std::size_t kAlign = 64;  // NumPy >= 1.14 aligns the data like this
constexpr const char* kSupported =
    "float64, float32, int64, int32, int16, int8, uint64, uint32, uint16, uint8, bool";

enum class Kind { floating, signed_int, unsigned_int, boolean };

struct DType {
  Kind kind;
  int size;  // bytes per element
  std::string name() const {
    switch (kind) {
      case Kind::floating: return "float" + std::to_string(8 * size);
      case Kind::signed_int: return "int" + std::to_string(8 * size);
      case Kind::unsigned_int: return "uint" + std::to_string(8 * size);
      case Kind::boolean: return "bool";
    }
    return "?";
  }
};

struct Header {
  std::string descr;
  DType type{Kind::floating, 8};
  bool fortran = false;
  std::vector<std::int64_t> shape;
  std::uint64_t count = 1;  // elements
  std::uint64_t data_bytes = 0;
};

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

std::string quote_snippet(const std::string& text, std::size_t from) {
  std::string s = text.substr(from, 40);
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return "'" + s + (text.size() > from + 40 ? "...'" : "'");
}

// The header is written by Python's repr(): a dict of str keys whose values are a str, a bool and a
// tuple of ints. Nothing else is accepted (NumPy's own reader uses ast.literal_eval; this is the
// subset that it writes).
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& context) : text_(text), context_(context) {}

  Header parse() {
    Header header;
    skip_blanks();
    if (!eat('{'))
      throw Error(context_ + ": .npy header is not a Python dict literal: " + quote_snippet(text_, 0));
    bool have_descr = false, have_fortran = false, have_shape = false;
    skip_blanks();
    while (!eat('}')) {
      const std::string key = parse_string("a quoted key");
      skip_blanks();
      expect(':');
      skip_blanks();
      if (key == "descr") {
        check_once(have_descr, key);
        if (peek() == '[')
          throw Error(context_ + ": structured dtypes are not supported (expected one of " +
                      kSupported + ")");
        header.descr = parse_string("a dtype string such as '<f8'");
      } else if (key == "fortran_order") {
        check_once(have_fortran, key);
        header.fortran = parse_bool();
      } else if (key == "shape") {
        check_once(have_shape, key);
        header.shape = parse_shape();
      } else {
        throw Error(context_ + ": .npy header has an unexpected key '" + key +
                    "' (expected descr, fortran_order, shape)");
      }
      skip_blanks();
      if (eat(',')) {
        skip_blanks();
        continue;
      }
      skip_blanks();
      if (peek() != '}') fail("',' or '}'");
    }
    skip_blanks();
    if (pos_ != text_.size()) fail("the end of the header after '}'");
    if (!have_descr) throw Error(context_ + ": .npy header lacks the key 'descr'");
    if (!have_fortran) throw Error(context_ + ": .npy header lacks the key 'fortran_order'");
    if (!have_shape) throw Error(context_ + ": .npy header lacks the key 'shape'");
    return header;
  }

 private:
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  void skip_blanks() {
    while (pos_ < text_.size() && std::strchr(" \t\r\n", text_[pos_]) && text_[pos_] != '\0') ++pos_;
  }
  [[noreturn]] void fail(const std::string& expected) const {
    throw Error(context_ + ": invalid .npy header: expected " + expected + " at offset " +
                std::to_string(pos_) + ", got " +
                (pos_ < text_.size() ? quote_snippet(text_, pos_) : std::string("the end")));
  }
  void expect(char c) {
    if (!eat(c)) fail(std::string("'") + c + "'");
  }
  void check_once(bool& seen, const std::string& key) const {
    if (seen) throw Error(context_ + ": .npy header repeats the key '" + key + "'");
    seen = true;
  }
  std::string parse_string(const std::string& what) {
    const char q = peek();
    if (q != '\'' && q != '"') fail(what);
    ++pos_;
    const auto end = text_.find(q, pos_);
    if (end == std::string::npos) fail("a closing quote");
    std::string s = text_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return s;
  }
  bool parse_bool() {
    if (text_.compare(pos_, 4, "True") == 0) {
      pos_ += 4;
      return true;
    }
    if (text_.compare(pos_, 5, "False") == 0) {
      pos_ += 5;
      return false;
    }
    fail("True or False");
  }
  std::vector<std::int64_t> parse_shape() {
    std::vector<std::int64_t> shape;
    expect('(');
    skip_blanks();
    while (!eat(')')) {
      const std::size_t start = pos_;
      if (peek() == '-') ++pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      if (pos_ == start || (pos_ == start + 1 && text_[start] == '-')) {
        pos_ = start;
        fail("a dimension (non-negative integer)");
      }
      std::int64_t dim = 0;
      try {
        dim = std::stoll(text_.substr(start, pos_ - start));
      } catch (const std::exception&) {
        pos_ = start;
        fail("a dimension that fits in int64");
      }
      if (dim < 0)
        throw Error(context_ + ": .npy header has a negative dimension " + std::to_string(dim) +
                    " in its shape");
      eat('L');  // Python 2 longs: "(3L, 4L)"
      shape.push_back(dim);
      skip_blanks();
      if (eat(',')) {
        skip_blanks();
        continue;
      }
      if (peek() != ')') fail("',' or ')' in the shape");
    }
    return shape;
  }

  const std::string& text_;
  const std::string& context_;
  std::size_t pos_ = 0;
};

DType parse_descr(const std::string& descr, const std::string& context) {
  std::string body = descr;
  if (!body.empty() && std::strchr("<>|=", body[0])) {
    if (body[0] == '>')
      throw Error(context + ": big-endian dtype '" + descr +
                  "' is not supported; save it little-endian, e.g. np.save(path, a.astype(a.dtype."
                  "newbyteorder('<')))");
    body = body.substr(1);
  }
  struct Known {
    const char* code;
    DType type;
  };
  static const Known known[] = {
      {"f8", {Kind::floating, 8}},      {"f4", {Kind::floating, 4}},      {"i8", {Kind::signed_int, 8}},
      {"i4", {Kind::signed_int, 4}},    {"i2", {Kind::signed_int, 2}},    {"i1", {Kind::signed_int, 1}},
      {"u8", {Kind::unsigned_int, 8}},  {"u4", {Kind::unsigned_int, 4}},  {"u2", {Kind::unsigned_int, 2}},
      {"u1", {Kind::unsigned_int, 1}},  {"b1", {Kind::boolean, 1}},
  };
  for (const auto& k : known)
    if (body == k.code) {
      // '|' means "byte order not applicable": only right for one-byte types.
      if (descr[0] == '|' && k.type.size != 1) break;
      return k.type;
    }
  throw Error(context + ": unsupported dtype '" + descr + "' (expected one of " + kSupported +
              ", little endian)");
}

// Reads and checks the header of the .npy image in file (file_size bytes, positioned at its start):
// magic, version, the header dict, and the shape: the product of the dimensions must fit in 64 bits,
// and in an empty array the product of the non-zero ones (a loop bound for consumers that walk rows
// or columns) must stay below kMaxEmptyExtent. The dtype is not looked at. Returns the data offset.
constexpr std::uint64_t kMaxEmptyExtent = std::uint64_t{1} << 24;

std::uint64_t read_header_fields(std::FILE* file, std::uint64_t file_size, const std::string& context,
                                 Header& header) {
  auto read_exact = [&](void* dst, std::size_t n, const char* part) {
    if (std::fread(dst, 1, n, file) != n)
      throw Error(context + ": truncated .npy file (" + std::to_string(file_size) +
                  " bytes, ends inside the " + part + ")");
  };

  char magic[kMagicSize] = {};
  const std::size_t got = std::fread(magic, 1, kMagicSize, file);
  if (got == 0) throw Error(context + ": empty file, expected a NumPy .npy file");
  if (std::memcmp(magic, kMagic, got) != 0)
    throw Error(context + ": not a NumPy .npy file (bad magic bytes; expected \\x93NUMPY)");
  if (got < kMagicSize)
    throw Error(context + ": truncated .npy file (" + std::to_string(file_size) +
                " bytes, ends inside the magic string)");

  unsigned char version[2];
  read_exact(version, 2, "version");
  std::uint64_t header_size = 0;
  std::uint64_t prefix = kMagicSize + 2;
  if (version[0] == 1) {
    unsigned char len[2];
    read_exact(len, 2, "header length");
    header_size = len[0] | (std::uint64_t{len[1]} << 8);
    prefix += 2;
  } else if (version[0] == 2 || version[0] == 3) {
    unsigned char len[4];
    read_exact(len, 4, "header length");
    header_size = len[0] | (std::uint64_t{len[1]} << 8) | (std::uint64_t{len[2]} << 16) |
                  (std::uint64_t{len[3]} << 24);
    prefix += 4;
  } else {
    throw Error(context + ": unsupported .npy format version " + std::to_string(version[0]) + "." +
                std::to_string(version[1]) + " (expected 1.0, 2.0 or 3.0)");
  }
  if (prefix + header_size > file_size)
    throw Error(context + ": truncated .npy file (" + std::to_string(file_size) +
                " bytes, ends inside the header of " + std::to_string(header_size) + " bytes)");
  std::string text(header_size, '\0');
  read_exact(text.data(), header_size, "header");

  header = HeaderParser(text, context).parse();

  // Checked before anything is allocated or looped over: (2^62, 0) has 0 elements but 2^62 rows.
  std::uint64_t count = 1, extent = 1;
  for (const auto dim : header.shape) {
    if (__builtin_mul_overflow(count, static_cast<std::uint64_t>(dim), &count) ||
        (dim != 0 && __builtin_mul_overflow(extent, static_cast<std::uint64_t>(dim), &extent)) ||
        extent > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      throw Error(context + ": shape " + format_shape(header.shape) + " is too large");
  }
  if (count == 0 && extent > kMaxEmptyExtent)
    throw Error(context + ": shape " + format_shape(header.shape) +
                " is empty but its other dimensions multiply to " + std::to_string(extent) +
                " (more than 2^24): refused as a corrupt header");
  header.count = count;
  return prefix + header_size;
}

// Checks the dtype and that the data size matches the shape (file_size - offset bytes follow).
void check_data_size(Header& header, std::uint64_t file_size, std::uint64_t offset, const std::string& context) {
  header.type = parse_descr(header.descr, context);
  if (__builtin_mul_overflow(header.count, static_cast<std::uint64_t>(header.type.size), &header.data_bytes) ||
      header.data_bytes > std::numeric_limits<std::size_t>::max() / 2)
    throw Error(context + ": shape " + format_shape(header.shape) + " is too large");

  const std::uint64_t available = file_size - offset;
  const std::string described = "shape " + format_shape(header.shape) + " of " + header.type.name() +
                                " needs " + std::to_string(header.data_bytes) + " bytes of data";
  if (available < header.data_bytes)
    throw Error(context + ": truncated .npy file: " + described + ", the file has " +
                std::to_string(available));
  if (available > header.data_bytes)
    throw Error(context + ": size mismatch: " + described + ", the file has " +
                std::to_string(available) + " (" + std::to_string(available - header.data_bytes) +
                " extra bytes)");
}

// Opens the file, reads and checks the header, and checks that the data size matches the shape.
// Leaves the file positioned at the first data byte.
File open_npy(const std::string& path, const std::string& context, Header& header) {
  File file(std::fopen(path.c_str(), "rb"));
  if (!file) {
    const int error_number = errno;
    throw Error(context + ": cannot open for reading (" +
                std::generic_category().message(error_number) + ")");
  }
  struct stat info {};
  if (::fstat(::fileno(file.get()), &info) != 0 || !S_ISREG(info.st_mode))
    throw Error(context + ": expected a regular .npy file");
  const auto file_size = static_cast<std::uint64_t>(info.st_size);
  const std::uint64_t offset = read_header_fields(file.get(), file_size, context, header);
  check_data_size(header, file_size, offset, context);
  return file;
}

// A read-only FILE over bytes in memory (a .npz member), so that the file reader serves both.
File open_memory(const void* data, std::size_t size, const std::string& context) {
  if (size == 0) throw Error(context + ": empty file, expected a NumPy .npy file");
  File file(::fmemopen(const_cast<void*>(data), size, "rb"));
  if (!file) throw Error(context + ": cannot read the member (" + std::generic_category().message(errno) + ")");
  return file;
}

void read_bytes(std::FILE* file, void* dst, std::uint64_t n, const std::string& context) {
  if (n > 0 && std::fread(dst, 1, n, file) != n)
    throw Error(context + ": read error in the data section");
}

template <typename From, typename To>
void convert(const unsigned char* src, std::uint64_t count, To* dst) {
  for (std::uint64_t i = 0; i < count; ++i) {
    From v;
    std::memcpy(&v, src + i * sizeof(From), sizeof(From));
    dst[i] = static_cast<To>(v);
  }
}

// Reads the data section into dst (header.count values, stored order), converting to double.
void read_as_double(std::FILE* file, const Header& h, double* dst, const std::string& context) {
  if (h.type.kind == Kind::floating && h.type.size == 8) {
    read_bytes(file, dst, h.data_bytes, context);
    return;
  }
  std::vector<unsigned char> raw(h.data_bytes);
  read_bytes(file, raw.data(), h.data_bytes, context);
  const unsigned char* p = raw.data();
  switch (h.type.kind) {
    case Kind::floating: convert<float>(p, h.count, dst); break;
    case Kind::boolean: convert<std::uint8_t>(p, h.count, dst); break;
    case Kind::signed_int:
      switch (h.type.size) {
        case 1: convert<std::int8_t>(p, h.count, dst); break;
        case 2: convert<std::int16_t>(p, h.count, dst); break;
        case 4: convert<std::int32_t>(p, h.count, dst); break;
        default: convert<std::int64_t>(p, h.count, dst); break;
      }
      break;
    case Kind::unsigned_int:
      switch (h.type.size) {
        case 1: convert<std::uint8_t>(p, h.count, dst); break;
        case 2: convert<std::uint16_t>(p, h.count, dst); break;
        case 4: convert<std::uint32_t>(p, h.count, dst); break;
        default: convert<std::uint64_t>(p, h.count, dst); break;
      }
      break;
  }
}

// Fortran order stores the first index fastest; walk the C-order index and track the Fortran offset.
template <typename T>
std::vector<T> fortran_to_c(const std::vector<T>& f, const std::vector<std::int64_t>& shape) {
  if (shape.size() < 2 || f.empty()) return f;
  const std::size_t rank = shape.size();
  std::vector<std::uint64_t> stride(rank, 1);
  for (std::size_t j = 1; j < rank; ++j) stride[j] = stride[j - 1] * static_cast<std::uint64_t>(shape[j - 1]);
  std::vector<std::int64_t> index(rank, 0);
  std::vector<T> c(f.size());
  std::uint64_t offset = 0;
  for (std::size_t i = 0; i < c.size(); ++i) {
    c[i] = f[offset];
    for (std::size_t j = rank; j-- > 0;) {
      if (++index[j] < shape[j]) {
        offset += stride[j];
        break;
      }
      offset -= stride[j] * static_cast<std::uint64_t>(index[j] - 1);
      index[j] = 0;
    }
  }
  return c;
}

std::string with_what(const std::string& what, const std::string& path) {
  return what.empty() ? path : what + ": " + path;
}

std::string value_text(double x) {
  if (std::isnan(x)) return "nan";
  return x > 0 ? "inf" : "-inf";
}

std::string header_text(const char* descr, const std::vector<std::int64_t>& shape, int& major) {
  std::string dict = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " +
                     format_shape(shape) + ", }";
  major = 1;
  std::size_t prefix = kMagicSize + 2 + 2;
  auto padded = [&] {
    const std::size_t unpadded = prefix + dict.size() + 1;  // + '\n'
    return dict.size() + (kAlign - unpadded % kAlign) % kAlign + 1;
  };
  if (padded() > 0xffff) {
    major = 2;
    prefix = kMagicSize + 2 + 4;
  }
  const std::size_t total = padded();
  dict.resize(total - 1, ' ');
  dict.push_back('\n');
  return dict;
}

void write_npy_bytes(const std::string& path, const void* data, std::size_t element_size,
                     const char* descr, const std::vector<std::int64_t>& shape) {
  std::uint64_t count = 1;
  for (const auto dim : shape) {
    if (dim < 0) throw Error(path + ": cannot write shape " + format_shape(shape) + ": negative dimension");
    if (__builtin_mul_overflow(count, static_cast<std::uint64_t>(dim), &count))
      throw Error(path + ": cannot write shape " + format_shape(shape) + ": too large");
  }
  require(count == 0 || data != nullptr, path, "no data given for shape " + format_shape(shape));
  int major = 1;
  const std::string header = header_text(descr, shape, major);
  std::string prefix(kMagic, kMagicSize);
  prefix.push_back(static_cast<char>(major));
  prefix.push_back('\0');
  const std::size_t n = header.size();
  const int length_bytes = major == 1 ? 2 : 4;
  for (int b = 0; b < length_bytes; ++b) prefix.push_back(static_cast<char>((n >> (8 * b)) & 0xff));

  AtomicFile file(path);
  file.write(prefix);
  file.write(header);
  file.write(data, static_cast<std::size_t>(count) * element_size);
  file.commit();
}

}  // namespace

std::string format_shape(const std::vector<std::int64_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

namespace {
// The data of a checked header, converted to double in C order.
NpyArray read_array(std::FILE* file, const Header& h, const std::string& context) {
  NpyArray array;
  array.shape = h.shape;
  array.dtype = h.descr;
  array.data.resize(h.count);
  read_as_double(file, h, array.data.data(), context);
  if (h.fortran) array.data = fortran_to_c(array.data, h.shape);
  return array;
}
}  // namespace

NpyArray read_npy(const std::string& path) {
  Header h;
  File file = open_npy(path, path, h);
  return read_array(file.get(), h, path);
}

NpyArray read_npy_memory(const void* data, std::size_t size, const std::string& context) {
  File file = open_memory(data, size, context);
  Header h;
  const std::uint64_t offset = read_header_fields(file.get(), size, context, h);
  check_data_size(h, size, offset, context);
  return read_array(file.get(), h, context);
}

NpyHeader read_npy_header_memory(const void* data, std::size_t size, const std::string& context) {
  File file = open_memory(data, size, context);
  Header h;
  const std::uint64_t offset = read_header_fields(file.get(), size, context, h);
  return {h.descr, h.fortran, h.shape, h.count, static_cast<std::size_t>(offset)};
}

Batch read_npy_matrix(const std::string& path, const std::string& what, bool finite_only) {
  const std::string context = with_what(what, path);
  Header h;
  File file = open_npy(path, context, h);
  // Any supported dtype: integer and bool arrays (counts, binary images) are converted to double.
  if (h.shape.empty() || h.shape.size() > 2)
    throw Error(context + ": expected an array of 1 or 2 dimensions [n, dim], got " + h.type.name() + " shape " +
                format_shape(h.shape));
  const Index n = h.shape[0];
  const Index dim = h.shape.size() == 2 ? h.shape[1] : 1;
  Batch x(dim, n);
  // A C-order [n, dim] array is the column-major dim x n batch byte for byte.
  if (h.fortran && h.shape.size() == 2) {
    std::vector<double> f(h.count);
    read_as_double(file.get(), h, f.data(), context);
    const auto c = fortran_to_c(f, h.shape);
    std::copy(c.begin(), c.end(), x.data());
  } else {
    read_as_double(file.get(), h, x.data(), context);
  }
  if (finite_only) require_finite(x, context);
  return x;
}

std::vector<std::int64_t> read_npy_int(const std::string& path, const std::string& what,
                                       std::vector<std::int64_t>* shape) {
  const std::string context = with_what(what, path);
  Header h;
  File file = open_npy(path, context, h);
  if (h.type.kind == Kind::floating)
    throw Error(context + ": expected an integer array (int64, int32, int16, int8, uint8, ...), got " +
                h.type.name() + " shape " + format_shape(h.shape));
  std::vector<unsigned char> raw(h.data_bytes);
  read_bytes(file.get(), raw.data(), h.data_bytes, context);
  std::vector<std::int64_t> values(h.count);
  const unsigned char* p = raw.data();
  auto* dst = values.data();
  switch (h.type.size) {
    case 1:
      if (h.type.kind == Kind::signed_int) convert<std::int8_t>(p, h.count, dst);
      else convert<std::uint8_t>(p, h.count, dst);
      break;
    case 2:
      if (h.type.kind == Kind::signed_int) convert<std::int16_t>(p, h.count, dst);
      else convert<std::uint16_t>(p, h.count, dst);
      break;
    case 4:
      if (h.type.kind == Kind::signed_int) convert<std::int32_t>(p, h.count, dst);
      else convert<std::uint32_t>(p, h.count, dst);
      break;
    default:
      if (h.type.kind == Kind::unsigned_int) {
        for (std::uint64_t i = 0; i < h.count; ++i) {
          std::uint64_t v;
          std::memcpy(&v, p + 8 * i, 8);
          if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            throw Error(context + ": value " + std::to_string(v) + " at index " + std::to_string(i) +
                        " does not fit in int64");
          dst[i] = static_cast<std::int64_t>(v);
        }
      } else {
        convert<std::int64_t>(p, h.count, dst);
      }
      break;
  }
  if (h.fortran) values = fortran_to_c(values, h.shape);
  if (shape) *shape = h.shape;
  return values;
}

void write_npy(const std::string& path, const double* data, const std::vector<std::int64_t>& shape) {
  write_npy_bytes(path, data, sizeof(double), "<f8", shape);
}

void write_npy_int64(const std::string& path, const std::int64_t* data,
                     const std::vector<std::int64_t>& shape) {
  write_npy_bytes(path, data, sizeof(std::int64_t), "<i8", shape);
}

void write_npy_int32(const std::string& path, const std::int32_t* data,
                     const std::vector<std::int64_t>& shape) {
  write_npy_bytes(path, data, sizeof(std::int32_t), "<i4", shape);
}

void write_npy_matrix(const std::string& path, const Batch& x) {
  write_npy(path, x.data(), {static_cast<std::int64_t>(x.cols()), static_cast<std::int64_t>(x.rows())});
}

void require_finite(const double* data, std::size_t count, const std::string& what) {
  for (std::size_t i = 0; i < count; ++i)
    if (!std::isfinite(data[i]))
      throw Error(what + ": expected finite values, got " + value_text(data[i]) + " at index " +
                  std::to_string(i));
}

void require_finite(const NpyArray& array, const std::string& what) {
  require_finite(array.data.data(), array.data.size(), what);
}

void require_finite(const Batch& x, const std::string& what) {
  for (Index path = 0; path < x.cols(); ++path)
    for (Index coord = 0; coord < x.rows(); ++coord)
      if (!std::isfinite(x(coord, path)))
        throw Error(what + ": expected finite values, got " + value_text(x(coord, path)) + " at row " +
                    std::to_string(path) + " (path), column " + std::to_string(coord) + " (coordinate)");
}

}  // namespace pmm
