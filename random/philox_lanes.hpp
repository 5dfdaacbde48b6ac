// Philox4x32-10 on L counters at once, structure of arrays, so the compiler vectorises the rounds: lane j has the
// counter (w0 + j, w1, w2, w3) (or (w0, w1, w2 + j, w3)), key (k0, k1), and gives the two 53-bit uniforms
// uniform_open(r0, r1), uniform_open(r2, r3) that UniformStream's refill gives for that counter, bitwise.
// Private to random/: included by the SIMD translation units (noise.cpp, batch_samplers.cpp), each of which
// compiles it inside its own target_clones functions.
#pragma once
#include <algorithm>
#include <cstdint>

namespace pmm {
namespace simd {
namespace {  // internal linkage: each including file compiles its own copy with its own flags

constexpr int kLanes = 64;  // counters per inner batch: a multiple of every SIMD width, so no scalar tail

// Philox4x32-10 on kLanes counters (c0_lo + j, c1, c2, c3) (identical to r123::Philox4x32: checked against it in
// tests/solvers/random_test.cpp), then uniform_open() of words (0, 1) into u1 and of words (2, 3) into u2.
// L lanes; lane j counts up word 0 (kVaryWord2 false) or word 2 (true) by j.
template <int L = kLanes, bool kVaryWord2 = false>
__attribute__((always_inline)) inline void uniform_block(std::uint32_t k0, std::uint32_t k1, std::uint32_t w0,
                                                         std::uint32_t w1, std::uint32_t w2, std::uint32_t w3,
                                                         double* __restrict u1, double* __restrict u2) {
  // 32-bit words kept in 64-bit lanes: the 32 x 32 -> 64 multiplies (vpmuludq) then need no widening or permutes.
  alignas(64) std::uint64_t c0[L], c1[L], c2[L], c3[L];
  for (int j = 0; j < L; ++j) {
    c0[j] = kVaryWord2 ? w0 : w0 + static_cast<std::uint32_t>(j);
    c1[j] = w1;
    c2[j] = kVaryWord2 ? w2 + static_cast<std::uint32_t>(j) : w2;
    c3[j] = w3;
  }
  for (int r = 0; r < 10; ++r) {
    for (int j = 0; j < L; ++j) {
      const std::uint64_t p0 = std::uint64_t{0xD2511F53u} * c0[j], p1 = std::uint64_t{0xCD9E8D57u} * c2[j];
      const std::uint64_t n0 = (p1 >> 32) ^ c1[j] ^ k0;
      const std::uint64_t n2 = (p0 >> 32) ^ c3[j] ^ k1;
      c1[j] = p1 & 0xFFFFFFFFu;
      c3[j] = p0 & 0xFFFFFFFFu;
      c0[j] = n0;
      c2[j] = n2;
    }
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  // uniform_open(), written out so it vectorises without 64-bit integer -> double conversions (AVX-512DQ):
  // bits = hi 2^21 + (lo >> 11) < 2^53, each part converted exactly through a signed 32-bit integer, so the
  // result is bitwise uniform_open()'s (scaling by 2^-53 is exact).
  const auto u32_to_double = [](std::uint64_t v) {
    return static_cast<double>(static_cast<std::int32_t>(static_cast<std::uint32_t>(v) ^ 0x80000000u)) + 2147483648.0;
  };
  for (int j = 0; j < L; ++j) {
    const double b1 = u32_to_double(c0[j]) * 2097152.0 + static_cast<double>(static_cast<std::int32_t>(c1[j] >> 11));
    const double b2 = u32_to_double(c2[j]) * 2097152.0 + static_cast<double>(static_cast<std::int32_t>(c3[j] >> 11));
    // Same clamp as uniform_open(): 2^53 - 1 + 0.5 rounds up to 2^53, i.e. u = 1.
    u1[j] = std::min((b1 + 0.5) * 0x1.0p-53, 0x1.fffffffffffffp-1);
    u2[j] = std::min((b2 + 0.5) * 0x1.0p-53, 0x1.fffffffffffffp-1);
  }
}

}  // namespace
}  // namespace simd
}  // namespace pmm
