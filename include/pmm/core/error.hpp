// pmm's one error type: every check at a boundary (file readers, public functions) throws pmm::Error with a kind
// (invalid argument, I/O, did not converge) and the name of the argument, file or option it is about. Library
// code names its own arguments ("solver", "prior", "schedule"); the apps map them to their flags (apps/common
// options: "solver" -> "--solver") when they print. Nobody parses the message text: callers test kind/argument.
#pragma once
#include <stdexcept>
#include <string>

namespace pmm {

enum class ErrorKind { kInvalidArgument, kIo, kDidNotConverge };

struct Error : std::runtime_error {
  ErrorKind kind = ErrorKind::kInvalidArgument;
  std::string argument;  // the argument, file or option the error is about ("" if none)
  std::string detail;    // the message without the argument prefix

  explicit Error(const std::string& message) : std::runtime_error(message), detail(message) {}
  Error(ErrorKind k, std::string arg, std::string what_is_wrong)
      : std::runtime_error(arg.empty() ? what_is_wrong : arg + ": " + what_is_wrong),
        kind(k),
        argument(std::move(arg)),
        detail(std::move(what_is_wrong)) {}
};

// require(cond, "steps", "must be a positive integer, got -3")  ->  Error{kInvalidArgument, "steps", ...},
// printed as "steps: must be ...".
inline void require(bool cond, const std::string& what, const std::string& message) {
  if (!cond) throw Error(ErrorKind::kInvalidArgument, what, message);
}
// An I/O failure about a file (unreadable, malformed, disk full).
[[noreturn]] inline void throw_io(const std::string& file, const std::string& message) {
  throw Error(ErrorKind::kIo, file, message);
}

}  // namespace pmm
