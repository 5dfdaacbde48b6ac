// Helpers shared by the test folders: the message of an expected pmm::Error, and the uniform time grid
// 0, 1/n, ..., 1 that the solver tests hand to the integrate driver.
#pragma once
#include <string>
#include <vector>

#include <pmm/core/error.hpp>

namespace pmm_test {

// Runs fn, expects pmm::Error, returns its message ("<no pmm::Error thrown>" otherwise).
template <class Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const pmm::Error& e) {
    return e.what();
  }
  return "<no pmm::Error thrown>";
}

inline std::vector<double> uniform_grid(int n) {
  std::vector<double> t(n + 1);
  for (int i = 0; i <= n; ++i) t[i] = static_cast<double>(i) / n;
  return t;
}

}  // namespace pmm_test
