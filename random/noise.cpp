// Philox4x32-10 normals: one Philox block per (path pair, step, coordinate) gives two 53-bit uniforms
// (u1, u2) and, by Box-Muller, sqrt(-2 ln u1) cos(2 pi u2) for the even path 2k and sqrt(-2 ln u1) sin(2 pi u2)
// for the odd path 2k + 1: counter = (k, step, coordinate, stream << 24). Both halves are used for any dim.
// The rounds run over 64 pairs at once (random/philox_kernels.inl: explicit 32 x 32 -> 64 multiplies on SIMD
// registers), and the transcendental functions go through glibc's libmvec (this file alone is built with -ffast-math).
// Each block kernel is compiled for AVX-512F (twice: the two ways of philox_high()), AVX2 and SSE2 baseline, and
// simd_variant() picks one at run time: the best the CPU has, or a lower one named by the environment variable
// PMM_SIMD (docs/benchmarks.md, "The CPU ceiling": the AVX2 variant is what a machine without AVX-512 runs; libmvec's
// variants round log/sin/cos differently in the last bit, so PMM_SIMD=avx2 also gives AVX-512 and AVX2 machines the
// same normals).
#include <pmm/random/noise.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include <pmm/core/error.hpp>

#include <immintrin.h>


namespace pmm {

SimdVariant simd_variant() {
  static const SimdVariant chosen = [] {
    SimdVariant best = SimdVariant::kBaseline;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) best = SimdVariant::kAvx2;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")) best = SimdVariant::kAvx512;
    const char* want = std::getenv("PMM_SIMD");
    if (want == nullptr || *want == 0) return best;
    SimdVariant asked = best;
    if (std::strcmp(want, "avx512") == 0) asked = SimdVariant::kAvx512;
    else if (std::strcmp(want, "avx2") == 0) asked = SimdVariant::kAvx2;
    else if (std::strcmp(want, "baseline") == 0) asked = SimdVariant::kBaseline;
    return std::min(asked, best);  // never a variant the CPU cannot run; an unknown name keeps the best
  }();
  return chosen;
}

PhiloxHigh philox_high() {
  static const PhiloxHigh chosen = [] {
    const char* want = std::getenv("PMM_PHILOX_HIGH");
    if (want != nullptr && std::strcmp(want, "shift") == 0) return PhiloxHigh::kShift;
    if (want != nullptr && std::strcmp(want, "shuffle") == 0) return PhiloxHigh::kShuffle;
    __builtin_cpu_init();
    return __builtin_cpu_is("intel") ? PhiloxHigh::kShuffle : PhiloxHigh::kShift;  // an unknown name: by vendor
  }();
  return chosen;
}

const char* philox_high_name(PhiloxHigh h) { return h == PhiloxHigh::kShuffle ? "shuffle" : "shift"; }

const char* simd_variant_name(SimdVariant v) {
  switch (v) {
    case SimdVariant::kAvx512: return "avx512";
    case SimdVariant::kAvx2: return "avx2";
    default: return "baseline";
  }
}

namespace {

constexpr int kLanes = 64;     // path pairs per inner batch: a multiple of every SIMD width, so no scalar tail
static_assert(kLanes == kUniformPairsAtLanes, "philox_uniform_pairs_at fills one block of kLanes counters");
constexpr int kPairLanes = 8;  // blocks per philox_normal_pairs batch: a 1-pair call costs about one scalar block

}  // namespace

