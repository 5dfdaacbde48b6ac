// FID from feature statistics and .npz reference files. The .npz reader parses the zip central directory (zip64
// extra fields included), inflates deflated members with a small RFC 1951 decoder (canonical Huffman codes read
// bit by bit, as zlib's puff.c), checks CRC-32 (polynomial 0xEDB88320), and parses each .npy header.
#include "validation/fid.hpp"

#include <unistd.h>

#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include <pmm/core/error.hpp>

namespace pmm {
namespace {

using Bytes = std::vector<std::uint8_t>;

// ---- CRC-32 ----
std::uint32_t crc32(const std::uint8_t* p, std::size_t n) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < n; ++i) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

// ---- inflate (RFC 1951) ----
class Inflater {
 public:
  Inflater(const std::uint8_t* in, std::size_t n, std::string where) : in_(in), n_(n), where_(std::move(where)) {}

  Bytes run(std::size_t expected) {
    out_.reserve(expected);
    int last;
    do {
      last = bits(1);
      const int type = bits(2);
      if (type == 0) stored();
      else if (type == 1) fixed();
      else if (type == 2) dynamic();
      else fail("invalid block type 3");
    } while (!last);
    return std::move(out_);
  }

 private:
  struct Huffman {
    std::array<short, 16> count{};
    std::vector<short> symbol;
  };

  [[noreturn]] void fail(const std::string& what) const { throw Error(where_ + ": corrupt deflate data (" + what + ")"); }

  int bits(int need) {
    std::uint32_t val = bitbuf_;
    while (bitcnt_ < need) {
      if (pos_ >= n_) fail("unexpected end of input");
      val |= static_cast<std::uint32_t>(in_[pos_++]) << bitcnt_;
      bitcnt_ += 8;
    }
    bitbuf_ = need < 32 ? val >> need : 0;
    bitcnt_ -= need;
    return static_cast<int>(val & ((1u << need) - 1));
  }

  void stored() {
    bitbuf_ = 0;
    bitcnt_ = 0;
    if (pos_ + 4 > n_) fail("stored block header cut off");
    const unsigned len = in_[pos_] | (in_[pos_ + 1] << 8);
    const unsigned nlen = in_[pos_ + 2] | (in_[pos_ + 3] << 8);
    if (len != (~nlen & 0xFFFFu)) fail("stored block length check");
    pos_ += 4;
    if (pos_ + len > n_) fail("stored block cut off");
    out_.insert(out_.end(), in_ + pos_, in_ + pos_ + len);
    pos_ += len;
  }

  // Canonical code from code lengths; an incomplete code is allowed only as puff allows it (single-length codes).
  Huffman build(const short* length, int n) {
    Huffman h;
    h.symbol.assign(static_cast<size_t>(n), 0);
    for (int s = 0; s < n; ++s) h.count[length[s]]++;
    if (h.count[0] == n) return h;
    int left = 1;
    for (int len = 1; len < 16; ++len) {
      left <<= 1;
      left -= h.count[len];
      if (left < 0) fail("over-subscribed code");
    }
    std::array<short, 16> offs{};
    for (int len = 1; len < 15; ++len) offs[len + 1] = static_cast<short>(offs[len] + h.count[len]);
    for (int s = 0; s < n; ++s)
      if (length[s] != 0) h.symbol[offs[length[s]]++] = static_cast<short>(s);
    return h;
  }

  int decode(const Huffman& h) {
    int code = 0, first = 0, index = 0;
    for (int len = 1; len < 16; ++len) {
      code |= bits(1);
      const int count = h.count[len];
      if (code - count < first) return h.symbol[index + (code - first)];
      index += count;
      first += count;
      first <<= 1;
      code <<= 1;
    }
    fail("invalid Huffman code");
  }

