// Philox4x32-10 normals: one Philox block per (path, step, coordinate pair) gives two 53-bit
// uniforms (u1, u2) and, by Box-Muller, the two normals sqrt(-2 ln u1) (cos 2 pi u2, sin 2 pi u2).
// The rounds run over 64 paths at once (structure of arrays) so the compiler vectorises them, and the
// transcendental functions go through glibc's libmvec (this file alone is built with -ffast-math).
#include "solvers/noise.hpp"

#include <algorithm>
#include <cmath>

#include "solvers/distributions.hpp"

namespace pmm {
namespace {

constexpr int kLanes = 64;  // paths per inner batch: a multiple of every SIMD width, so no scalar tail

// Philox4x32-10 on kLanes counters (identical to r123::Philox4x32; checked by the known-answer tests).
__attribute__((target_clones("avx512f", "avx2", "default")))
void normals_block(std::uint32_t k0, std::uint32_t k1, std::uint32_t path_lo, std::uint32_t step,
                   std::uint32_t block, std::uint32_t tag, double* __restrict z0, double* __restrict z1) {
  alignas(64) std::uint32_t c0[kLanes], c1[kLanes], c2[kLanes], c3[kLanes];
  alignas(64) double u1[kLanes], u2[kLanes];
  for (int j = 0; j < kLanes; ++j) {
    c0[j] = path_lo + static_cast<std::uint32_t>(j);
    c1[j] = step;
    c2[j] = block;
    c3[j] = tag;
  }
  for (int r = 0; r < 10; ++r) {
    for (int j = 0; j < kLanes; ++j) {
      const std::uint64_t p0 = std::uint64_t{0xD2511F53u} * c0[j], p1 = std::uint64_t{0xCD9E8D57u} * c2[j];
      const std::uint32_t n0 = static_cast<std::uint32_t>(p1 >> 32) ^ c1[j] ^ k0;
      const std::uint32_t n2 = static_cast<std::uint32_t>(p0 >> 32) ^ c3[j] ^ k1;
      c1[j] = static_cast<std::uint32_t>(p1);
      c3[j] = static_cast<std::uint32_t>(p0);
      c0[j] = n0;
      c2[j] = n2;
    }
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  for (int j = 0; j < kLanes; ++j) {  // uniform_open(), written out so it vectorises
    const std::uint64_t b1 = ((std::uint64_t{c0[j]} << 21) ^ (std::uint64_t{c1[j]} >> 11)) & ((1ull << 53) - 1);
    const std::uint64_t b2 = ((std::uint64_t{c2[j]} << 21) ^ (std::uint64_t{c3[j]} >> 11)) & ((1ull << 53) - 1);
    // Same clamp as uniform_open(): 2^53 - 1 + 0.5 rounds up to 2^53, i.e. u = 1.
    u1[j] = std::min((static_cast<double>(static_cast<std::int64_t>(b1)) + 0.5) * 0x1.0p-53, 0x1.fffffffffffffp-1);
    u2[j] = std::min((static_cast<double>(static_cast<std::int64_t>(b2)) + 0.5) * 0x1.0p-53, 0x1.fffffffffffffp-1);
  }
  // Both halves always: a cos-only loop would round differently from the sincos loop, and then a
  // coordinate's draw would depend on how many coordinates the batch has.
  alignas(64) double rad[kLanes];
#pragma omp simd
  for (int j = 0; j < kLanes; ++j) rad[j] = std::sqrt(-2.0 * std::log(u1[j]));
  // Separate loops: in one loop GCC fuses sin and cos into a scalar sincos call and stops vectorising.
#pragma omp simd
  for (int j = 0; j < kLanes; ++j) z0[j] = rad[j] * std::cos(6.283185307179586 * u2[j]);
#pragma omp simd
  for (int j = 0; j < kLanes; ++j) z1[j] = rad[j] * std::sin(6.283185307179586 * u2[j]);
}

}  // namespace

void fill_normals(std::uint64_t seed, Stream stream, std::uint32_t step, Index path0, Batch& out) {
  const std::uint32_t k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
  const std::uint32_t tag = static_cast<std::uint32_t>(stream) << 24;
  const Index dim = out.rows(), n = out.cols();
  alignas(64) double z0[kLanes], z1[kLanes];
  for (Index j0 = 0; j0 < n; j0 += kLanes) {
    const Index m = std::min<Index>(kLanes, n - j0);
    for (Index blk = 0; 2 * blk < dim; ++blk) {
      const bool both = 2 * blk + 1 < dim;
      normals_block(k0, k1, static_cast<std::uint32_t>(path0 + j0), step, static_cast<std::uint32_t>(blk), tag, z0, z1);
      for (Index j = 0; j < m; ++j) {
        out(2 * blk, j0 + j) = z0[j];
        if (both) out(2 * blk + 1, j0 + j) = z1[j];
      }
    }
  }
}

void PhiloxNoise::normals(const StepInfo& step, Index path0, Batch& out) const {
  fill_normals(seed_, Stream::kNormal, step.index, path0, out);
}

double PhiloxNoise::poisson(const StepInfo& step, Index path, Index coord, double mean) const {
  UniformStream u(seed_, static_cast<std::uint64_t>(path), step.index, Stream::kPoisson,
                  static_cast<std::uint32_t>(coord));
  return poisson_draw(u, mean);
}

}  // namespace pmm