// The kernels, compiled once per SIMD variant: the same source under three targets.
#if defined(__clang__)  // clang ignores GCC's target pragmas (the fuzz harnesses build this file with clang)
#pragma clang attribute push(__attribute__((target("avx512f,avx512dq"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq")
#endif
namespace simd_avx512 {
constexpr int kWidth = 8;
constexpr bool kHighByShuffle = false;
constexpr bool kU64ToDouble = true;
typedef std::uint64_t V __attribute__((vector_size(64)));
__attribute__((always_inline)) inline V mul_lo32(V a, V m) { return (V)_mm512_maskz_mul_epu32(0xFF, (__m512i)a, (__m512i)m); }
__attribute__((always_inline)) inline V hi32(V a) {
  return (V)_mm512_maskz_shuffle_epi32(0xFFFF, (__m512i)a, (_MM_PERM_ENUM)0xF5);
}
// uniform_open(hi, lo) in each lane (the low 32 bits of hi and lo; the high halves may hold anything): bits = hi 2^21
// + (lo >> 11) by two shifts and one bit-select, converted exactly (< 2^53), then (bits + 1/2) 2^-53 clamped below 1.
__attribute__((always_inline)) inline void uniform_open_lanes(V hi, V lo, double* out) {
  const __m512i mask = _mm512_set1_epi64(static_cast<long long>(std::uint64_t{0xFFFFFFFFu} << 21));
  const __m512i h = (__m512i)(hi << 21), l = (__m512i)(lo >> 11);
  const __m512i bits = _mm512_ternarylogic_epi64(h, l, mask, 0xE4);  // mask ? h : l, bit by bit
  // (The maskz forms of the intrinsics here and above: the plain ones start from _mm512_undefined, which GCC 12's
  // -Wuninitialized reports.)
  const __m512d u = _mm512_mul_pd(_mm512_add_pd(_mm512_maskz_cvtepi64_pd(0xFF, bits), _mm512_set1_pd(0.5)),
                                  _mm512_set1_pd(0x1.0p-53));
  _mm512_storeu_pd(out, _mm512_maskz_min_pd(0xFF, u, _mm512_set1_pd(0x1.fffffffffffffp-1)));
}
#include "philox_kernels.inl"
}  // namespace simd_avx512
namespace simd_avx512_shuffle {  // the same kernels, the high words by vpshufd (philox_high())
constexpr int kWidth = 8;
constexpr bool kHighByShuffle = true;
constexpr bool kU64ToDouble = true;
using simd_avx512::V;
using simd_avx512::mul_lo32;
using simd_avx512::hi32;
using simd_avx512::uniform_open_lanes;
#include "philox_kernels.inl"
}  // namespace simd_avx512_shuffle
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#if defined(__clang__)  // clang ignores GCC's target pragmas (the fuzz harnesses build this file with clang)
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2")
#endif
namespace simd_avx2 {
constexpr int kWidth = 4;
constexpr bool kHighByShuffle = false;
constexpr bool kU64ToDouble = false;
typedef std::uint64_t V __attribute__((vector_size(32)));
void uniform_open_lanes(V hi, V lo, double* out);  // declared only: not called where kU64ToDouble is false
__attribute__((always_inline)) inline V mul_lo32(V a, V m) { return (V)_mm256_mul_epu32((__m256i)a, (__m256i)m); }
__attribute__((always_inline)) inline V hi32(V a) { return (V)_mm256_shuffle_epi32((__m256i)a, 0xF5); }
#include "philox_kernels.inl"
}  // namespace simd_avx2
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

namespace simd_baseline {  // SSE2, which every x86-64 CPU has
constexpr int kWidth = 2;
constexpr bool kHighByShuffle = false;
constexpr bool kU64ToDouble = false;
typedef std::uint64_t V __attribute__((vector_size(16)));
void uniform_open_lanes(V hi, V lo, double* out);  // declared only: not called where kU64ToDouble is false
__attribute__((always_inline)) inline V mul_lo32(V a, V m) { return (V)_mm_mul_epu32((__m128i)a, (__m128i)m); }
__attribute__((always_inline)) inline V hi32(V a) { return (V)_mm_shuffle_epi32((__m128i)a, 0xF5); }
#include "philox_kernels.inl"
}  // namespace simd_baseline

namespace {

// The chosen variant's kernel: dispatch(NAME, args) calls simd_<variant>::NAME(args) (AVX-512: the philox_high() one).
#define PMM_SIMD_DISPATCH(NAME, ...)                                  \
  switch (simd_variant()) {                                           \
    case SimdVariant::kAvx512:                                        \
      if (philox_high() == PhiloxHigh::kShuffle)                      \
        simd_avx512_shuffle::NAME(__VA_ARGS__);                       \
      else                                                            \
        simd_avx512::NAME(__VA_ARGS__);                               \
      break;                                                          \
    case SimdVariant::kAvx2: simd_avx2::NAME(__VA_ARGS__); break;     \
    default: simd_baseline::NAME(__VA_ARGS__);                        \
  }

void normals_block_paths(std::uint32_t k0, std::uint32_t k1, std::uint32_t pair_lo, std::uint32_t step,
                         std::uint32_t block, std::uint32_t tag, double* out) {
  PMM_SIMD_DISPATCH(normals_block_paths, k0, k1, pair_lo, step, block, tag, out)
}
void normal_pairs_block(std::uint32_t k0, std::uint32_t k1, std::uint32_t w0, std::uint32_t w1, std::uint32_t w2_lo,
                        std::uint32_t w3, double* z0, double* z1) {
  PMM_SIMD_DISPATCH(normal_pairs_block, k0, k1, w0, w1, w2_lo, w3, z0, z1)
}
void uniform_pairs_block(std::uint32_t k0, std::uint32_t k1, std::uint32_t c0_lo, std::uint32_t w1, std::uint32_t w2,
                         std::uint32_t w3, double* u1, double* u2) {
  PMM_SIMD_DISPATCH(uniform_pairs_block, k0, k1, c0_lo, w1, w2, w3, u1, u2)
}
void uniform_firsts_block(std::uint32_t k0, std::uint32_t k1, std::uint32_t c0_lo, std::uint32_t w1, std::uint32_t w2,
                          std::uint32_t w3, double* u1) {
  PMM_SIMD_DISPATCH(uniform_firsts_block, k0, k1, c0_lo, w1, w2, w3, u1)
}
void uniform_pairs_gather(std::uint32_t k0, std::uint32_t k1, const std::uint32_t* c0s, std::uint32_t w1,
                          std::uint32_t w2, std::uint32_t w3, double* u1, double* u2, int lanes) {
  PMM_SIMD_DISPATCH(uniform_pairs_gather, k0, k1, c0s, w1, w2, w3, u1, u2, lanes)
}
#undef PMM_SIMD_DISPATCH

}  // namespace

