// libFuzzer harness: mixture JSON targets (--target FILE.json) of the normal and gamma-poisson processes.
#include <pmm/core/error.hpp>
#include <pmm/processes/gamma_poisson.hpp>
#include <pmm/processes/normal.hpp>

#include "apps/common/targets.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = pmm_fuzz::input_file(data, size, ".json");
  const auto schedule = pmm::parse_schedule("exponential");
  for (const pmm::AnyProcess& process :
       {pmm::AnyProcess(pmm::NormalProcess{1.0, schedule}), pmm::AnyProcess(pmm::GammaPoissonProcess{1.0, 1.0, schedule})}) {
    try {
      pmm::load_target(process, path);
    } catch (const pmm::Error&) {
    }
  }
  return 0;
}
