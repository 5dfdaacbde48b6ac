// The .npz reader (apps/common/npz.hpp) on crafted hostile files, one per defect found by the fuzzing
// campaign of issue 19: each must give a pmm::Error naming the file, quickly and without a large
// allocation, where the old hand-written zip/inflate reader overflowed the heap, over-read, shifted by
// undefined amounts, threw std::invalid_argument ("stoi") or allocated gigabytes. Run under ASan/UBSan
// these cases are the regression inputs.
#include <doctest/doctest.h>

#include <zlib.h>

#include <cstdint>
#include <string>

#include <pmm/io/npz.hpp>
#include <pmm/core/error.hpp>
#include "tests/apps/test_files.hpp"

#include "test_helpers.hpp"

namespace {

using pmm::test::TempDir;
using pmm_test::error_of;

void put(std::string& b, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b += static_cast<char>((v >> (8 * i)) & 0xff);
}

// A .npy image with a hand-written header dict (version 1 unless major says otherwise).
std::string npy(const std::string& dict, const std::string& data, int major = 1) {
  std::string b("\x93NUMPY", 6);
  b += static_cast<char>(major);
  b += '\0';
  put(b, dict.size() + 1, major == 1 ? 2 : 4);
  return b + dict + "\n" + data;
}

struct Member {
  std::string name, body;
  int method = 0;                  // 0 stored, 8 deflated (body is then the compressed bytes)
  std::uint64_t usize = ~0ull;     // recorded uncompressed size (default: body size)
  std::uint32_t crc = 0;           // recorded CRC (default: of body, for stored members)
  bool crc_given = false;
};

// A minimal zip archive (what np.savez writes): local headers, central directory, end record.
std::string zip(const std::vector<Member>& members) {
  std::string z, cd;
  for (const auto& m : members) {
    const std::uint32_t crc = m.crc_given ? m.crc
                                          : static_cast<std::uint32_t>(::crc32(
                                                0, reinterpret_cast<const Bytef*>(m.body.data()),
                                                static_cast<uInt>(m.body.size())));
    const std::uint64_t usize = m.usize == ~0ull ? m.body.size() : m.usize;
    const std::uint64_t offset = z.size();
    put(z, 0x04034b50u, 4), put(z, 20, 2), put(z, 0, 2), put(z, m.method, 2), put(z, 0, 4);
    put(z, crc, 4), put(z, m.body.size(), 4), put(z, usize, 4), put(z, m.name.size(), 2), put(z, 0, 2);
    z += m.name + m.body;
    put(cd, 0x02014b50u, 4), put(cd, 20, 2), put(cd, 20, 2), put(cd, 0, 2), put(cd, m.method, 2), put(cd, 0, 4);
    put(cd, crc, 4), put(cd, m.body.size(), 4), put(cd, usize, 4), put(cd, m.name.size(), 2);
    put(cd, 0, 2), put(cd, 0, 2), put(cd, 0, 2), put(cd, 0, 2), put(cd, 0, 4), put(cd, offset, 4);
    cd += m.name;
  }
  const std::uint64_t cd_offset = z.size();
  z += cd;
  put(z, 0x06054b50u, 4), put(z, 0, 4), put(z, members.size(), 2), put(z, members.size(), 2);
  put(z, cd.size(), 4), put(z, cd_offset, 4), put(z, 0, 2);
  return z;
}

std::string refusal(const TempDir& dir, const std::string& name, const std::string& bytes) {
  const std::string path = dir.file(name);
  pmm::test::write_bytes(path, bytes);
  const std::string e = error_of([&] { pmm::read_npz(path); });
  INFO(name << ": " << e);
  CHECK(e.find(path + ": ") == 0);
  return e;
}

}  // namespace

TEST_CASE("npz: a well-formed stored archive reads back (the crafting helper is right)") {
  TempDir dir;
  const std::string body = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", std::string(16, '\0'));
  pmm::test::write_bytes(dir.file("ok.npz"), zip({{"mu.npy", body}}));
  const auto a = pmm::read_npz(dir.file("ok.npz"));
  REQUIRE(a.count("mu") == 1);
  CHECK(a.at("mu").shape == std::vector<std::int64_t>{2});
  CHECK(a.at("mu").data == std::vector<double>{0.0, 0.0});
}

