// Philox4x32-10 normals: one Philox block per (path pair, step, coordinate) gives two 53-bit uniforms
// (u1, u2) and, by Box-Muller, sqrt(-2 ln u1) cos(2 pi u2) for the even path 2k and sqrt(-2 ln u1) sin(2 pi u2)
// for the odd path 2k + 1: counter = (k, step, coordinate, stream << 24). Both halves are used for any dim.
// The rounds run over 64 pairs at once (structure of arrays) so the compiler vectorises them, and the
// transcendental functions go through glibc's libmvec (this file alone is built with -ffast-math).
#include <pmm/random/noise.hpp>

#include "philox_lanes.hpp"

#include <algorithm>
#include <cmath>


namespace pmm {
namespace {

using simd::kLanes;
using simd::uniform_block;

// Box-Muller: z0 = sqrt(-2 ln u1) cos(2 pi u2), z1 = sqrt(-2 ln u1) sin(2 pi u2).
template <int L>
__attribute__((always_inline)) inline void box_muller(const double* __restrict u1, const double* __restrict u2,
                                                      double* __restrict z0, double* __restrict z1) {
  alignas(64) double rad[L];
#pragma omp simd
  for (int j = 0; j < L; ++j) rad[j] = std::sqrt(-2.0 * std::log(u1[j]));
  // Separate loops: in one loop GCC fuses sin and cos into a scalar sincos call and stops vectorising.
#pragma omp simd
  for (int j = 0; j < L; ++j) z0[j] = rad[j] * std::cos(6.283185307179586 * u2[j]);
#pragma omp simd
  for (int j = 0; j < L; ++j) z1[j] = rad[j] * std::sin(6.283185307179586 * u2[j]);
}

__attribute__((target_clones("avx512f", "avx2", "default")))
void normals_block(std::uint32_t k0, std::uint32_t k1, std::uint32_t pair_lo, std::uint32_t step,
                   std::uint32_t block, std::uint32_t tag, double* __restrict z0, double* __restrict z1) {
  alignas(64) double u1[kLanes], u2[kLanes];
  uniform_block(k0, k1, pair_lo, step, block, tag, u1, u2);
  box_muller<kLanes>(u1, u2, z0, z1);
}

// 8 blocks (one AVX-512 register of 64-bit lanes) with word 2 counting up: small enough that a 1-pair call costs
// about one scalar block, and every block is computed the same way whatever the count asked for.
constexpr int kPairLanes = 8;
__attribute__((target_clones("avx512f", "avx2", "default")))
void normal_pairs_block(std::uint32_t k0, std::uint32_t k1, std::uint32_t w0, std::uint32_t w1, std::uint32_t w2_lo,
                        std::uint32_t w3, double* __restrict z0, double* __restrict z1) {
  alignas(64) double u1[kPairLanes], u2[kPairLanes];
  uniform_block<kPairLanes, true>(k0, k1, w0, w1, w2_lo, w3, u1, u2);
  box_muller<kPairLanes>(u1, u2, z0, z1);
}

__attribute__((target_clones("avx512f", "avx2", "default")))
void uniform_pairs_block(std::uint32_t k0, std::uint32_t k1, std::uint32_t c0_lo, std::uint32_t w1, std::uint32_t w2,
                         std::uint32_t w3, double* __restrict u1, double* __restrict u2) {
  uniform_block(k0, k1, c0_lo, w1, w2, w3, u1, u2);
}

}  // namespace

void fill_normals(std::uint64_t seed, Stream stream, std::uint32_t step, Index path0, Batch& out) {
  const std::uint32_t k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
  const std::uint32_t tag = static_cast<std::uint32_t>(stream) << 24;
  const Index dim = out.rows(), n = out.cols();
  if (n == 0 || dim == 0) return;
  alignas(64) double z0[kLanes], z1[kLanes];
  const Index last_pair = (path0 + n - 1) >> 1;
  for (Index q0 = path0 >> 1; q0 <= last_pair; q0 += kLanes) {
    const Index m = std::min<Index>(kLanes, last_pair - q0 + 1);
    const Index col0 = 2 * q0 - path0;  // column of path 2 q0 (-1 when path0 is odd)
    const bool interior = col0 >= 0 && col0 + 2 * m <= n;
    for (Index d = 0; d < dim; ++d) {
      normals_block(k0, k1, static_cast<std::uint32_t>(q0), step, static_cast<std::uint32_t>(d), tag, z0, z1);
      double* dst = out.data() + d;
      if (interior) {
        double* col = dst + col0 * dim;
        for (Index j = 0; j < m; ++j) {
          col[(2 * j) * dim] = z0[j];
          col[(2 * j + 1) * dim] = z1[j];
        }
      } else {
        for (Index j = 0; j < m; ++j) {
          const Index c = col0 + 2 * j;
          if (c >= 0) dst[c * dim] = z0[j];
          if (c + 1 < n) dst[(c + 1) * dim] = z1[j];
        }
      }
    }
  }
}

void philox_uniform_pairs(std::uint64_t seed, std::uint32_t c0_first, std::uint32_t c1, std::uint32_t c2,
                          std::uint32_t c3, Index n, double* u1, double* u2) {
  const std::uint32_t k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
  alignas(64) double a[kLanes], b[kLanes];
  for (Index j0 = 0; j0 < n; j0 += kLanes) {
    uniform_pairs_block(k0, k1, c0_first + static_cast<std::uint32_t>(j0), c1, c2, c3, a, b);
    const Index m = std::min<Index>(kLanes, n - j0);
    std::copy(a, a + m, u1 + j0);
    std::copy(b, b + m, u2 + j0);
  }
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
