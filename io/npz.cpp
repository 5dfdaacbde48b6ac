// .npz reader and writer. The zip structures (end of central directory, zip64 locator and record,
// central directory entries with their zip64 extra fields, local headers) are read from a whole-file
// buffer with every offset and length checked by in_file() before use; deflated members are inflated
// by zlib into a buffer that grows with the real output and stops at the size the directory records
// (never allocated from a declared size); each member's CRC-32 is checked with zlib's crc32().
#include <pmm/io/npz.hpp>

#include <zlib.h>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <system_error>

#include <fmt/format.h>

#include <pmm/io/atomic_file.hpp>
#include <pmm/io/npy.hpp>
#include <pmm/core/error.hpp>

namespace pmm {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint64_t kMaxMember = std::uint64_t{1} << 34;  // 16 GiB: larger members are refused
constexpr std::uint64_t kMaxTextItem = std::uint64_t{1} << 20;  // characters per '<U' / '|S' element

std::uint64_t le(const std::uint8_t* p, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
void put(Bytes& b, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// [offset, offset + length) lies inside a buffer of size bytes, without overflow.
bool in_file(std::uint64_t offset, std::uint64_t length, std::uint64_t size) {
  return offset <= size && length <= size - offset;
}

Bytes read_whole_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw Error(path + ": cannot open for reading (" + std::generic_category().message(errno) + ")");
  struct stat info {};
  if (::fstat(::fileno(f), &info) != 0 || !S_ISREG(info.st_mode)) {
    std::fclose(f);
    throw Error(path + ": expected a regular .npz file");
  }
  Bytes bytes(static_cast<std::size_t>(info.st_size));
  const std::size_t got = bytes.empty() ? 0 : std::fread(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
  if (got != bytes.size()) throw Error(path + ": read error");
  return bytes;
}

std::uint32_t crc_of(const std::uint8_t* p, std::size_t n) {
  uLong c = ::crc32(0L, Z_NULL, 0);
  while (n > 0) {
    const uInt chunk = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
    c = ::crc32(c, p, chunk);
    p += chunk;
    n -= chunk;
  }
  return static_cast<std::uint32_t>(c);
}

// Raw deflate (zip method 8) of in[0, n) to exactly expected bytes.
Bytes inflate_member(const std::uint8_t* in, std::uint64_t n, std::uint64_t expected, const std::string& where) {
  z_stream z{};
  if (::inflateInit2(&z, -MAX_WBITS) != Z_OK) throw Error(where + ": cannot start zlib's inflate");
  Bytes out;
  out.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(expected, std::uint64_t{1} << 20)));
  std::uint8_t chunk[1 << 16];
  std::uint64_t consumed = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (z.avail_in == 0 && consumed < n) {
      const std::uint64_t take = std::min<std::uint64_t>(n - consumed, 1u << 30);
      z.next_in = const_cast<Bytes::value_type*>(in + consumed);
      z.avail_in = static_cast<uInt>(take);
      consumed += take;
    }
    z.next_out = chunk;
    z.avail_out = sizeof chunk;
    rc = ::inflate(&z, Z_NO_FLUSH);
    const std::size_t produced = sizeof chunk - z.avail_out;
    if (rc != Z_OK && rc != Z_STREAM_END && !(rc == Z_BUF_ERROR && produced > 0)) {
      const std::string why = rc == Z_BUF_ERROR ? "the compressed data ends early" : z.msg ? z.msg : "zlib error";
      ::inflateEnd(&z);
      throw Error(where + ": corrupt deflate data (" + why + ")");
    }
    if (out.size() + produced > expected) {
      ::inflateEnd(&z);
      throw Error(where + fmt::format(": inflates to more than the recorded {} bytes", expected));
    }
    out.insert(out.end(), chunk, chunk + produced);
  }
  ::inflateEnd(&z);
  return out;
}

