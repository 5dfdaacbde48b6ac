// Option parsing helpers and run_app. Lists are split on ',' and each item is trimmed; numbers go
// through number_text.hpp so that "1e-3", "+2" and " 5 " are read the same way in every app.
#include "apps/common/options.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include <pmm/io/number_text.hpp>
#include <pmm/core/error.hpp>
#include "apps/common/report.hpp"

namespace pmm {
namespace {

std::vector<std::string> split_items(const std::string& text, const std::string& option, const char* example) {
  std::vector<std::string> items;
  require(!trim(text).empty(), option, std::string("expected a comma-separated list such as '") + example +
                                           "', got an empty string");
  std::size_t start = 0;
  for (;;) {
    const auto comma = text.find(',', start);
    const std::string item(trim(std::string_view(text).substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    require(!item.empty(), option,
            std::string("expected a comma-separated list such as '") + example + "' without empty items, got '" + text + "'");
    items.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

std::string join_set(const std::set<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s.empty() ? "none" : s;
}

std::string one_line(std::string message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  for (char& c : message)
    if (c == '\n' || c == '\r') c = ' ';
  return message;
}

}  // namespace

std::string program_name(int argc, char** argv) {
  if (argc < 1 || !argv || !argv[0] || !*argv[0]) return "pmm";
  std::string name = argv[0];
  const auto slash = name.find_last_of('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

void report_error(const std::string& app, const std::string& message) {
  // One fputs so the line is not interleaved with other threads' output.
  const std::string line = app + ": error: " + one_line(message) + "\n";
  std::fflush(stdout);
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

namespace {

// The library names its own arguments ("solver", "prior"); the apps print them as the flags that set them.
std::string flag_message(const Error& e) {
  static const std::map<std::string, std::string> kFlags = {
      {"solver", "--solver"},     {"process", "--process"}, {"prior", "--prior"},     {"schedule", "--schedule"},
      {"grid", "--grid"},         {"paths", "--paths"},     {"device", "--device"},   {"target", "--target"},
      {"steps", "--steps"},       {"threads", "--threads"}, {"weights", "--target-weights"}};
  const auto it = kFlags.find(e.argument);
  return it == kFlags.end() ? std::string(e.what()) : it->second + ": " + e.detail;
}

CLI::Validator integer_at_least(std::int64_t minimum, const std::string& description) {
  return CLI::Validator(
      [minimum, description](std::string& text) -> std::string {
        std::int64_t value = 0;
        if (!parse_int64(text, value) || value < minimum) return "expected " + description + ", got '" + text + "'";
        return {};
      },
      "", description);  // no type text of its own: help shows the option's (INT, UINT), not "UINT:INT"
}

}  // namespace

std::map<std::string, double> parse_kv_list(const std::string& text, const std::string& option,
                                             const std::set<std::string>& allowed) {
  std::map<std::string, double> values;
  if (trim(text).empty()) return values;
  for (const auto& item : split_items(text, option, "key=1,other=0.5")) {
    const auto eq = item.find('=');
    require(eq != std::string::npos, option, "expected key=value pairs separated by commas, got '" + item + "'");
    const std::string key(trim(std::string_view(item).substr(0, eq)));
    const std::string value_text(trim(std::string_view(item).substr(eq + 1)));
    require(!key.empty(), option, "expected key=value, got '" + item + "' with no key");
    require(allowed.count(key) > 0, option, "unknown key '" + key + "' (allowed: " + join_set(allowed) + ")");
    require(values.count(key) == 0, option, "key '" + key + "' given twice");
    double value = 0;
    require(parse_double(value_text, value), option,
            "expected a number for '" + key + "', got '" + value_text + "'");
    require(std::isfinite(value), option, "expected a finite number for '" + key + "', got '" + value_text + "'");
    values[key] = value;
  }
  return values;
}

std::vector<std::int64_t> parse_int_list(const std::string& text, const std::string& option) {
  std::vector<std::int64_t> values;
  for (const auto& item : split_items(text, option, "10,20,50")) {
    std::int64_t value = 0;
    require(parse_int64(item, value), option, "expected integers separated by commas, got '" + item + "'");
    values.push_back(value);
  }
  return values;
}

std::vector<double> parse_double_list(const std::string& text, const std::string& option) {
  std::vector<double> values;
  for (const auto& item : split_items(text, option, "0.1,0.01")) {
    double value = 0;
    require(parse_double(item, value), option, "expected numbers separated by commas, got '" + item + "'");
    require(std::isfinite(value), option, "expected finite numbers, got '" + item + "'");
    values.push_back(value);
  }
  return values;
}

std::vector<std::string> parse_string_list(const std::string& text, const std::string& option) {
  return split_items(text, option, "a,b");
}

CLI::Validator positive_int() { return integer_at_least(1, "a positive integer"); }

CLI::Validator non_negative_int() { return integer_at_least(0, "a non-negative integer"); }

CLI::Validator finite_double() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double value = 0;
        if (!parse_double(text, value) || !std::isfinite(value)) return "expected a finite number, got '" + text + "'";
        return {};
      },
      "", "a finite number");
}

CLI::Validator positive_double() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double value = 0;
        if (!parse_double(text, value) || !std::isfinite(value) || value <= 0)
          return "expected a positive finite number, got '" + text + "'";
        return {};
      },
      "", "a positive number");
}

CLI::Validator readable_file() {
  return CLI::Validator(
      [](std::string& path) -> std::string {
        struct stat info {};
        if (::stat(path.c_str(), &info) != 0) return "file not found: '" + path + "'";
        if (!S_ISREG(info.st_mode)) return "expected a regular file, got '" + path + "'";
        if (::access(path.c_str(), R_OK) != 0) return "file not readable: '" + path + "'";
        return {};
      },
      "FILE", "a readable file");
}

CLI::Validator matrix_file_name() {
  return CLI::Validator(
      [](std::string& path) -> std::string {
        auto ends = [&](const std::string& suffix) {
          return path.size() > suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
        };
        if (!ends(".npy") && !ends(".csv")) return "expected a file name ending in .npy or .csv, got '" + path + "'";
        return {};
      },
      "FILE.npy|FILE.csv", "a .npy or .csv file name");
}

void require_memory(double bytes, const std::string& option, const std::string& what) {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return;  // unknown: let the allocation decide
  const double memory = static_cast<double>(pages) * static_cast<double>(page);
  const double gib = 1024.0 * 1024.0 * 1024.0;
  require(bytes <= memory, option,
          fmt::format("{} need about {:.1f} GiB of memory, more than this machine's {:.1f} GiB; ask for less",
                      what, bytes / gib, memory / gib));
}

int resolve_threads(int threads, const std::string& option) {
  require(threads >= 0 && threads <= 1024, option,
          fmt::format("must be in [0, 1024] (0: all {} cores), got {}", std::thread::hardware_concurrency(), threads));
  if (threads > 0) return threads;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string closest_option(const std::string& typed, const std::vector<std::string>& names) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, typed.size() / 3) + 1;
  for (const auto& name : names) {
    const std::size_t d = name.rfind(typed, 0) == 0 ? 1 : edit_distance(typed, name);
    if (d < best_distance) best = name, best_distance = d;
  }
  return best;
}

void collect_long_names(const CLI::App& app, std::vector<std::string>& names) {
  for (const CLI::Option* opt : app.get_options())
    for (const auto& n : opt->get_lnames()) names.push_back(n);
  for (const CLI::App* sub : app.get_subcommands({}))
    if (sub->parsed()) collect_long_names(*sub, names);
}

// CLI11's "The following arguments were not expected: heun --solvr" becomes "--solvr: unknown option; did you
// mean --solver?": a mistyped option's value is one of the extras, so the first extra that looks like an option is
// the one to name.
Error unknown_argument_error(const CLI::App& app) {
  std::vector<std::string> extras = app.remaining(true), names;
  collect_long_names(app, names);
  const std::string help = " (" + app.get_name() + " --help lists the options)";
  for (const auto& extra : extras) {
    if (extra.size() < 2 || extra[0] != '-') continue;
    const std::string flag = extra.substr(0, extra.find('='));
    const std::string typed = flag.substr(flag.find_first_not_of('-'));
    const std::string best = closest_option(typed, names);
    return Error(flag + ": unknown option" + (best.empty() ? help : "; did you mean --" + best + "?"));
  }
  return Error("unexpected argument '" + (extras.empty() ? std::string() : extras.front()) +
               "' (options start with --)" + help);
}

}  // namespace

