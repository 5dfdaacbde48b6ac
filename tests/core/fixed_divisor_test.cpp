// core/fixed_divisor.hpp: the FMA quotient against division, bitwise, where its conditions hold, and the conditions.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include <pmm/core/fixed_divisor.hpp>

namespace {
double from_parts(std::uint64_t significand, int exponent) {  // 1.significand x 2^exponent
  const std::uint64_t bits = (static_cast<std::uint64_t>(1023 + exponent) << 52) | (significand & ((1ull << 52) - 1));
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}
bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }
}  // namespace

TEST_CASE("fixed divisor: the FMA quotient is x / y bitwise across magnitudes, signs and hard significands") {
  std::mt19937_64 g(20261201);
  long differ = 0, checked = 0, unusable = 0;
  for (int i = 0; i < 400000; ++i) {
    double y = from_parts(g(), static_cast<int>(g() % 121) - 60);
    double x = from_parts(g(), static_cast<int>(g() % 401) - 200);
    if (i % 5 == 1) y = from_parts(~0ull, static_cast<int>(g() % 21) - 10);  // all-ones significand: 1/y's hard case
    if (i % 5 == 2) y = std::ldexp(1.0 + static_cast<double>(g() % 1000), static_cast<int>(g() % 11) - 5);
    if (i % 7 == 3) x = static_cast<double>(g() % 10000000) + 0.1;  // counts plus a prior shape
    if (i % 11 == 4) x = from_parts(~0ull, static_cast<int>(g() % 41) - 20);
    if (i % 13 == 5) x = 0.0;
    if (g() & 1) x = -x;
    if (g() & 1) y = -y;
    const pmm::FixedDivisor d = pmm::fixed_divisor(y);
    unusable += !d.usable;
    if (!pmm::fma_quotient_holds(x)) continue;  // -0
    ++checked;
    differ += !same_bits(pmm::fma_quotient(d, x), x / y);
  }
  CHECK(unusable == 0);
  CHECK(checked > 350000);
  CHECK(differ == 0);
}

TEST_CASE("fixed divisor: the conditions exclude what the theorem does not cover") {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  for (double y : {0.0, -0.0, inf, -inf, nan, 0x1p-401, 0x1p401, 1e-300, 1e300})
    CHECK_FALSE(pmm::fixed_divisor(y).usable);
  for (double y : {0x1p-400, 0x1p400, 1.0, -3.5, 2.0 + 442413.0}) CHECK(pmm::fixed_divisor(y).usable);
  for (double x : {-0.0, inf, -inf, nan, 0x1p-401, -0x1p401, 1e-200, 5e-324}) CHECK_FALSE(pmm::fma_quotient_holds(x));
  for (double x : {0.0, 0x1p-400, -0x1p400, 0.1, 1e6, -7.0}) CHECK(pmm::fma_quotient_holds(x));
  // +0 gives the zero of x / y, of either sign
  CHECK(same_bits(pmm::fma_quotient(pmm::fixed_divisor(3.0), 0.0), 0.0 / 3.0));
  CHECK(same_bits(pmm::fma_quotient(pmm::fixed_divisor(-3.0), 0.0), 0.0 / -3.0));
}
