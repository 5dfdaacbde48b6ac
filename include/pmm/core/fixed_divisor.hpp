// x / y for many x and one y, correctly rounded, without a division per element: with r = RN(1/y) taken once,
//   q0 = RN(x r),   e = x - q0 y   (exact, one FMA),   q = RN(q0 + e r) = RN(x / y).
// Markstein's theorem (P. Markstein, IBM J. Res. Dev. 34(1), 1990; Muller et al., Handbook of Floating-Point
// Arithmetic, on division by FMA): when r is 1/y rounded to nearest, q0 lies within an ulp of x/y, and no step under-
// or overflows, the remainder e is representable and q is the correctly rounded quotient, i.e. bitwise x / y. A
// multiply and two FMAs a lane (three vector operations for 8 lanes in AVX-512) in place of vdivpd, 16 cycles for 8
// lanes on Intel's cores. Conditions checked here: 2^-400 <= |y| <= 2^400 (fixed_divisor) and x = +0 or
// 2^-400 <= |x| <= 2^400 (fma_quotient_holds), so that x/y, q0 and e stay normal; outside them (-0, NaN and
// infinities included) callers divide. tests/core/fixed_divisor_test.cpp compares it with division bitwise.
#pragma once
#include <cmath>

#include <pmm/core/hd.hpp>

namespace pmm {

struct FixedDivisor {
  double y = 1.0;  // the divisor
  double r = 1.0;  // RN(1/y)
  bool usable = true;  // whether y meets the conditions; callers divide when it does not
};

PMM_HD inline FixedDivisor fixed_divisor(double y) {
  const double a = std::abs(y);
  return {y, 1.0 / y, a >= 0x1p-400 && a <= 0x1p400};  // NaN: not usable
}

// Whether fma_quotient(d, x) is x / y for a usable d: x = +0, or 2^-400 <= |x| <= 2^400 (-0, NaN, infinities: no).
PMM_HD inline bool fma_quotient_holds(double x) {
  const double a = std::abs(x);
  // & and |, no branches, and copysign rather than signbit: GCC vectorises it in a loop
  return static_cast<bool>(((a >= 0x1p-400) & (a <= 0x1p400)) | ((x == 0.0) & (std::copysign(1.0, x) > 0.0)));
}

// RN(x / d.y) where d.usable and fma_quotient_holds(x) (for x = +0 the FMAs give x/y's zero, of either sign). Needs
// IEEE evaluation and a fused std::fma (an instruction where the target has FMA, libm's fma elsewhere).
PMM_HD inline double fma_quotient(const FixedDivisor& d, double x) {
  const double q0 = x * d.r;
  return std::fma(std::fma(-q0, d.y, x), d.r, q0);
}

}  // namespace pmm
