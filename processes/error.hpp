// pmm's one error type: every check at a boundary (CLI, file readers, public functions) throws
// pmm::Error naming the option, file or argument and the range it expected.
#pragma once
#include <stdexcept>
#include <string>

namespace pmm {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// require(cond, "--steps", "must be a positive integer, got -3")  ->  "--steps: must be ..."
inline void require(bool cond, const std::string& what, const std::string& message) {
  if (!cond) throw Error(what + ": " + message);
}

}  // namespace pmm