  void codes(const Huffman& lencode, const Huffman& distcode) {
    static const short lbase[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                    31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
    static const short lext[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
    static const int dbase[30] = {1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
                                  193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
    static const short dext[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
    for (;;) {
      int symbol = decode(lencode);
      if (symbol < 256) {
        out_.push_back(static_cast<std::uint8_t>(symbol));
      } else if (symbol == 256) {
        return;
      } else {
        symbol -= 257;
        if (symbol >= 29) fail("invalid length symbol");
        const int len = lbase[symbol] + bits(lext[symbol]);
        const int dsym = decode(distcode);
        if (dsym < 0 || dsym >= 30) fail("invalid distance symbol");
        const std::size_t dist = static_cast<std::size_t>(dbase[dsym] + bits(dext[dsym]));
        if (dist > out_.size()) fail("distance too far back");
        const std::size_t from = out_.size() - dist;
        for (int i = 0; i < len; ++i) out_.push_back(out_[from + static_cast<std::size_t>(i)]);
      }
    }
  }

  void fixed() {
    static const auto tables = [] {
      std::array<short, 288> l{};
      for (int s = 0; s < 144; ++s) l[s] = 8;
      for (int s = 144; s < 256; ++s) l[s] = 9;
      for (int s = 256; s < 280; ++s) l[s] = 7;
      for (int s = 280; s < 288; ++s) l[s] = 8;
      std::array<short, 30> d{};
      d.fill(5);
      return std::make_pair(l, d);
    }();
    const Huffman lencode = build(tables.first.data(), 288), distcode = build(tables.second.data(), 30);
    codes(lencode, distcode);
  }

  void dynamic() {
    static const short order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    const int nlen = bits(5) + 257, ndist = bits(5) + 1, ncode = bits(4) + 4;
    if (nlen > 286 || ndist > 30) fail("bad code counts");
    std::array<short, 320> lengths{};
    for (int i = 0; i < ncode; ++i) lengths[order[i]] = static_cast<short>(bits(3));
    const Huffman lencode0 = build(lengths.data(), 19);
    int index = 0;
    while (index < nlen + ndist) {
      int symbol = decode(lencode0);
      if (symbol < 16) {
        lengths[index++] = static_cast<short>(symbol);
      } else {
        short len = 0;
        int repeat;
        if (symbol == 16) {
          if (index == 0) fail("repeat with no first length");
          len = lengths[index - 1];
          repeat = 3 + bits(2);
        } else if (symbol == 17) {
          repeat = 3 + bits(3);
        } else {
          repeat = 11 + bits(7);
        }
        if (index + repeat > nlen + ndist) fail("too many lengths");
        while (repeat--) lengths[index++] = len;
      }
    }
    if (lengths[256] == 0) fail("no end-of-block code");
    const Huffman lencode = build(lengths.data(), nlen), distcode = build(lengths.data() + nlen, ndist);
    codes(lencode, distcode);
  }

  const std::uint8_t* in_;
  std::size_t n_, pos_ = 0;
  std::uint32_t bitbuf_ = 0;
  int bitcnt_ = 0;
  std::string where_;
  Bytes out_;
};

// ---- little-endian helpers ----
std::uint64_t le(const std::uint8_t* p, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
void put(Bytes& b, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  require(in.good(), path, "cannot open for reading");
  std::ostringstream s;
  s << in.rdbuf();
  const std::string text = s.str();
  return Bytes(text.begin(), text.end());
}

void write_file_atomic(const std::string& path, const Bytes& bytes) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    require(out.good(), path, "cannot create (does the directory exist?)");
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out.good()) {
      std::remove(tmp.c_str());
      throw Error(path + ": write failed");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw Error(path + ": cannot rename the temporary file into place");
  }
}

// ---- .npy from memory ----
std::string header_value(const std::string& header, const std::string& key, const std::string& where) {
  const auto k = header.find("'" + key + "'");
  require(k != std::string::npos, where, "npy header has no '" + key + "'");
  auto colon = header.find(':', k);
  require(colon != std::string::npos, where, "malformed npy header");
  ++colon;
  while (colon < header.size() && header[colon] == ' ') ++colon;
  if (header[colon] == '\'') {
    const auto end = header.find('\'', colon + 1);
    return header.substr(colon + 1, end - colon - 1);
  }
  if (header[colon] == '(') return header.substr(colon, header.find(')', colon) - colon + 1);
  const auto end = header.find_first_of(",}", colon);
  return header.substr(colon, end - colon);
}

NpzArray parse_npy(const std::uint8_t* p, std::size_t n, const std::string& where) {
  require(n >= 10 && std::memcmp(p, "\x93NUMPY", 6) == 0, where, "not a .npy array (bad magic)");
  const int major = p[6];
  require(major >= 1 && major <= 3, where, fmt::format("unsupported .npy version {}", major));
  const std::size_t hlen = major == 1 ? le(p + 8, 2) : le(p + 8, 4);
  const std::size_t start = (major == 1 ? 10 : 12) + hlen;
  require(start <= n, where, "npy header cut off");
  const std::string header(reinterpret_cast<const char*>(p) + (major == 1 ? 10 : 12), hlen);
  NpzArray a;
  a.dtype = header_value(header, "descr", where);
  const bool fortran = header_value(header, "fortran_order", where).find("True") != std::string::npos;
  const std::string shape = header_value(header, "shape", where);
  std::int64_t count = 1;
  for (std::size_t i = 1; i < shape.size();) {
    while (i < shape.size() && !std::isdigit(static_cast<unsigned char>(shape[i]))) ++i;
    if (i >= shape.size()) break;
    std::size_t j = i;
    while (j < shape.size() && std::isdigit(static_cast<unsigned char>(shape[j]))) ++j;
    a.shape.push_back(std::stoll(shape.substr(i, j - i)));
    count *= a.shape.back();
    i = j;
  }
  require(a.dtype.size() >= 3, where, "unsupported dtype '" + a.dtype + "'");
  const char order = a.dtype[0], kind = a.dtype[1];
  const int size = std::stoi(a.dtype.substr(2));
  require(order != '>' || size == 1, where, "big-endian arrays are not supported ('" + a.dtype + "')");
  const std::uint8_t* d = p + start;
  const std::size_t avail = n - start;
  if (kind == 'U' || kind == 'S') {
    const std::size_t item = kind == 'U' ? 4u * static_cast<std::size_t>(size) : static_cast<std::size_t>(size);
    require(avail >= item * static_cast<std::size_t>(count), where, "array data cut off");
    for (std::int64_t e = 0; e < count; ++e) {
      std::string s;
      for (int c = 0; c < size; ++c) {
        const std::uint32_t cp = kind == 'U' ? static_cast<std::uint32_t>(le(d + item * e + 4 * c, 4)) : d[item * e + c];
        if (cp == 0) break;
        if (cp < 0x80) s += static_cast<char>(cp);
        else if (cp < 0x800) s += {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
        else if (cp < 0x10000)
          s += {static_cast<char>(0xE0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
                static_cast<char>(0x80 | (cp & 0x3F))};
        else
          s += {static_cast<char>(0xF0 | (cp >> 18)), static_cast<char>(0x80 | ((cp >> 12) & 0x3F)),
                static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), static_cast<char>(0x80 | (cp & 0x3F))};
      }
      a.text.push_back(s);
    }
    return a;
  }
  require(avail >= static_cast<std::size_t>(size) * static_cast<std::size_t>(count), where, "array data cut off");
  std::vector<double> v(static_cast<std::size_t>(count));
  for (std::int64_t e = 0; e < count; ++e) {
    const std::uint8_t* q = d + static_cast<std::size_t>(size) * static_cast<std::size_t>(e);
    double x;
    if (kind == 'f' && size == 8) {
      std::memcpy(&x, q, 8);
    } else if (kind == 'f' && size == 4) {
      float f;
      std::memcpy(&f, q, 4);
      x = f;
    } else if (kind == 'i') {
      const std::uint64_t raw = le(q, size);
      const int shift = 64 - 8 * size;
      x = static_cast<double>(static_cast<std::int64_t>(raw << shift) >> shift);
    } else if (kind == 'u' || kind == 'b') {
      x = static_cast<double>(le(q, size));
    } else {
      throw Error(where + ": unsupported dtype '" + a.dtype + "'");
    }
    v[static_cast<std::size_t>(e)] = x;
  }
  if (fortran && a.shape.size() >= 2) {
    // Reverse the axis order: element at Fortran index maps to C index.
    a.data.resize(v.size());
    const int r = static_cast<int>(a.shape.size());
    std::vector<std::int64_t> idx(static_cast<size_t>(r), 0);
    for (std::size_t f = 0; f < v.size(); ++f) {
      std::int64_t c = 0;
      for (int k = 0; k < r; ++k) c = c * a.shape[static_cast<size_t>(k)] + idx[static_cast<size_t>(k)];
      a.data[static_cast<std::size_t>(c)] = v[f];
      for (int k = 0; k < r; ++k) {  // Fortran order: first index fastest
        if (++idx[static_cast<size_t>(k)] < a.shape[static_cast<size_t>(k)]) break;
        idx[static_cast<size_t>(k)] = 0;
      }
    }
  } else {
    a.data = std::move(v);
  }
  return a;
}

Bytes npy_bytes(const NpzArray& a) {
  std::string shape = "(";
  for (std::size_t i = 0; i < a.shape.size(); ++i) shape += std::to_string(a.shape[i]) + (a.shape.size() == 1 ? "," : i + 1 < a.shape.size() ? ", " : "");
  shape += ")";
  std::size_t width = 1;
  for (const auto& s : a.text) width = std::max(width, s.size());  // ASCII in practice; code points counted as bytes
  const std::string descr = a.text.empty() ? "<f8" : fmt::format("<U{}", width);
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  Bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  put(b, header.size(), 2);
  b.insert(b.end(), header.begin(), header.end());
  if (a.text.empty()) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(a.data.data());
    b.insert(b.end(), p, p + a.data.size() * sizeof(double));
  } else {
    for (const auto& s : a.text)
      for (std::size_t c = 0; c < width; ++c) put(b, c < s.size() ? static_cast<unsigned char>(s[c]) : 0u, 4);
  }
  return b;
}

}  // namespace

// ---- .npz ----

std::map<std::string, NpzArray> read_npz(const std::string& path) {
  const Bytes f = read_file(path);
  const std::string where = path;
  require(f.size() >= 22, where, "not a .npz file (too short for a zip archive)");
  // End of central directory: the last "PK\5\6" within the final 64 KiB + 22 bytes.
  std::size_t eocd = std::string::npos;
  for (std::size_t i = f.size() - 22 + 1; i-- > 0 && f.size() - i <= 65557;)
    if (le(&f[i], 4) == 0x06054b50u) {
      eocd = i;
      break;
    }
  require(eocd != std::string::npos, where, "not a .npz file (no zip end-of-central-directory record)");
  std::uint64_t entries = le(&f[eocd + 10], 2), cd_size = le(&f[eocd + 12], 4), cd_offset = le(&f[eocd + 16], 4);
  if ((entries == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_offset == 0xFFFFFFFFu) && eocd >= 20 &&
      le(&f[eocd - 20], 4) == 0x07064b50u) {
    const std::uint64_t z64 = le(&f[eocd - 20 + 8], 8);
    require(z64 + 56 <= f.size() && le(&f[z64], 4) == 0x06064b50u, where, "bad zip64 end-of-central-directory record");
    entries = le(&f[z64 + 32], 8);
    cd_size = le(&f[z64 + 40], 8);
    cd_offset = le(&f[z64 + 48], 8);
  }
  require(cd_offset + cd_size <= f.size(), where, "zip central directory lies outside the file");
  std::map<std::string, NpzArray> out;
  std::size_t p = cd_offset;
  for (std::uint64_t e = 0; e < entries; ++e) {
    require(p + 46 <= f.size() && le(&f[p], 4) == 0x02014b50u, where, "bad zip central directory entry");
    const int method = static_cast<int>(le(&f[p + 10], 2));
    const std::uint32_t crc = static_cast<std::uint32_t>(le(&f[p + 16], 4));
    std::uint64_t csize = le(&f[p + 20], 4), usize = le(&f[p + 24], 4);
    const std::size_t nlen = le(&f[p + 28], 2), xlen = le(&f[p + 30], 2), clen = le(&f[p + 32], 2);
    std::uint64_t offset = le(&f[p + 42], 4);
    require(p + 46 + nlen + xlen <= f.size(), where, "zip central directory entry cut off");
    std::string name(reinterpret_cast<const char*>(&f[p + 46]), nlen);
    // zip64 extended information: the fields that are 0xFFFFFFFF above, in this order.
    for (std::size_t x = p + 46 + nlen; x + 4 <= p + 46 + nlen + xlen;) {
      const std::uint64_t id = le(&f[x], 2), len = le(&f[x + 2], 2);
      if (id == 1) {
        std::size_t q = x + 4;
        if (usize == 0xFFFFFFFFu) usize = le(&f[q], 8), q += 8;
        if (csize == 0xFFFFFFFFu) csize = le(&f[q], 8), q += 8;
        if (offset == 0xFFFFFFFFu) offset = le(&f[q], 8);
      }
      x += 4 + len;
    }
    p += 46 + nlen + xlen + clen;
    const std::string member = where + ": member '" + name + "'";
    require(offset + 30 <= f.size() && le(&f[offset], 4) == 0x04034b50u, member, "bad local header");
    const std::size_t data = offset + 30 + le(&f[offset + 26], 2) + le(&f[offset + 28], 2);
    require(data + csize <= f.size(), member, "data cut off");
    Bytes raw;
    if (method == 0) {
      raw.assign(f.begin() + static_cast<std::ptrdiff_t>(data), f.begin() + static_cast<std::ptrdiff_t>(data + csize));
    } else if (method == 8) {
      raw = Inflater(&f[data], csize, member).run(usize);
    } else {
      throw Error(member + ": unsupported zip compression method " + std::to_string(method) +
                  " (np.savez and np.savez_compressed use 0 and 8)");
    }
    require(raw.size() == usize, member, fmt::format("size {} differs from the recorded {}", raw.size(), usize));
    require(crc32(raw.data(), raw.size()) == crc, member, "CRC-32 mismatch (corrupt file)");
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0) name.resize(name.size() - 4);
    out[name] = parse_npy(raw.data(), raw.size(), member);
  }
  return out;
}

void write_npz(const std::string& path, const std::vector<std::pair<std::string, NpzArray>>& arrays) {
  Bytes zip, central;
  std::uint64_t count = 0;
  for (const auto& [key, a] : arrays) {
    std::int64_t n = 1;
    for (auto s : a.shape) n *= s;
    require(!a.text.empty() || static_cast<std::int64_t>(a.data.size()) == n, path,
            fmt::format("array '{}' has {} values for shape of {} elements", key, a.data.size(), n));
    const Bytes body = npy_bytes(a);
    require(body.size() < 0xFFFFFFFFu && zip.size() < 0xFFFFFFFFu, path, "array too large for a non-zip64 archive");
    const std::string name = key + ".npy";
    const std::uint32_t crc = crc32(body.data(), body.size());
    const std::uint64_t offset = zip.size();
    // Local header: version 20, no flags, stored, DOS time 0 / date 1980-01-01.
    put(zip, 0x04034b50u, 4);
    put(zip, 20, 2);
    put(zip, 0, 2);
    put(zip, 0, 2);
    put(zip, 0, 2);
    put(zip, 0x21, 2);
    put(zip, crc, 4);
    put(zip, body.size(), 4);
    put(zip, body.size(), 4);
    put(zip, name.size(), 2);
    put(zip, 0, 2);
    zip.insert(zip.end(), name.begin(), name.end());
    zip.insert(zip.end(), body.begin(), body.end());
    put(central, 0x02014b50u, 4);
    put(central, 20, 2);
    put(central, 20, 2);
    put(central, 0, 2);
    put(central, 0, 2);
    put(central, 0, 2);
    put(central, 0x21, 2);
    put(central, crc, 4);
    put(central, body.size(), 4);
    put(central, body.size(), 4);
    put(central, name.size(), 2);
    put(central, 0, 2);
    put(central, 0, 2);
    put(central, 0, 2);
    put(central, 0, 2);
    put(central, 0, 4);
    put(central, offset, 4);
    central.insert(central.end(), name.begin(), name.end());
    ++count;
  }
  const std::uint64_t cd_offset = zip.size();
  zip.insert(zip.end(), central.begin(), central.end());
  put(zip, 0x06054b50u, 4);
  put(zip, 0, 2);
  put(zip, 0, 2);
  put(zip, count, 2);
  put(zip, count, 2);
  put(zip, central.size(), 4);
  put(zip, cd_offset, 4);
  put(zip, 0, 2);
  write_file_atomic(path, zip);
}

// ---- statistics ----

std::string fid_layout_name(FidLayout layout) { return layout == FidLayout::kSums ? "sums" : "mu-sigma"; }

FidStatistics fid_statistics(const Batch& features, std::string feature_model) {
  require(features.cols() >= 2, "features", fmt::format("needs at least 2 samples, got {}", features.cols()));
  const GaussianStats g = gaussian_stats(features);
  return {g.mu, g.sigma, g.n, std::move(feature_model)};
}

FidStatistics fid_statistics(const GaussianSums& sums, std::string feature_model) {
  require(sums.n >= 2, "sums", fmt::format("needs n >= 2, got {}", sums.n));
  const GaussianStats g = gaussian_stats(sums);
  return {g.mu, g.sigma, g.n, std::move(feature_model)};
}

FidStatistics read_fid_statistics(const std::string& path, FidLayout* layout) {
  const auto arrays = read_npz(path);
  auto has = [&](const char* k) { return arrays.count(k) > 0; };
  auto numbers = [&](const char* k, std::size_t rank) -> const NpzArray& {
    const NpzArray& a = arrays.at(k);
    require(a.text.empty() && a.shape.size() == rank, path,
            fmt::format("'{}' must be a numeric array of rank {}, got dtype {} rank {}", k, rank, a.dtype, a.shape.size()));
    return a;
  };
  FidStatistics s;
  if (has("feature_model") && !arrays.at("feature_model").text.empty()) s.feature_model = arrays.at("feature_model").text[0];
  auto count = [&]() -> std::int64_t {
    const NpzArray& a = arrays.at("n");
    require(a.text.empty() && a.data.size() == 1 && a.data[0] >= 0 && a.data[0] == std::floor(a.data[0]), path,
            "'n' must be one non-negative integer");
    return static_cast<std::int64_t>(a.data[0]);
  };
  if (has("mu") && has("sigma")) {
    const NpzArray& mu = numbers("mu", 1);
    const NpzArray& sigma = numbers("sigma", 2);
    const Index d = static_cast<Index>(mu.shape[0]);
    require(sigma.shape[0] == d && sigma.shape[1] == d, path,
            fmt::format("'sigma' must be {} x {} to match 'mu', got {} x {}", d, d, sigma.shape[0], sigma.shape[1]));
    s.mu = Eigen::Map<const Eigen::VectorXd>(mu.data.data(), d);
    s.sigma = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(sigma.data.data(), d, d);
    s.n = has("n") ? count() : 0;
    if (layout) *layout = FidLayout::kMuSigma;
  } else if (has("n") && has("sum") && has("cov_sum")) {
    const NpzArray& sum = numbers("sum", 1);
    const NpzArray& cov = numbers("cov_sum", 2);
    const Index d = static_cast<Index>(sum.shape[0]);
    require(cov.shape[0] == d && cov.shape[1] == d, path, fmt::format("'cov_sum' must be {} x {} to match 'sum'", d, d));
    const std::int64_t n = count();
    require(n >= 2, path, fmt::format("'n' must be >= 2 for a covariance, got {}", n));
    const GaussianStats g = gaussian_stats_from_sums(
        n, Eigen::Map<const Eigen::VectorXd>(sum.data.data(), d),
        Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(cov.data.data(), d, d));
    s.mu = g.mu;
    s.sigma = g.sigma;
    s.n = n;
    if (layout) *layout = FidLayout::kSums;
  } else {
    std::string keys;
    for (const auto& [k, v] : arrays) keys += (keys.empty() ? "" : ", ") + k;
    throw Error(path + ": no FID statistics: expected keys mu and sigma, or n, sum and cov_sum; found " +
                (keys.empty() ? std::string("none") : keys));
  }
  require(s.mu.allFinite() && s.sigma.allFinite(), path, "statistics must be finite");
  return s;
}

void write_fid_statistics(const std::string& path, const FidStatistics& s, FidLayout layout) {
  const Index d = s.mu.size();
  require(d >= 1 && s.sigma.rows() == d && s.sigma.cols() == d, path, "mu must be d and sigma d x d, d >= 1");
  auto vector_array = [](const Eigen::VectorXd& v) {
    return NpzArray{{v.size()}, std::vector<double>(v.data(), v.data() + v.size()), {}, "<f8"};
  };
  auto matrix_array = [](const Eigen::MatrixXd& m) {
    NpzArray a{{m.rows(), m.cols()}, {}, {}, "<f8"};
    a.data.resize(static_cast<size_t>(m.size()));
    for (Index i = 0; i < m.rows(); ++i)
      for (Index j = 0; j < m.cols(); ++j) a.data[static_cast<size_t>(i * m.cols() + j)] = m(i, j);
    return a;
  };
  std::vector<std::pair<std::string, NpzArray>> arrays;
  if (layout == FidLayout::kMuSigma) {
    arrays.emplace_back("mu", vector_array(s.mu));
    arrays.emplace_back("sigma", matrix_array(s.sigma));
    if (s.n > 0) arrays.emplace_back("n", NpzArray{{}, {static_cast<double>(s.n)}, {}, "<f8"});
  } else {
    require(s.n >= 2, path, fmt::format("the n/sum/cov_sum layout needs the sample count (n >= 2), got {}", s.n));
    const double n = static_cast<double>(s.n);
    arrays.emplace_back("n", NpzArray{{}, {n}, {}, "<f8"});
    arrays.emplace_back("sum", vector_array(n * s.mu));
    const Eigen::MatrixXd cov_sum = (n - 1) * s.sigma + n * s.mu * s.mu.transpose();
    arrays.emplace_back("cov_sum", matrix_array(cov_sum));
  }
  if (!s.feature_model.empty()) arrays.emplace_back("feature_model", NpzArray{{}, {}, {s.feature_model}, "<U"});
  write_npz(path, arrays);
}

FidResult frechet_inception_distance(const FidStatistics& g, const FidStatistics& r) {
  require(g.mu.size() == r.mu.size(), "reference",
          fmt::format("feature dimension {} differs from the generated {}", r.mu.size(), g.mu.size()));
  require(g.feature_model.empty() || r.feature_model.empty() || g.feature_model == r.feature_model, "reference",
          "features from '" + r.feature_model + "' cannot be compared with features from '" + g.feature_model + "'");
  FidResult out;
  out.fid = frechet_distance(g.mu, g.sigma, r.mu, r.sigma);
  out.n_generated = g.n;
  out.n_reference = r.n;
  out.feature_model = g.feature_model.empty() ? r.feature_model : g.feature_model;
  return out;
}

void require_comparable(const FidResult& a, const FidResult& b) {
  auto count = [](std::int64_t n) { return n > 0 ? std::to_string(n) : std::string("unknown"); };
  require(a.n_generated > 0 && a.n_generated == b.n_generated, "FID",
          "values from " + count(a.n_generated) + " and " + count(b.n_generated) +
              " generated samples are not comparable (FID is biased upwards by O(1/n)); recompute at one sample count");
  require(a.n_reference == b.n_reference, "FID",
          "values against references of " + count(a.n_reference) + " and " + count(b.n_reference) +
              " samples are not comparable");
  require(a.feature_model == b.feature_model, "FID",
          "values from different feature networks ('" + a.feature_model + "' and '" + b.feature_model +
              "') are not comparable");
}

std::string describe(const FidResult& r) {
  auto count = [](std::int64_t n) { return n > 0 ? std::to_string(n) : std::string("?"); };
  return fmt::format("FID {:.4f} ({} generated vs {} reference, features {})", r.fid, count(r.n_generated),
                     count(r.n_reference), r.feature_model.empty() ? "unknown" : r.feature_model);
}

void require_same_features(const FidStatistics& stats, const std::string& model_id, const std::string& what) {
  require(stats.feature_model.empty() || stats.feature_model == model_id, what,
          "statistics were computed with '" + stats.feature_model + "', not with '" + model_id + "'");
}

}  // namespace pmm