void fill_normals(std::uint64_t seed, Stream stream, std::uint32_t step, Index path0, Batch& out) {
  const std::uint32_t k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
  const std::uint32_t tag = static_cast<std::uint32_t>(stream) << 24;
  const Index dim = out.rows(), n = out.cols();
  if (n == 0 || dim == 0) return;
  // Normals of kTile coordinates for one block of path pairs, in path order, then written column by column: kTile
  // consecutive doubles of a path per store run. Writing each coordinate's 128 normals straight into the dim x n
  // batch strides by dim doubles, and at dim 256 or 3072 (2 KiB, 24 KiB) those stores all fall into one or two
  // cache sets (measured: 8.4 and 13.7 ns per coordinate-step against 2.3 ns at dim 1; docs/benchmarks.md).
  constexpr Index kTile = 8;
  alignas(64) double tile[kTile][2 * kLanes];
  const Index last_pair = (path0 + n - 1) >> 1;
  for (Index q0 = path0 >> 1; q0 <= last_pair; q0 += kLanes) {
    const Index m = std::min<Index>(kLanes, last_pair - q0 + 1);
    const Index col0 = 2 * q0 - path0;  // column of path 2 q0 (-1 when path0 is odd)
    if (dim == 1 && col0 >= 0 && m == kLanes && col0 + 2 * kLanes <= n) {  // one coordinate, a whole block: in place
      normals_block_paths(k0, k1, static_cast<std::uint32_t>(q0), step, 0, tag, out.data() + col0);
      continue;
    }
    const Index c_lo = std::max<Index>(0, -col0), c_hi = std::min<Index>(2 * m, n - col0);  // slots in the batch
    for (Index d0 = 0; d0 < dim; d0 += kTile) {
      const Index nd = std::min<Index>(kTile, dim - d0);
      for (Index dd = 0; dd < nd; ++dd)
        normals_block_paths(k0, k1, static_cast<std::uint32_t>(q0), step, static_cast<std::uint32_t>(d0 + dd), tag,
                            tile[dd]);
      for (Index c = c_lo; c < c_hi; ++c) {
        double* dst = out.data() + (col0 + c) * dim + d0;
        for (Index dd = 0; dd < nd; ++dd) dst[dd] = tile[dd][c];
      }
    }
  }
}

void philox_uniform_pairs(std::uint64_t seed, std::uint32_t c0_first, std::uint32_t c1, std::uint32_t c2,
                          std::uint32_t c3, Index n, double* u1, double* u2) {
  const std::uint32_t k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
  alignas(64) double a[kLanes], b[kLanes];
  for (Index j0 = 0; j0 < n; j0 += kLanes) {
    const Index m = std::min<Index>(kLanes, n - j0);
    const std::uint32_t c0 = c0_first + static_cast<std::uint32_t>(j0);
    const bool whole = m == kLanes;  // a whole block: straight into the output
    if (u2 == nullptr) uniform_firsts_block(k0, k1, c0, c1, c2, c3, whole ? u1 + j0 : a);
    else uniform_pairs_block(k0, k1, c0, c1, c2, c3, whole ? u1 + j0 : a, whole ? u2 + j0 : b);
    if (whole) continue;
    std::copy(a, a + m, u1 + j0);
    if (u2 != nullptr) std::copy(b, b + m, u2 + j0);
  }
}

void philox_uniform_pairs_at(std::uint64_t seed, const std::uint32_t* c0, std::uint32_t c1, std::uint32_t c2,
                             std::uint32_t c3, double* u1, double* u2, int lanes) {
  if (lanes < 8 || lanes > kLanes || lanes % 8 != 0)
    throw Error(ErrorKind::kInvalidArgument, "lanes",
                "must be a multiple of 8 from 8 to " + std::to_string(kLanes) + ", got " + std::to_string(lanes));
  uniform_pairs_gather(static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32), c0, c1, c2, c3, u1,
                       u2, lanes);
}

void philox_normal_pairs(std::uint64_t seed, std::uint32_t c0, std::uint32_t c1, std::uint32_t c2_first,
                         std::uint32_t c3, Index pairs, double* out) {
  const std::uint32_t k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
  alignas(64) double z0[kPairLanes], z1[kPairLanes];
  for (Index i0 = 0; i0 < pairs; i0 += kPairLanes) {
    normal_pairs_block(k0, k1, c0, c1, c2_first + static_cast<std::uint32_t>(i0), c3, z0, z1);
    const Index m = std::min<Index>(kPairLanes, pairs - i0);
    for (Index i = 0; i < m; ++i) {
      out[2 * (i0 + i)] = z0[i];
      out[2 * (i0 + i) + 1] = z1[i];
    }
  }
}

void PhiloxNoise::normals(const StepInfo& step, Index path0, Batch& out) const {
  fill_normals(seed_, Stream::kNormal, step.index, path0, out);
}

}  // namespace pmm
