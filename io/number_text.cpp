// Number <-> text helpers: std::from_chars so that a C locale set by a library (decimal comma)
// cannot change how data files and options are read.
#include <pmm/io/number_text.hpp>

#include <charconv>

#include <fmt/format.h>

namespace pmm {

std::string_view trim(std::string_view text) {
  const char* blanks = " \t\r\n";
  const auto first = text.find_first_not_of(blanks);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(blanks);
  return text.substr(first, last - first + 1);
}

bool parse_double(std::string_view text, double& out) {
  text = trim(text);
  // from_chars rejects a leading '+', which people and other tools write.
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
    if (!text.empty() && (text.front() == '+' || text.front() == '-')) return false;
  }
  if (text.empty()) return false;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return false;
  out = value;
  return true;
}

bool parse_int64(std::string_view text, std::int64_t& out) {
  text = trim(text);
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
    if (!text.empty() && (text.front() == '+' || text.front() == '-')) return false;
  }
  if (text.empty()) return false;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return false;
  out = value;
  return true;
}

// fmt rather than snprintf: printf follows LC_NUMERIC and could write a decimal comma.
std::string format_double_17g(double x) { return fmt::format("{:.17g}", x); }

std::string format_double_shortest(double x) { return fmt::format("{}", x); }

}  // namespace pmm
