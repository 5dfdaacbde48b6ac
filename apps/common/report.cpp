// run_metadata and write_json_atomic. Compiler and Eigen versions come from their macros at build
// time, which is what determines the numbers a run produces.
#include "apps/common/report.hpp"

#include <unistd.h>

#include <ctime>
#include <thread>

#include <Eigen/Core>

#include <pmm/io/atomic_file.hpp>

namespace pmm {
namespace {

// Single quotes unless the argument is made of characters no shell treats specially.
std::string shell_quote(const std::string& arg) {
  if (!arg.empty() &&
      arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./=:,+-@%") ==
          std::string::npos)
    return arg;
  std::string quoted = "'";
  for (const char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string compiler_version() {
#if defined(__clang__)
  return std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  return std::string("gcc ") + __VERSION__;
#else
  return "unknown";
#endif
}

}  // namespace

std::string utc_timestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

nlohmann::json run_metadata(int argc, const char* const* argv) {
  nlohmann::json command = nlohmann::json::array();
  std::string command_line;
  for (int i = 0; i < argc && argv && argv[i]; ++i) {
    command.push_back(argv[i]);
    command_line += (i ? " " : "") + shell_quote(argv[i]);
  }
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return {
      {"command", command},
      {"command_line", command_line},
      {"date", utc_timestamp()},
      {"hostname", std::string(host)},
      {"pmm_version", PMM_VERSION},
      {"compiler", compiler_version()},
      {"eigen_version", std::to_string(EIGEN_WORLD_VERSION) + "." + std::to_string(EIGEN_MAJOR_VERSION) +
                            "." + std::to_string(EIGEN_MINOR_VERSION)},
#ifdef NDEBUG
      {"build", "release"},
#else
      {"build", "debug"},
#endif
      {"hardware_concurrency", std::thread::hardware_concurrency()},
  };
}

void write_json_atomic(const std::string& path, const nlohmann::json& value) {
  write_file_atomic(path, value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace pmm
