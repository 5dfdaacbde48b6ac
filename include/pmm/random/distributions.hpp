// Exact samplers driven by a UniformStream (so draws stay counter-based): Box-Muller normals,
// Poisson (inversion for mean < 12, Hormann's PTRS transformed rejection above: exact for any mean),
// Gamma (Marsaglia-Tsang on AS 241 normals for shape >= 1, Ahrens-Dieter/Best GS rejection below 1; one Philox block
// a trial).
#pragma once
#include <cmath>
#include <cstdint>

#include <pmm/core/hd.hpp>
#include <pmm/random/random.hpp>

namespace pmm {

PMM_HD inline double normal_draw(UniformStream& u) {
  const double r = std::sqrt(-2.0 * std::log(u.next()));
  return r * std::cos(2.0 * M_PI * u.next());
}

// The pieces of the samplers below, shared with their SIMD batch versions (random/batch_samplers.cpp), which
// evaluate the same expressions lane by lane (logs from libmvec there, so a decision may differ by the last ulp).

// Poisson by inversion (mean < kPoissonInversionBelow): k = min{k : v <= sum_{i <= k} e^-mean mean^i / i!}, the
// terms built up by p_k = p_{k-1} (mean (1/k)) from p_0 = e^-mean; the search stops at k = kPoissonSearchCap or once
// p_k underflows past the mode (the CDF has then reached its rounding limit). 1/k, not a division by k: k is the
// same in every lane of a SIMD search step, so the batch sampler takes one reciprocal a step and a multiply a lane
// (a vdivpd of 8 lanes costs 16 cycles on Intel's cores; docs/benchmarks.md, "Intel Xeon").
constexpr double kPoissonInversionBelow = 12.0;
constexpr double kPoissonSearchCap = 1000.0;
constexpr double kPoissonSearchTiny = 1e-300;
struct PoissonSearch {
  double k, p, cdf;
};
// Whether the search goes on from s for the uniform v, and one step of it.
PMM_HD inline bool poisson_search_continues(const PoissonSearch& s, double v) {
  return v > s.cdf && s.k < kPoissonSearchCap;
}
// One term further; false when the series has underflowed past the mode (the scalar loop's break).
PMM_HD inline bool poisson_search_step(PoissonSearch& s, double mean) {
  s.k += 1;
  s.p *= mean * (1.0 / s.k);
  s.cdf += s.p;
  return !(s.p < kPoissonSearchTiny && s.k > mean);
}

// PTRS (Hormann 1993, as NumPy's random_poisson_ptrs): one trial on U = u - 1/2, V gives k = floor((2a/us + b) U +
// mean + 0.43), us = 1/2 - |U|, accepted at once when us >= 0.07 and V <= v_r, refused when k < 0 or (us < 0.013
// and V > us), else accepted when log V + log(1/alpha) - log(a/us^2 + b) <= -mean + k log mean - lgamma(k + 1).
struct PtrsParams {
  double a, b, invalpha, vr;
};
PMM_HD inline PtrsParams ptrs_params(double slam) {  // slam = sqrt(mean)
  PtrsParams c;
  c.b = 0.931 + 2.53 * slam;
  c.a = -0.059 + 0.02483 * c.b;
  c.invalpha = 1.1239 + 1.1328 / (c.b - 3.4);
  c.vr = 0.9277 - 3.6224 / (c.b - 2);
  return c;
}
PMM_HD inline double ptrs_us(double U) { return 0.5 - std::abs(U); }
PMM_HD inline double ptrs_k(const PtrsParams& c, double mean, double U, double us) {
  return std::floor((2 * c.a / us + c.b) * U + mean + 0.43);
}
PMM_HD inline bool ptrs_squeeze(const PtrsParams& c, double us, double V) { return us >= 0.07 && V <= c.vr; }
PMM_HD inline bool ptrs_refuse(double k, double us, double V) { return k < 0 || (us < 0.013 && V > us); }
PMM_HD inline double ptrs_hat(const PtrsParams& c, double us) { return c.a / (us * us) + c.b; }
// The final test, given log V, log(1/alpha), log(a/us^2 + b), log mean and lgamma(k + 1).
PMM_HD inline bool ptrs_log_accept(double log_v, double log_invalpha, double log_hat, double mean, double k,
                                   double loglam, double lgamma_k1) {
  return log_v + log_invalpha - log_hat <= -mean + k * loglam - lgamma_k1;
}
// Trials from the stream's next uniforms until one is accepted.
PMM_HD inline double poisson_ptrs(UniformStream& u, double mean) {
  const PtrsParams c = ptrs_params(std::sqrt(mean));
  const double loglam = std::log(mean);
  for (;;) {
    const double U = u.next() - 0.5;
    const double V = u.next();
    const double us = ptrs_us(U);
    const double k = ptrs_k(c, mean, U, us);
    if (ptrs_squeeze(c, us, V)) return k;
    if (ptrs_refuse(k, us, V)) continue;
    if (ptrs_log_accept(std::log(V), std::log(c.invalpha), std::log(ptrs_hat(c, us)), mean, k, loglam,
                        std::lgamma(k + 1)))
      return k;
  }
}

PMM_HD inline double poisson_draw(UniformStream& u, double mean) {
  if (!(mean > 0)) return 0.0;
  if (mean < kPoissonInversionBelow) {
    // Sequential search of the CDF with one uniform.
    const double v = u.next();
    const double p0 = std::exp(-mean);
    PoissonSearch s{0, p0, p0};
    while (poisson_search_continues(s, v))
      if (!poisson_search_step(s, mean)) break;
    return s.k;
  }
  return poisson_ptrs(u, mean);
}

// The standard normal quantile Phi^{-1}(p), 0 < p < 1, by Wichura's AS 241 (PPND16; Applied Statistics 37, 477-484,
// 1988), relative error about 1e-16: with q = p - 1/2, q R1(0.180625 - q^2) for |q| <= 0.425 (85% of uniforms), else
// with r = sqrt(-log min(p, 1 - p)), sign(q) R2(r - 1.6) for r <= 5 and sign(q) R3(r - 5) beyond (min(p, 1 - p) <
// e^-25); R1, R2, R3 are ratios of degree-7 polynomials. The pieces are separate so that the SIMD Gamma sampler
// evaluates the central ratio in every lane and the tail only where it is needed.
PMM_HD inline bool normal_quantile_in_tail(double q) { return !(std::fabs(q) <= 0.425); }
PMM_HD inline double normal_quantile_central(double q) {
  const double r = 0.180625 - q * q;
  return q *
         (((((((2509.0809287301226727 * r + 33430.575583588128105) * r + 67265.770927008700853) * r +
              45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r +
           133.14166789178437745) * r + 3.387132872796366608) /
         (((((((5226.495278852854561 * r + 28729.085735721942674) * r + 39307.89580009271061) * r +
              21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r +
           42.313330701600911252) * r + 1.0);
}
// The tail, given q and log min(p, 1 - p) (the argument of the one transcendental call): with r = sqrt(-log_tail),
// sign(q) R2(r - 1.6) for r <= 5 (normal_quantile_tail_near) and sign(q) R3(r - 5) beyond (_far; p < e^-25, about
// one uniform in 7e10: the SIMD sampler evaluates R2 alone and redoes such lanes).
PMM_HD inline double normal_quantile_tail_r(double log_tail) { return std::sqrt(-log_tail); }
PMM_HD inline double normal_quantile_tail_near(double q, double r) {
  r -= 1.6;
  const double z =
      (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r + 0.24178072517745061177) * r +
           1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r +
        4.6303378461565452959) * r + 1.42343711074968357734) /
      (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r +
           0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r +
        2.05319162663775882187) * r + 1.0);
  return q < 0 ? -z : z;
}
PMM_HD inline double normal_quantile_tail_far(double q, double r) {
  r -= 5.0;
  const double z =
      (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r +
           0.026532189526576123093) * r + 0.29656057182850489123) * r + 1.7848265399172913358) * r +
        5.4637849111641143699) * r + 6.6579046435011037772) /
      (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r +
           7.868691311456132591e-4) * r + 0.0148753612908506148525) * r + 0.13692988092273580531) * r +
        0.59983220655588793769) * r + 1.0);
  return q < 0 ? -z : z;
}
PMM_HD inline double normal_quantile_tail(double q, double log_tail) {
  const double r = normal_quantile_tail_r(log_tail);
  return r <= 5.0 ? normal_quantile_tail_near(q, r) : normal_quantile_tail_far(q, r);
}
// min(p, 1 - p), exact for p in (0, 1) (1 - p is exact for p >= 1/2).
PMM_HD inline double normal_quantile_tail_area(double p) { return p < 0.5 ? p : 1.0 - p; }
PMM_HD inline double normal_quantile(double p) {
  const double q = p - 0.5;
  return normal_quantile_in_tail(q) ? normal_quantile_tail(q, std::log(normal_quantile_tail_area(p)))
                                    : normal_quantile_central(q);
}

