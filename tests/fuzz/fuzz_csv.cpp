// libFuzzer harness: the numeric CSV reader (read_csv_matrix, header detection) and the result-table reader
// (read_csv_table, quoting).
#include <pmm/core/error.hpp>
#include <pmm/io/csv.hpp>

#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = pmm_fuzz::input_file(data, size, ".csv");
  try {
    pmm::read_csv_matrix(path, "fuzz");
  } catch (const pmm::Error&) {
  }
  try {
    pmm::read_csv_table(path);
  } catch (const pmm::Error&) {
  }
  return 0;
}
