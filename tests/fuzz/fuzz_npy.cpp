// libFuzzer harness: the .npy reader (read_npy_memory: header, dtype, shape, data size).
#include <cstddef>
#include <cstdint>

#include <pmm/core/error.hpp>
#include <pmm/io/npy.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    pmm::read_npy_memory(data, size, "fuzz.npy");
  } catch (const pmm::Error&) {
  }
  return 0;
}