// Gamma(shape, 1), shape >= 1: Marsaglia-Tsang, one Philox block per trial: d = shape - 1/3, c = 1/sqrt(9 d), x =
// Phi^{-1}(u) (AS 241) from the block's first uniform, w its second; v = 1 + c x, V = v^3; with v > 0 the trial
// accepts d V when w < s = 1 - 0.0331 x^4 (the squeeze) or w < e = exp(min(h, 0)), h = x^2/2 + d (1 - V + log V)
// (Marsaglia and Tsang's test log w < h), and a refused trial passes to the next block.
// Bounds that decide most trials past the squeeze without exp and log: with y = c x, h = 3 d R(y), R(y) = log(1 + y)
// - y + y^2/2 - y^3/3, and -y^4 / (4 min(1, v)) <= R(y) <= -y^4 / (4 max(1, v)^4) (Taylor's remainder for y >= 0; for
// y < 0 every term of R's series is negative, their sum at most y^4/4 and at least y^4/(4 (1 - |y|))). With b = x^4 /
// (108 d) (= 3 d y^4 / 4) this gives 1 - b / min(1, v) <= e <= 1 / (1 + b / max(1, v)^4) (e^z >= 1 + z and e^-z <=
// 1 / (1 + z)): w above the upper bound is refused at once and w below the lower bound accepted at once (3.8% of the
// trials at shape 1, 0.1% at shape 10 still take the exp test, against 8%). The draws are those of the exp test.
struct GammaMtParams {
  double d, c;
  double q = 0;  // 1 / (108 d): b = x^4 q
};
PMM_HD inline GammaMtParams gamma_mt_params(double A) {
  const double d = A - 1.0 / 3.0;
  return {d, 1.0 / std::sqrt(9.0 * d), 1.0 / (108.0 * d)};
}
PMM_HD inline double gamma_mt_squeeze(double x) { return 1.0 - 0.0331 * x * x * x * x; }
// The argument h of e = exp(min(h, 0)), given V and log V.
PMM_HD inline double gamma_mt_log_bound(const GammaMtParams& p, double x, double V, double log_V) {
  const double h = 0.5 * x * x + p.d * (1.0 - V + log_V);
  return h < 0.0 ? h : 0.0;
}
// w >= the upper bound of e (refused), and w < its lower bound (accepted), without division: (1 - w) min(1, v) > b and
// w (M + b) >= M, M = max(1, v)^4.
PMM_HD inline bool gamma_mt_surely_refused(const GammaMtParams& p, double x, double v, double w) {
  const double m = v > 1.0 ? v : 1.0, M = (m * m) * (m * m), b = (x * x) * (x * x) * p.q;
  return w * (M + b) >= M;
}
PMM_HD inline bool gamma_mt_surely_accepted(const GammaMtParams& p, double x, double v, double w) {
  const double b = (x * x) * (x * x) * p.q;
  return (1.0 - w) * (v < 1.0 ? v : 1.0) > b;
}
// One trial on the uniforms (u, w): whether it accepts, and then the Gamma(shape) value g.
PMM_HD inline bool gamma_mt_trial(const GammaMtParams& p, double u, double w, double& g) {
  const double x = normal_quantile(u), v = 1.0 + p.c * x;
  if (!(v > 0)) return false;
  const double V = v * v * v;
  g = p.d * V;
  if (w < gamma_mt_squeeze(x)) return true;
  if (gamma_mt_surely_refused(p, x, v, w)) return false;
  if (gamma_mt_surely_accepted(p, x, v, w)) return true;
  return w < std::exp(gamma_mt_log_bound(p, x, V, std::log(V)));
}