TEST_CASE("npz: hostile members are refused with the file named") {
  TempDir dir;
  // Fortran order with a shape product that overflows int64 (was a heap-buffer-overflow WRITE).
  refusal(dir, "fortran_overflow.npz",
          zip({{"a.npy", npy("{'descr': '<f8', 'fortran_order': True, 'shape': (4294967296, 4294967297), }", "")}}));
  // A 10-byte version-2 member: the 4-byte header length lies beyond it (was a heap over-read).
  refusal(dir, "v2_short.npz", zip({{"a.npy", std::string("\x93NUMPY\x02\x00\x10\x00", 10)}}));
  // Item sizes 0 and 9 (were undefined shifts) and a non-numeric one (was an uncaught stoi).
  for (const std::string dtype : {"<i0", "<i9", "<u0", "<fx", "<U", "<Uabc", "<U99999999999"}) {
    const std::string e = refusal(
        dir, "dtype.npz", zip({{"a.npy", npy("{'descr': '" + dtype + "', 'fortran_order': False, 'shape': (1000000000,), }", "")}}));
    CHECK(e.find("stoi") == std::string::npos);
  }
  // (2^62, 0): no data, but a loop bound of 2^62.
  refusal(dir, "empty_huge.npz",
          zip({{"a.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 0), }", "")}}));
  // A text member whose declared width times count does not match the data.
  refusal(dir, "text_short.npz", zip({{"t.npy", npy("{'descr': '<U1000', 'fortran_order': False, 'shape': (), }", "ab")}}));
}

TEST_CASE("npz: hostile zip structures are refused before any large allocation") {
  TempDir dir;
  const std::string body = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", std::string(8, '\0'));
  // A deflated member claiming 4 GB of output from a few bytes (was a 4 GB allocation).
  Member claim{"a.npy", std::string("\x03\x00", 2), 8, 0xFFFFFFF0ull, 0, true};
  CHECK(refusal(dir, "claim.npz", zip({claim})).find("impossible") != std::string::npos);
  // Deflated data that inflates to more than recorded is stopped at the recorded size.
  std::string packed(compressBound(1 << 20), '\0');
  uLongf packed_size = packed.size();
  const std::string zeros(1 << 20, '\0');
  ::compress2(reinterpret_cast<Bytef*>(packed.data()), &packed_size, reinterpret_cast<const Bytef*>(zeros.data()),
              zeros.size(), 9);
  // compress2 writes a zlib stream: 2 bytes of header before the raw deflate data, 4 of Adler-32 after.
  Member bomb{"a.npy", packed.substr(2, packed_size - 6), 8, 1000, 0, true};
  CHECK(refusal(dir, "bomb.npz", zip({bomb})).find("more than the recorded") != std::string::npos);
  // Corrupt deflate data.
  Member junk{"a.npy", std::string("\xff\xff\xff\xff\xff\xff", 6), 8, 10, 0, true};
  refusal(dir, "junk.npz", zip({junk}));
  // Central directory offset near 2^64 via a zip64 locator and record (was an over-read).
  std::string z = zip({{"a.npy", body}});
  std::string eocd = z.substr(z.size() - 22);
  z.resize(z.size() - 22);
  const std::uint64_t z64 = z.size();
  put(z, 0x06064b50u, 4), put(z, 44, 8), put(z, 45, 2), put(z, 45, 2), put(z, 0, 8);
  put(z, 1, 8), put(z, 1, 8), put(z, 46, 8), put(z, 0xFFFFFFFFFFFFFFF0ull, 8);
  put(z, 0x07064b50u, 4), put(z, 0, 4), put(z, z64, 8), put(z, 1, 4);
  eocd.replace(16, 4, std::string(4, '\xff'));
  refusal(dir, "zip64_offset.npz", z + eocd);
  // The zip64 locator itself pointing near 2^64.
  std::string z2 = zip({{"a.npy", body}});
  std::string eocd2 = z2.substr(z2.size() - 22);
  z2.resize(z2.size() - 22);
  put(z2, 0x07064b50u, 4), put(z2, 0, 4), put(z2, 0xFFFFFFFFFFFFFFF0ull, 8), put(z2, 1, 4);
  eocd2.replace(16, 4, std::string(4, '\xff'));
  refusal(dir, "zip64_locator.npz", z2 + eocd2);
  // An entry count far beyond what the central directory can hold.
  std::string z3 = zip({{"a.npy", body}});
  z3[z3.size() - 22 + 10] = '\xff', z3[z3.size() - 22 + 11] = '\x7f';
  refusal(dir, "entries.npz", z3);
  // Local header offset beyond the file.
  std::string z4 = zip({{"a.npy", body}});
  const std::size_t cd_at = z4.size() - 22 - (46 + 5);
  z4.replace(cd_at + 42, 4, std::string("\xf0\xff\xff\x7f", 4));
  refusal(dir, "local_offset.npz", z4);
  // Stored member whose recorded size differs from its stored size.
  Member lying{"a.npy", body, 0, body.size() + 100, 0, false};
  refusal(dir, "stored_size.npz", zip({lying}));
}

