// libFuzzer harness: schedule tables (--schedule table:FILE): line parsing, then the checks of every
// schedule on 1025 points.
#include <pmm/core/error.hpp>
#include <pmm/processes/schedule.hpp>

#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = pmm_fuzz::input_file(data, size, ".txt");
  try {
    const auto s = pmm::parse_schedule("table:" + path);
    (void)s->F(0.5);
  } catch (const pmm::Error&) {
  }
  return 0;
}
