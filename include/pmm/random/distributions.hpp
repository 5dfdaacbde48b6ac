// Exact samplers driven by a UniformStream (so draws stay counter-based): Box-Muller normals,
// Poisson (inversion for mean < 12, Hormann's PTRS transformed rejection above: exact for any mean),
// Gamma (Marsaglia-Tsang; shape < 1 by Gamma(a + 1) U^{1/a}).
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
// terms built up by p_k = p_{k-1} mean / k from p_0 = e^-mean; the search stops at k = kPoissonSearchCap or once
// p_k underflows past the mode (the CDF has then reached its rounding limit).
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
  s.p *= mean / s.k;
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

// Marsaglia-Tsang for Gamma(A, 1), A >= 1: d = A - 1/3, c = 1/sqrt(9 d); x ~ N(0, 1) (Box-Muller, redrawn while v =
// 1 + c x <= 0), V = v^3, w ~ U(0, 1); accept d V when w < 1 - 0.0331 x^4 or log w < x^2/2 + d (1 - V + log V).
struct GammaMtParams {
  double d, c;
};
PMM_HD inline GammaMtParams gamma_mt_params(double A) {
  const double d = A - 1.0 / 3.0;
  return {d, 1.0 / std::sqrt(9.0 * d)};
}
// The shape the Marsaglia-Tsang loop runs at: shape < 1 is drawn as Gamma(shape + 1) U^{1/shape}.
PMM_HD inline double gamma_mt_shape(double shape) { return shape < 1.0 ? shape + 1.0 : shape; }
PMM_HD inline bool gamma_mt_squeeze(double x, double w) { return w < 1.0 - 0.0331 * x * x * x * x; }
PMM_HD inline bool gamma_mt_log_accept(const GammaMtParams& p, double x, double V, double log_w, double log_V) {
  return log_w < 0.5 * x * x + p.d * (1.0 - V + log_V);
}
// Trials from the stream's next uniforms until one is accepted.
PMM_HD inline double gamma_mt(UniformStream& u, const GammaMtParams& p) {
  for (;;) {
    double x, v;
    do {
      x = normal_draw(u);
      v = 1.0 + p.c * x;
    } while (v <= 0);
    v = v * v * v;
    const double w = u.next();
    if (gamma_mt_squeeze(x, w)) return p.d * v;
    if (gamma_mt_log_accept(p, x, v, std::log(w), std::log(v))) return p.d * v;
  }
}

// Gamma(shape, scale 1).
PMM_HD inline double gamma_draw(UniformStream& u, double shape) {
  if (!(shape > 0)) return 0.0;
  const double g = gamma_mt(u, gamma_mt_params(gamma_mt_shape(shape)));
  return shape < 1.0 ? g * std::pow(u.next(), 1.0 / shape) : g;
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
