// Locale-independent conversion between numbers and text for the file readers and option parsers:
// whole-field parsing (no trailing junk, surrounding blanks allowed) and full-precision formatting.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace pmm {

// Blanks (space, tab, CR, LF) stripped from both ends.
std::string_view trim(std::string_view text);

// True when the whole of trim(text) is one number ("nan", "inf", a leading '+' accepted).
bool parse_double(std::string_view text, double& out);
// True when the whole of trim(text) is a decimal integer that fits in int64.
bool parse_int64(std::string_view text, std::int64_t& out);

// printf "%.17g": enough digits that parse_double gives back the same double.
std::string format_double_17g(double x);
// Shortest text that parses back to the same double (0.1 -> "0.1"); for tables read by people.
std::string format_double_shortest(double x);

}  // namespace pmm