TEST_CASE("npz: deflated members (np.savez_compressed) inflate through zlib, text members read back") {
  TempDir dir;
  std::string data;
  for (int i = 0; i < 3000; ++i) {
    const double v = 0.5 * i;
    data.append(reinterpret_cast<const char*>(&v), 8);
  }
  const std::string body = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1000, 3), }", data);
  z_stream z{};
  REQUIRE(::deflateInit2(&z, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string packed(::deflateBound(&z, body.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  z.avail_in = static_cast<uInt>(body.size());
  z.next_out = reinterpret_cast<Bytef*>(packed.data());
  z.avail_out = static_cast<uInt>(packed.size());
  REQUIRE(::deflate(&z, Z_FINISH) == Z_STREAM_END);
  packed.resize(z.total_out);
  ::deflateEnd(&z);
  Member m{"x.npy", packed, 8, body.size(),
           static_cast<std::uint32_t>(::crc32(0, reinterpret_cast<const Bytef*>(body.data()), body.size())), true};
  std::string text;
  for (const char c : std::string("net\0\0", 5)) put(text, static_cast<unsigned char>(c), 4);
  const std::string tbody = npy("{'descr': '<U5', 'fortran_order': False, 'shape': (), }", text);
  pmm::test::write_bytes(dir.file("c.npz"), zip({m, {"feature_model.npy", tbody}}));
  const auto a = pmm::read_npz(dir.file("c.npz"));
  REQUIRE(a.count("x") == 1);
  CHECK(a.at("x").shape == std::vector<std::int64_t>{1000, 3});
  CHECK(a.at("x").data.size() == 3000);
  CHECK(a.at("x").data[2999] == 1499.5);
  REQUIRE(a.count("feature_model") == 1);
  CHECK(a.at("feature_model").text == std::vector<std::string>{"net"});
  // The same member cut short: zlib reports the early end.
  Member cut = m;
  cut.body = packed.substr(0, packed.size() / 2);
  refusal(dir, "cut.npz", zip({cut}));
  // A wrong CRC.
  Member bad = m;
  bad.crc ^= 1;
  CHECK(refusal(dir, "crc.npz", zip({bad})).find("CRC-32 mismatch") != std::string::npos);
}

TEST_CASE("npz: zip64 deflated members written by Python's zipfile read back") {
  if (::access("/usr/bin/python3", X_OK) != 0) {
    MESSAGE("SKIPPED: no /usr/bin/python3");
    return;
  }
  TempDir dir;
  REQUIRE(pmm::test::run_python(dir, R"(
import zipfile, struct
hdr = b"{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }"
hdr = hdr + b' ' * ((64 - (10 + len(hdr) + 1) % 64) % 64) + b'\n'
body = b'\x93NUMPY\x01\x00' + struct.pack('<H', len(hdr)) + hdr + struct.pack('<2d', 1.5, -2.0)
with zipfile.ZipFile('z64.npz', 'w', compression=zipfile.ZIP_DEFLATED) as z:
    with z.open('mu.npy', 'w', force_zip64=True) as f:
        f.write(body)
)") == 0);
  const auto a = pmm::read_npz(dir.file("z64.npz"));
  REQUIRE(a.count("mu") == 1);
  CHECK(a.at("mu").data == std::vector<double>{1.5, -2.0});
}