// Gamma(a, 1), 0 < a < 1: Ahrens and Dieter's GS rejection with Best's (1983) breakpoint t = 0.07 + 0.75 sqrt(1 - a)
// (RGS), one Philox block per trial. The envelope is x^{a-1} on (0, t] and t^{a-1} e^{-x} past t, of weights t^a / a
// and t^{a-1} e^{-t}; with b = 1 + a e^{-t} / t and P = b u (u the block's first uniform, w its second):
//   P <= 1: x = t P^{1/a} = exp(log P / a + log t), accepted when w <= e^{-x};
//   P > 1:  x = t - log(b (1 - u) / (b - 1)) (t plus an Exp(1)), accepted when w <= (x / t)^{a-1}.
// The acceptance rate is Gamma(a) / (t^a / a + t^{a-1} e^{-t}): 0.999 at a = 0.001, 0.99 at 0.01, 0.92 at 0.1,
// 0.79 at 0.5 (the least), 0.88 at 0.9, 0.998 at 1 - 1e-6 (GS's t = 1: 0.72-0.75 from a = 0.5 on). Bounds decide most
// tests without exp or log: for 0 <= x <= t < 1, 1 - x + x^2/2 - x^3/6 <= e^{-x} <= 1 - x + x^2/2 (alternating Taylor
// terms); for y = x / t >= 1 and e = 1 - a in (0, 1), 1 / (1 + e (y - 1)) <= y^{-e} (Bernoulli: y^e <= 1 + e (y - 1))
// and y^{-e} = exp(-e log y) <= 1 / (1 + 2 e (y - 1) / (y + 1)) (log y >= 2 (y - 1) / (y + 1), e^-z <= 1 / (1 + z)),
// which leave 0.5-4% of the trials at a <= 0.5, 8% at 0.9, to the exact tests. x below e^-708 (log x < -708: about
// 3.3e-308, near or past the end of the normal doubles; probability 0.49 at a = 0.001) is 0.
struct GammaGsParams {
  double a, inv_a, t, log_t, inv_t, b, c2;  // c2 = b / (b - 1)
};
PMM_HD inline GammaGsParams gamma_gs_params(double a) {
  const double t = 0.07 + 0.75 * std::sqrt(1.0 - a), b = 1.0 + a * std::exp(-t) / t;
  return {a, 1.0 / a, t, std::log(t), 1.0 / t, b, b / (b - 1.0)};
}
constexpr double kGammaLogZero = -708.0;  // log x below this: x is 0
// The logarithm's argument of a trial: P = b u where P <= 1, else b (1 - u) / (b - 1).
PMM_HD inline bool gamma_gs_low(const GammaGsParams& p, double u) { return p.b * u <= 1.0; }
PMM_HD inline double gamma_gs_log_arg(const GammaGsParams& p, double u) {
  return gamma_gs_low(p, u) ? p.b * u : p.c2 * (1.0 - u);
}
// log x of a low trial given L = log P, and x of a high one given L.
PMM_HD inline double gamma_gs_low_log_x(const GammaGsParams& p, double L) { return L * p.inv_a + p.log_t; }
PMM_HD inline double gamma_gs_high_x(const GammaGsParams& p, double L) { return p.t - L; }
// The bounds' tests. Low trials (x <= t): accepted when w <= 1 - x + x^2/2 - x^3/6, refused when w > 1 - x + x^2/2;
// high ones (y = x / t, e = 1 - a): accepted when w (1 + e (y - 1)) <= 1, refused when w (y + 1 + 2 e (y - 1)) >= y +
// 1.
PMM_HD inline bool gamma_gs_low_accepted(double x, double w) {
  return w <= 1.0 - x * (1.0 - x * (0.5 - x * (1.0 / 6.0)));
}
PMM_HD inline bool gamma_gs_low_refused(double x, double w) { return w > 1.0 - x * (1.0 - 0.5 * x); }
PMM_HD inline bool gamma_gs_high_accepted(double a, double y, double w) {
  return w * (1.0 + (1.0 - a) * (y - 1.0)) <= 1.0;
}
PMM_HD inline bool gamma_gs_high_refused(double a, double y, double w) {
  return w * (y + 1.0 + 2.0 * (1.0 - a) * (y - 1.0)) >= y + 1.0;
}
// The exact test (libm): w <= e^{-x}, or w <= (x / t)^{a-1}.
PMM_HD inline bool gamma_gs_exact(const GammaGsParams& p, bool low, double x, double w) {
  return low ? w <= std::exp(-x) : w <= std::exp((p.a - 1.0) * std::log(x * p.inv_t));
}
// One trial on the uniforms (u, w): whether it accepts, and then the Gamma(a) value x.
PMM_HD inline bool gamma_gs_trial(const GammaGsParams& p, double u, double w, double& x) {
  const bool low = gamma_gs_low(p, u);
  const double L = std::log(gamma_gs_log_arg(p, u));
  if (low) {
    const double z = gamma_gs_low_log_x(p, L);
    x = z < kGammaLogZero ? 0.0 : std::exp(z);
  } else {
    x = gamma_gs_high_x(p, L);
  }
  if (low) {
    if (gamma_gs_low_accepted(x, w)) return true;
    if (gamma_gs_low_refused(x, w)) return false;
  } else {
    const double y = x * p.inv_t;
    if (gamma_gs_high_accepted(p.a, y, w)) return true;
    if (gamma_gs_high_refused(p.a, y, w)) return false;
  }
  return gamma_gs_exact(p, low, x, w);
}