// '<U12' / '|S5': the element width in characters, strictly digits and bounded.
std::uint64_t text_width(const std::string& dtype, const std::string& where) {
  const std::string digits = dtype.substr(2);
  std::uint64_t w = 0;
  bool ok = !digits.empty() && digits.size() <= 8;
  for (char c : digits) ok = ok && c >= '0' && c <= '9';
  if (ok) w = std::stoull(digits);
  if (!ok || w == 0 || w > kMaxTextItem)
    throw Error(where + ": unsupported text dtype '" + dtype + "' (expected a width of 1 to 2^20 characters)");
  return w;
}

void append_utf8(std::string& s, std::uint32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
  } else if (cp < 0x10000) {
    s += {static_cast<char>(0xE0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
          static_cast<char>(0x80 | (cp & 0x3F))};
  } else {
    s += {static_cast<char>(0xF0 | (cp >> 18)), static_cast<char>(0x80 | ((cp >> 12) & 0x3F)),
          static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), static_cast<char>(0x80 | (cp & 0x3F))};
  }
}

// One member: numbers through the .npy reader; '<U' (UTF-32) and '|S' (bytes) text read here.
NpzArray parse_member(const Bytes& raw, const std::string& where) {
  const NpyHeader h = read_npy_header_memory(raw.data(), raw.size(), where);
  const std::string body = h.descr.size() >= 2 && std::strchr("<>|=", h.descr[0]) ? h.descr.substr(1) : h.descr;
  NpzArray a;
  if (!body.empty() && (body[0] == 'U' || body[0] == 'S')) {
    const bool utf32 = body[0] == 'U';
    if (utf32 && h.descr[0] == '>') throw Error(where + ": big-endian text dtype '" + h.descr + "' is not supported");
    const std::uint64_t width = text_width("<" + body, where);
    const std::uint64_t item = utf32 ? 4 * width : width;
    std::uint64_t bytes = 0;
    if (__builtin_mul_overflow(h.count, item, &bytes) || bytes != raw.size() - h.data_offset)
      throw Error(where + fmt::format(": text array of {} elements of {} bytes does not match the {} data bytes",
                                      h.count, item, raw.size() - h.data_offset));
    a.shape = h.shape;
    a.dtype = h.descr;
    const std::uint8_t* d = raw.data() + h.data_offset;
    for (std::uint64_t e = 0; e < h.count; ++e) {
      std::string s;
      for (std::uint64_t c = 0; c < width; ++c) {
        const std::uint32_t cp = utf32 ? static_cast<std::uint32_t>(le(d + item * e + 4 * c, 4)) : d[item * e + c];
        if (cp == 0) break;
        append_utf8(s, cp);
      }
      a.text.push_back(std::move(s));
    }
    return a;
  }
  NpyArray n = read_npy_memory(raw.data(), raw.size(), where);
  a.shape = std::move(n.shape);
  a.data = std::move(n.data);
  a.dtype = std::move(n.dtype);
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

std::map<std::string, NpzArray> read_npz(const std::string& path) {
  const Bytes f = read_whole_file(path);
  const std::string& where = path;
  const std::uint64_t size = f.size();
  require(size >= 22, where, "not a .npz file (too short for a zip archive)");
  // End of central directory: the last "PK\5\6" within the final 64 KiB + 22 bytes.
  std::uint64_t eocd = std::numeric_limits<std::uint64_t>::max();
  for (std::uint64_t i = size - 22 + 1; i-- > 0 && size - i <= 65557;)
    if (le(&f[i], 4) == 0x06054b50u) {
      eocd = i;
      break;
    }
  require(eocd != std::numeric_limits<std::uint64_t>::max(), where,
          "not a .npz file (no zip end-of-central-directory record)");
  std::uint64_t entries = le(&f[eocd + 10], 2), cd_size = le(&f[eocd + 12], 4), cd_offset = le(&f[eocd + 16], 4);
  if ((entries == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_offset == 0xFFFFFFFFu) && eocd >= 20 &&
      le(&f[eocd - 20], 4) == 0x07064b50u) {
    const std::uint64_t z64 = le(&f[eocd - 20 + 8], 8);
    require(in_file(z64, 56, size) && le(&f[z64], 4) == 0x06064b50u, where, "bad zip64 end-of-central-directory record");
    entries = le(&f[z64 + 32], 8);
    cd_size = le(&f[z64 + 40], 8);
    cd_offset = le(&f[z64 + 48], 8);
  }
  require(in_file(cd_offset, cd_size, size), where, "zip central directory lies outside the file");
  require(entries <= cd_size / 46, where,
          fmt::format("zip central directory of {} bytes cannot hold {} entries", cd_size, entries));
  const std::uint64_t cd_end = cd_offset + cd_size;
  std::map<std::string, NpzArray> out;
  std::uint64_t p = cd_offset;
  for (std::uint64_t e = 0; e < entries; ++e) {
    require(in_file(p, 46, cd_end) && le(&f[p], 4) == 0x02014b50u, where, "bad zip central directory entry");
    const int method = static_cast<int>(le(&f[p + 10], 2));
    const std::uint32_t crc = static_cast<std::uint32_t>(le(&f[p + 16], 4));
    std::uint64_t csize = le(&f[p + 20], 4), usize = le(&f[p + 24], 4);
    const std::uint64_t nlen = le(&f[p + 28], 2), xlen = le(&f[p + 30], 2), clen = le(&f[p + 32], 2);
    std::uint64_t offset = le(&f[p + 42], 4);
    require(in_file(p + 46, nlen + xlen + clen, cd_end), where, "zip central directory entry cut off");
    std::string name(reinterpret_cast<const char*>(&f[p + 46]), nlen);
    // zip64 extended information: the fields that are 0xFFFFFFFF above, in this order.
    const std::uint64_t xend = p + 46 + nlen + xlen;
    for (std::uint64_t x = p + 46 + nlen; x + 4 <= xend;) {
      const std::uint64_t id = le(&f[x], 2), len = le(&f[x + 2], 2);
      require(in_file(x + 4, len, xend), where, "zip extra field cut off");
      if (id == 1) {
        std::uint64_t q = x + 4;
        const std::uint64_t qend = x + 4 + len;
        auto field = [&](std::uint64_t& v) {
          require(q + 8 <= qend, where, "zip64 extra field too short");
          v = le(&f[q], 8);
          q += 8;
        };
        if (usize == 0xFFFFFFFFu) field(usize);
        if (csize == 0xFFFFFFFFu) field(csize);
        if (offset == 0xFFFFFFFFu) field(offset);
      }
      x += 4 + len;
    }
    p += 46 + nlen + xlen + clen;
    const std::string member = where + ": member '" + name + "'";
    require(in_file(offset, 30, size) && le(&f[offset], 4) == 0x04034b50u, member, "bad local header");
    const std::uint64_t data = offset + 30 + le(&f[offset + 26], 2) + le(&f[offset + 28], 2);
    require(in_file(data, csize, size), member, "data cut off");
    require(usize <= kMaxMember, member, fmt::format("recorded size {} is larger than 16 GiB", usize));
    Bytes raw;
    if (method == 0) {
      require(csize == usize, member, fmt::format("stored size {} differs from the recorded {}", csize, usize));
      raw.assign(f.begin() + static_cast<std::ptrdiff_t>(data), f.begin() + static_cast<std::ptrdiff_t>(data + csize));
    } else if (method == 8) {
      // Deflate expands at most 1032:1; a larger claim is a corrupt directory, refused before inflating.
      require(usize <= csize * 1032 + 64, member,
              fmt::format("recorded size {} is impossible for {} deflated bytes", usize, csize));
      raw = inflate_member(&f[data], csize, usize, member);
    } else {
      throw Error(member + ": unsupported zip compression method " + std::to_string(method) +
                  " (np.savez and np.savez_compressed use 0 and 8)");
    }
    require(raw.size() == usize, member, fmt::format("size {} differs from the recorded {}", raw.size(), usize));
    require(crc_of(raw.data(), raw.size()) == crc, member, "CRC-32 mismatch (corrupt file)");
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0) name.resize(name.size() - 4);
    out[name] = parse_member(raw, member);
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
    const std::uint32_t crc = crc_of(body.data(), body.size());
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
  write_file_atomic(path, std::string_view(reinterpret_cast<const char*>(zip.data()), zip.size()));
}

}  // namespace pmm
