// Shared by the harnesses: readers that take a path get the fuzz input as a file (one per process, in
// $TMPDIR or /tmp, rewritten for each input); every reader must either return or throw pmm::Error. Any
// other exception, a crash or a sanitizer report is a finding.
#pragma once
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace pmm_fuzz {

inline std::string input_file(const std::uint8_t* data, std::size_t size, const char* suffix) {
  static const std::string path = [&] {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir && *dir ? dir : "/tmp") + "/pmm_fuzz." + std::to_string(::getpid()) + suffix;
  }();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return path;
}

}  // namespace pmm_fuzz