// Trials from the stream's next block until one accepts: Gamma(shape), shape > 0.
PMM_HD inline double gamma_draw_trials(UniformStream& u, double shape) {
  double g = 0;
  if (shape < 1.0) {
    const GammaGsParams p = gamma_gs_params(shape);
    for (;;) {
      const double u1 = u.next(), w = u.next();
      if (gamma_gs_trial(p, u1, w, g)) return g;
    }
  }
  const GammaMtParams p = gamma_mt_params(shape);
  for (;;) {
    const double u1 = u.next(), w = u.next();
    if (gamma_mt_trial(p, u1, w, g)) return g;
  }
}

// Gamma(shape, scale 1); 0 for shape <= 0 or NaN.
PMM_HD inline double gamma_draw(UniformStream& u, double shape) {
  return shape > 0 ? gamma_draw_trials(u, shape) : 0.0;
}

// The standard normal of (path, step, coordinate) on the kNormal stream, as fill_normals() lays them out: one
// Philox block per path pair, counter (path / 2, step, coordinate, kNormal << 24), u1 = words 0-1, u2 = words 2-3,
// Box-Muller sqrt(-2 ln u1) cos(2 pi u2) for the even path and the sine half for the odd one. fill_normals() is the
// SIMD version (libmvec, so it differs from this one by rounding only, ~1e-16); device kernels call this one.
PMM_HD inline double path_normal(std::uint64_t seed, std::uint64_t path, std::uint32_t step, std::uint32_t coord) {
  const auto r = Philox()(philox_counter(path >> 1, step, coord, Stream::kNormal, 0), philox_key(seed));
  const double u1 = uniform_open(r[0], r[1]), u2 = uniform_open(r[2], r[3]);
  const double rad = std::sqrt(-2.0 * std::log(u1));
  return (path & 1) ? rad * std::sin(6.283185307179586 * u2) : rad * std::cos(6.283185307179586 * u2);
}

// The same normal in float32 (the device's --precision f32 kernels): the same Philox block and uniforms, rounded to
// float, then Box-Muller in float (sqrtf(-2 logf u1) cosf/sinf(2 pi u2)); it differs from path_normal by float
// rounding, ~1e-7 relative (u1 rounding to 1 gives 0, never NaN: uniform_open excludes 0).
PMM_HD inline float path_normal_f32(std::uint64_t seed, std::uint64_t path, std::uint32_t step, std::uint32_t coord) {
  const auto r = Philox()(philox_counter(path >> 1, step, coord, Stream::kNormal, 0), philox_key(seed));
  const float u1 = static_cast<float>(uniform_open(r[0], r[1])), u2 = static_cast<float>(uniform_open(r[2], r[3]));
  const float rad = std::sqrt(-2.0f * std::log(u1));
  return (path & 1) ? rad * std::sin(6.2831853f * u2) : rad * std::cos(6.2831853f * u2);
}

}  // namespace pmm
