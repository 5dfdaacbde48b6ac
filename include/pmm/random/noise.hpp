// Noise handed to steppers as increments over a step: standard normals xi with
// W(t1) - W(t0) = sqrt(t1 - t0) xi, and Poisson counts of a given mean. PhiloxNoise keys every draw on
// (seed; path, step index, coordinate), so results do not depend on threads or batch splits.
#pragma once
#include <cstdint>

#include <pmm/core/batch.hpp>
#include <pmm/random/random.hpp>

namespace pmm {

struct StepInfo {
  std::uint32_t index = 0;  // 0-based step number on the grid
  std::uint32_t count = 1;  // steps on the grid
  double t0 = 0, t1 = 1;
};

class NoiseSource {
 public:
  virtual ~NoiseSource() = default;
  // out is dim x n (resized by the caller): standard normals for paths path0 .. path0 + n - 1.
  virtual void normals(const StepInfo& step, Index path0, Batch& out) const = 0;
  // One Poisson(mean) count for (path, coordinate) over the step; exact for any mean >= 0.
  virtual double poisson(const StepInfo& step, Index path, Index coord, double mean) const = 0;
  // Counts for a whole chunk: out(d, j) = poisson(step, path0 + j, d, means(d, j)), the same numbers (out is resized).
  // The default loops over poisson(); PhiloxNoise draws the first uniforms of all draws in SIMD blocks.
  virtual void poisson_counts(const StepInfo& step, Index path0, const Batch& means, Batch& out) const;
  // Gamma(shapes(d, j), 1) draws of the streams (seed; path0 + j, step, kGamma, d): out(d, j) = gamma_draw() of that
  // stream (out is resized). The default loops over gamma_draw(); PhiloxNoise draws in SIMD (gamma_lanes).
  virtual void gamma_draws(const StepInfo& step, Index path0, const Batch& shapes, Batch& out) const;
  // The same draws for one shape in every element of a dim x n chunk (out is resized): the exact step's case, with
  // no batch of shapes to fill. The default fills one and calls gamma_draws; PhiloxNoise reads the one shape.
  virtual void gamma_draws_one_shape(const StepInfo& step, Index path0, double shape, Index dim, Index n,
                                     Batch& out) const;
  virtual std::uint64_t seed() const = 0;
};

// Independent Philox4x32-10 draws per (path, step, coordinate).
class PhiloxNoise final : public NoiseSource {
 public:
  explicit PhiloxNoise(std::uint64_t seed) : seed_(seed) {}
  void normals(const StepInfo& step, Index path0, Batch& out) const override;
  double poisson(const StepInfo& step, Index path, Index coord, double mean) const override;
  void poisson_counts(const StepInfo& step, Index path0, const Batch& means, Batch& out) const override;
  void gamma_draws(const StepInfo& step, Index path0, const Batch& shapes, Batch& out) const override;
  void gamma_draws_one_shape(const StepInfo& step, Index path0, double shape, Index dim, Index n,
                             Batch& out) const override;
  std::uint64_t seed() const override { return seed_; }

