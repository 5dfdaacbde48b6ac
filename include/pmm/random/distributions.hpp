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

PMM_HD inline double poisson_draw(UniformStream& u, double mean) {
  if (!(mean > 0)) return 0.0;
  if (mean < 12.0) {
    // Sequential search of the CDF with one uniform.
    const double v = u.next();
    double p = std::exp(-mean), cdf = p, k = 0;
    while (v > cdf && k < 1000) {
      k += 1;
      p *= mean / k;
      cdf += p;
      if (p < 1e-300 && k > mean) break;
    }
    return k;
  }
  // PTRS (Hormann 1993), as in NumPy's random_poisson_ptrs.
  const double slam = std::sqrt(mean), loglam = std::log(mean);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const double vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const double U = u.next() - 0.5;
    const double V = u.next();
    const double us = 0.5 - std::abs(U);
    const double k = std::floor((2 * a / us + b) * U + mean + 0.43);
    if (us >= 0.07 && V <= vr) return k;
    if (k < 0 || (us < 0.013 && V > us)) continue;
    if (std::log(V) + std::log(invalpha) - std::log(a / (us * us) + b) <= -mean + k * loglam - std::lgamma(k + 1))
      return k;
  }
}

// Gamma(shape, scale 1).
PMM_HD inline double gamma_draw(UniformStream& u, double shape) {
  if (!(shape > 0)) return 0.0;
  if (shape < 1.0) {
    const double g = gamma_draw(u, shape + 1.0);
    return g * std::pow(u.next(), 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = normal_draw(u);
      v = 1.0 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double w = u.next();
    if (w < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (std::log(w) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
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