std::string version_text() { return std::string("pmm ") + PMM_VERSION; }

void parse_args(CLI::App& app, int argc, char** argv) {
  if (!app.get_version_ptr()) app.set_version_flag("--version", version_text(), "print the pmm version and exit");
  if (app.get_name().empty()) app.name(program_name(argc, argv));
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --help-all, --version
    app.exit(e);
    throw;
  } catch (const CLI::ExtrasError&) {
    throw unknown_argument_error(app);
  } catch (const CLI::ParseError&) {
    // An unknown option is the error to report even when CLI11 stopped first at a consequence of it (a
    // required option "missing" because its name was mistyped).
    for (const auto& extra : app.remaining(true))
      if (extra.size() >= 2 && extra[0] == '-') throw unknown_argument_error(app);
    throw;
  }
}

int exit_status_of(std::exception_ptr error, std::string& message) {
  message.clear();
  try {
    std::rethrow_exception(error);
  } catch (const CLI::Success&) {
    return 0;  // help or version text already printed by parse_args
  } catch (const CLI::RuntimeError& e) {  // CLI11's way for an app to exit with a given status
    return e.get_exit_code();
  } catch (const CLI::ParseError& e) {
    message = e.what();
    return 2;
  } catch (const Error& e) {
    message = flag_message(e);
    return 2;
  } catch (const std::exception& e) {
    message = e.what();
    return 1;
  } catch (...) {
    message = "unknown exception";
    return 1;
  }
}

int run_app(int argc, char** argv, const std::function<int(int, char**)>& body) {
  try {
    return body(argc, argv);
  } catch (...) {
    std::string message;
    const int status = exit_status_of(std::current_exception(), message);
    if (!message.empty()) report_error(program_name(argc, argv), message);
    return status;
  }
}

}  // namespace pmm
