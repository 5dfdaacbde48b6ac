// file_fingerprint(path) = "<basename> (<bytes> bytes, fnv1a64 <16 hex digits>)": how pmm names a file it depends
// on (a feature network, a model) from the file's bytes (FNV-1a 64 over the whole file).
#pragma once
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <pmm/core/error.hpp>

namespace pmm {

// "<basename> (<bytes> bytes, fnv1a64 <16 hex digits>)": how pmm names a feature network, from the file's bytes.
inline std::string file_fingerprint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  require(in.good(), path, "cannot open for reading");
  std::uint64_t h = 0xcbf29ce484222325ull, size = 0;
  char buf[65536];
  while (in) {
    in.read(buf, sizeof buf);
    const std::streamsize got = in.gcount();
    for (std::streamsize i = 0; i < got; ++i) {
      h ^= static_cast<unsigned char>(buf[i]);
      h *= 0x100000001b3ull;
    }
    size += static_cast<std::uint64_t>(got);
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return std::filesystem::path(path).filename().string() + " (" + std::to_string(size) + " bytes, fnv1a64 " + hex + ")";
}

}  // namespace pmm