 private:
  std::uint64_t seed_;
};

// The SIMD code the Philox blocks below run: the widest the CPU supports (AVX-512F with DQ, AVX2, else baseline
// x86-64), or a narrower one named by the environment variable PMM_SIMD (avx512, avx2, baseline; read once). libmvec's
// variants may round log/sin/cos differently in the last bit, so the variant is part of what a normal's bits
// depend on: PMM_SIMD=avx2 makes an AVX-512 machine give an AVX2 machine's normals.
enum class SimdVariant { kBaseline = 0, kAvx2 = 1, kAvx512 = 2 };
SimdVariant simd_variant();
const char* simd_variant_name(SimdVariant v);

// How the AVX-512 Philox kernel takes the high word of a round's 64-bit products: a shift (vpsrlq) with the 32-bit
// masks in every round, or a dword shuffle (vpshufd) with the masks once after the last round. The bits are the
// same; the shuffle kernel runs 6 vector instructions per register and round instead of 8. It is chosen on Intel
// CPUs (a block 14% faster on a Xeon of 2023), the shift elsewhere (on AMD Zen 5, dropping the masks measured
// slower); the environment variable PMM_PHILOX_HIGH=shift|shuffle overrides the choice (read once).
// docs/benchmarks.md, "Intel Xeon".
enum class PhiloxHigh { kShift = 0, kShuffle = 1 };
PhiloxHigh philox_high();
const char* philox_high_name(PhiloxHigh h);

// Standard normals for (seed, stream, step) and paths path0.. into out (dim x n): the hot loop of
// every diffusion solver, kept in its own translation unit so it can be tuned alone.
void fill_normals(std::uint64_t seed, Stream stream, std::uint32_t step, Index path0, Batch& out);

// Philox blocks with counters (c0_first + j, c1, c2, c3), j < n, as uniform pairs: u1[j] = uniform_open(r0, r1),
// u2[j] = uniform_open(r2, r3), bitwise what UniformStream's first refill gives, computed 64 counters at a time.
// u2 may be null: then u1 alone, for less (the last round's half that makes r2 and r3 is skipped).
void philox_uniform_pairs(std::uint64_t seed, std::uint32_t c0_first, std::uint32_t c1, std::uint32_t c2,
                          std::uint32_t c3, Index n, double* u1, double* u2);
// The same for the counters (c0[j], c1, c2, c3), j < lanes, with word 0 given per lane: lanes a multiple of 8 from 8
// to kUniformPairsAtLanes (other values throw kInvalidArgument naming lanes); u1 and u2 past lanes are not written.
constexpr int kUniformPairsAtLanes = 64;
void philox_uniform_pairs_at(std::uint64_t seed, const std::uint32_t* c0, std::uint32_t c1, std::uint32_t c2,
                             std::uint32_t c3, double* u1, double* u2, int lanes = kUniformPairsAtLanes);

// The signature the SIMD samplers below share: (seed, path0, step, coord, n, parameters, stride, out).
using LanesFn = void (*)(std::uint64_t, std::uint32_t, std::uint32_t, std::uint32_t, Index, const double*, Index,
                         double*);
// Poisson(means[j stride]) counts of the streams (seed; path0 + j, step, kPoisson, coord), j < n, into out[j stride]:
// poisson_draw()'s counts, computed in SIMD (random/batch_samplers.cpp; they differ only where libmvec's exp/log and
// libm's round a comparison apart, ~1e-16 a draw). A lane's count depends on its counters alone: the same bits however
// a row is split into calls (n, path0). out must not overlap means.
void poisson_lanes(std::uint64_t seed, std::uint32_t path0, std::uint32_t step, std::uint32_t coord, Index n,
                   const double* means, Index stride, double* out);
// Gamma(shapes[j stride], 1) draws of the streams (seed; path0 + j, step, kGamma, coord) into out[j stride]:
// gamma_draw()'s values up to libmvec-vs-libm rounding (within 1e-12 + 2e-15/shape relative: GS's P^{1/shape} carries
// an ulp of log P times 1/shape), the same bits however a row is split into calls. out must not overlap shapes.
void gamma_lanes(std::uint64_t seed, std::uint32_t path0, std::uint32_t step, std::uint32_t coord, Index n,
                 const double* shapes, Index stride, double* out);
// The same with one shape for every j (the same values as gamma_lanes given a row of that shape).
void gamma_lanes_one_shape(std::uint64_t seed, std::uint32_t path0, std::uint32_t step, std::uint32_t coord, Index n,
                           double shape, Index stride, double* out);
// e^x[i], i < n, as the SIMD samplers take it (the inversion's e^-mean, GS's P^{1/shape}), for
// -708 <= x <= 709 (below -708 and NaN: e^-708 on AVX-512): within 0.55 ulp by random/exp_avx512.inl where the
// Philox kernels run AVX-512, libmvec's exp (within 4 ulps) elsewhere.
void exp_lanes(const double* x, Index n, double* out);
// log x[i], i < n, x[i] positive and finite, as the SIMD samplers take it (GS's log P): within ~1 ulp (and ~2e-18
// absolute near 1) by random/log_avx512.inl where the Philox kernels run AVX-512, libmvec's log (within 4 ulps)
// elsewhere.
void log_lanes(const double* x, Index n, double* out);

// Box-Muller normals of the Philox blocks (c0, c1, c2_first + i, c3), i < pairs: out[2 i] = sqrt(-2 ln u1) cos(2 pi u2),
// out[2 i + 1] = the sine half (u1, u2 = uniform_open of words 0-1 and 2-3); out holds 2 pairs values.
void philox_normal_pairs(std::uint64_t seed, std::uint32_t c0, std::uint32_t c1, std::uint32_t c2_first,
                         std::uint32_t c3, Index pairs, double* out);

}  // namespace pmm
