// libFuzzer harness: text token files (read_token_text: windows, whole lines, text8 normalisation) and
// Markov chains estimated from text (markov_chain_from_file).
#include <pmm/core/error.hpp>

#include "apps/common/text_io.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = pmm_fuzz::input_file(data, size, ".txt");
  static const pmm::Alphabet text8 = pmm::text8_alphabet();
  static const pmm::Alphabet chars = pmm::parse_alphabet("chars:abc ");
  for (const pmm::Alphabet* a : {&text8, &chars}) {
    for (const int length : {0, 4}) {
      for (const bool normalize : {false, true}) {
        try {
          pmm::read_token_text(path, *a, length, "fuzz", normalize);
        } catch (const pmm::Error&) {
        }
      }
    }
    try {
      pmm::markov_chain_from_file(path, *a, 1.0, "fuzz");
    } catch (const pmm::Error&) {
    }
  }
  return 0;
}
