// libFuzzer harness: the .npz reader (zip structure, zip64, zlib inflate, CRC-32, every member's .npy).
#include <pmm/core/error.hpp>
#include <pmm/io/npz.hpp>

#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = pmm_fuzz::input_file(data, size, ".npz");
  try {
    pmm::read_npz(path);
  } catch (const pmm::Error&) {
  }
  return 0;
}
