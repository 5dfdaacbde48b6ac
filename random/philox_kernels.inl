// Philox4x32-10 blocks and Box-Muller normals for one SIMD width, included once per variant by noise.cpp inside a
// `#pragma GCC target` region and a namespace that defines kWidth (64-bit lanes per register), the vector type V
// (kWidth x uint64) and mul_lo32(a, m) = (a mod 2^32) m as 64-bit products (one vpmuludq: the 32 x 32 -> 64 multiply
// of Philox's round, which GCC's vectoriser otherwise builds from three multiplies, shifts and adds), hi32(a) = a's
// high 32-bit halves moved to the low ones (one vpshufd; the high halves then hold a copy) and kHighByShuffle (take
// hi(p) by hi32 and mask c1, c3 once after the rounds, rather than shift and mask every round: the same words, since
// mul_lo32 reads only the low halves and the low halves do not depend on the high ones), and kU64ToDouble (the
// variant converts 64-bit integers to double in one instruction, AVX-512DQ's vcvtqq2pd, and defines
// uniform_open_lanes(hi, lo, out): uniform_open of the low halves of hi and lo, lane by lane, into out).
// One round on the words (c0, c1, c2, c3) with key (k0, k1):
//   p0 = 0xD2511F53 c0, p1 = 0xCD9E8D57 c2 (64-bit);  c0' = hi(p1) ^ c1 ^ k0, c1' = lo(p1), c2' = hi(p0) ^ c3 ^ k1,
//   c3' = lo(p0); then k0 += 0x9E3779B9, k1 += 0xBB67AE85 (Random123's Philox4x32, checked against it in
//   tests/solvers/random_test.cpp for every variant).
// No include guard: the file is meant to be included several times.

// A round's hi(p) and lo(p) in the variant's way (kHighByShuffle: the high halves of lo(p) are left as they are,
// since mul_lo32 reads only the low ones, and masked once after the rounds).
__attribute__((always_inline)) inline V philox_hi(V p) {
  if constexpr (kHighByShuffle) return hi32(p);
  else return p >> 32;
}
__attribute__((always_inline)) inline V philox_lo(V p) {
  if constexpr (kHighByShuffle) return p;
  else return p & std::uint64_t{0xFFFFFFFFu};
}

// uniform_open(hi, lo) of the low 32 bits of hi and lo (lo's high half 0), written out so that it vectorises without
// 64-bit integer -> double conversions: bits = hi 2^21 + (lo >> 11) < 2^53, each part converted exactly through a
// signed 32-bit integer, so the result is bitwise uniform_open()'s (scaling by 2^-53 is exact); the same clamp:
// 2^53 - 1 + 0.5 rounds up to 2^53, i.e. u = 1.
__attribute__((always_inline)) inline double uniform_from_words(std::uint64_t hi, std::uint64_t lo) {
  const double h = static_cast<double>(static_cast<std::int32_t>(static_cast<std::uint32_t>(hi) ^ 0x80000000u)) +
                   2147483648.0;
  const double b = h * 2097152.0 + static_cast<double>(static_cast<std::int32_t>(lo >> 11));
  return std::min((b + 0.5) * 0x1.0p-53, 0x1.fffffffffffffp-1);
}

// L counters (c0 = w0 + j or c2 = w2 + j for lane j < L when kVaryWord2; c0 = c0_list[j] when c0_list is given),
// then uniform_open() of words (0, 1) into u1 and of words (2, 3) into u2.
// kFirstOnly: u1 alone (u2 unused), so the last round skips its p0, which makes only words 2 and 3.
template <int L, bool kVaryWord2 = false, bool kFirstOnly = false>
__attribute__((always_inline)) inline void uniform_block(std::uint32_t k0, std::uint32_t k1, std::uint32_t w0,
                                                         std::uint32_t w1, std::uint32_t w2, std::uint32_t w3,
                                                         double* __restrict u1, double* __restrict u2,
                                                         const std::uint32_t* __restrict c0_list = nullptr) {
  static_assert(L % kWidth == 0, "uniform_block: lanes must be a multiple of the SIMD width");
  constexpr int kRegs = L / kWidth;
  const V lo32 = V{} + 0xFFFFFFFFull, m0 = V{} + 0xD2511F53ull, m1 = V{} + 0xCD9E8D57ull;
  V c0[kRegs], c1[kRegs], c2[kRegs], c3[kRegs];
  V lane{};
  for (int i = 0; i < kWidth; ++i) lane[i] = static_cast<std::uint64_t>(i);
  for (int r = 0; r < kRegs; ++r) {
    const V j = lane + static_cast<std::uint64_t>(r * kWidth);
    c0[r] = kVaryWord2 ? V{} + w0 : ((V{} + w0) + j) & lo32;
    if (c0_list != nullptr)
      for (int i = 0; i < kWidth; ++i) c0[r][i] = c0_list[r * kWidth + i];
    c1[r] = V{} + w1;
    c2[r] = kVaryWord2 ? ((V{} + w2) + j) & lo32 : V{} + w2;
    c3[r] = V{} + w3;
  }
  // Rounds 1 and 2 with the words that are the same in every lane worked out once, as scalars: only word 0 varies
  // (word 2 when kVaryWord2), so round 1 has one product that varies and one that does not, and round 2 multiplies
  // round 1's constant word again. The same words as the generic round (the tests check every variant against
  // Random123), in 7 vector operations a register rather than 12.
  constexpr std::uint64_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr std::uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  if constexpr (!kVaryWord2) {  // c1, c2, c3 the same in every lane
    const std::uint64_t P1 = std::uint64_t{w2} * kM1;  // round 1's p1
    const std::uint32_t a0 = static_cast<std::uint32_t>(P1 >> 32) ^ w1 ^ k0, a1 = static_cast<std::uint32_t>(P1);
    const std::uint64_t P0 = std::uint64_t{a0} * kM0;  // round 2's p0 (c0 after round 1 = a0 in every lane)
    const V x1 = V{} + std::uint64_t{w3 ^ k1}, x2 = V{} + std::uint64_t{a1 ^ (k0 + kW0)};
    const V x3 = V{} + std::uint64_t{static_cast<std::uint32_t>(P0 >> 32) ^ (k1 + kW1)};
    const V lo_P0 = V{} + std::uint64_t{static_cast<std::uint32_t>(P0)};
    for (int r = 0; r < kRegs; ++r) {
      const V p0 = mul_lo32(c0[r], m0);        // round 1
      const V r1c2 = philox_hi(p0) ^ x1, r1c3 = philox_lo(p0);
      const V p1 = mul_lo32(r1c2, m1);         // round 2
      c0[r] = philox_hi(p1) ^ x2;
      c1[r] = philox_lo(p1);
      c2[r] = x3 ^ r1c3;
      c3[r] = lo_P0;
    }
  } else {  // c0, c1, c3 the same in every lane
    const std::uint64_t P0 = std::uint64_t{w0} * kM0;  // round 1's p0
    const std::uint32_t b2 = static_cast<std::uint32_t>(P0 >> 32) ^ w3 ^ k1, b3 = static_cast<std::uint32_t>(P0);
    const std::uint64_t P1 = std::uint64_t{b2} * kM1;  // round 2's p1 (c2 after round 1 = b2 in every lane)
    const V x1 = V{} + std::uint64_t{w1 ^ k0}, x2 = V{} + std::uint64_t{b3 ^ (k1 + kW1)};
    const V x3 = V{} + std::uint64_t{static_cast<std::uint32_t>(P1 >> 32) ^ (k0 + kW0)};
    const V lo_P1 = V{} + std::uint64_t{static_cast<std::uint32_t>(P1)};
    for (int r = 0; r < kRegs; ++r) {
      const V p1 = mul_lo32(c2[r], m1);        // round 1
      const V r1c0 = philox_hi(p1) ^ x1, r1c1 = philox_lo(p1);
      const V p0 = mul_lo32(r1c0, m0);         // round 2
      c0[r] = x3 ^ r1c1;
      c1[r] = lo_P1;
      c2[r] = philox_hi(p0) ^ x2;
      c3[r] = philox_lo(p0);
    }
  }
  k0 += 2 * kW0;
  k1 += 2 * kW1;
  for (int round = 2; round < (kFirstOnly ? 9 : 10); ++round) {
    const V key0 = V{} + k0, key1 = V{} + k1;
    for (int r = 0; r < kRegs; ++r) {
      const V p0 = mul_lo32(c0[r], m0), p1 = mul_lo32(c2[r], m1);
      if constexpr (kHighByShuffle) {
        c0[r] = hi32(p1) ^ c1[r] ^ key0;
        c2[r] = hi32(p0) ^ c3[r] ^ key1;
        c1[r] = p1;
        c3[r] = p0;
      } else {
        c0[r] = (p1 >> 32) ^ c1[r] ^ key0;
        c2[r] = (p0 >> 32) ^ c3[r] ^ key1;
        c1[r] = p1 & lo32;
        c3[r] = p0 & lo32;
      }
    }
    k0 += kW0;
    k1 += kW1;
  }
  if constexpr (kFirstOnly) {  // round 10's words 0 and 1 alone
    const V key0 = V{} + k0;
    for (int r = 0; r < kRegs; ++r) {
      const V p1 = mul_lo32(c2[r], m1);
      c0[r] = philox_hi(p1) ^ c1[r] ^ key0;
      c1[r] = philox_lo(p1);
    }
  }
  // uniform_open() of words (0, 1) into u1 and, unless kFirstOnly, of words (2, 3) into u2: where the variant has
  // AVX-512DQ, from the registers by uniform_open_lanes (one 64-bit integer -> double conversion); elsewhere by
  // uniform_from_words, after masking the high halves that kHighByShuffle leaves in words 1 and 3.
  if constexpr (kU64ToDouble) {
    for (int r = 0; r < kRegs; ++r) {
      uniform_open_lanes(c0[r], c1[r], u1 + r * kWidth);
      if constexpr (!kFirstOnly) uniform_open_lanes(c2[r], c3[r], u2 + r * kWidth);
    }
    return;
  }
  if constexpr (kHighByShuffle)
    for (int r = 0; r < kRegs; ++r) {  // c0 and c2 are read below through their low halves only
      c1[r] &= lo32;
      c3[r] &= lo32;
    }
  alignas(64) std::uint64_t w[4][L];
  for (int r = 0; r < kRegs; ++r)
    for (int i = 0; i < kWidth; ++i) {
      w[0][r * kWidth + i] = c0[r][i];
      w[1][r * kWidth + i] = c1[r][i];
      w[2][r * kWidth + i] = c2[r][i];
      w[3][r * kWidth + i] = c3[r][i];
    }
  for (int j = 0; j < L; ++j) {
    u1[j] = uniform_from_words(w[0][j], w[1][j]);
    if constexpr (!kFirstOnly) u2[j] = uniform_from_words(w[2][j], w[3][j]);
  }
}

// Box-Muller: z0 = sqrt(-2 ln u1) cos(2 pi u2), z1 = sqrt(-2 ln u1) sin(2 pi u2) (libmvec under -ffast-math).
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

// kLanes path pairs (word 0 counting up from pair_lo, word 2 = the coordinate) as normals in path order:
// out[2 j] = the cosine normal of path 2 (pair_lo + j), out[2 j + 1] = the sine normal of path 2 (pair_lo + j) + 1,
// interleaved here in the variant's registers.
void normals_block_paths(std::uint32_t k0, std::uint32_t k1, std::uint32_t pair_lo, std::uint32_t step,
                         std::uint32_t block, std::uint32_t tag, double* __restrict out) {
  alignas(64) double u1[kLanes], u2[kLanes], z0[kLanes], z1[kLanes];
  uniform_block<kLanes>(k0, k1, pair_lo, step, block, tag, u1, u2);
  box_muller<kLanes>(u1, u2, z0, z1);
  for (int j = 0; j < kLanes; ++j) {
    out[2 * j] = z0[j];
    out[2 * j + 1] = z1[j];
  }
}

// kPairLanes blocks with word 2 counting up (the Brownian tree's pairs).
void normal_pairs_block(std::uint32_t k0, std::uint32_t k1, std::uint32_t w0, std::uint32_t w1, std::uint32_t w2_lo,
                        std::uint32_t w3, double* __restrict z0, double* __restrict z1) {
  alignas(64) double u1[kPairLanes], u2[kPairLanes];
  uniform_block<kPairLanes, true>(k0, k1, w0, w1, w2_lo, w3, u1, u2);
  box_muller<kPairLanes>(u1, u2, z0, z1);
}

// kLanes uniform pairs, word 0 counting up (the first blocks of Poisson draws).
void uniform_pairs_block(std::uint32_t k0, std::uint32_t k1, std::uint32_t c0_lo, std::uint32_t w1, std::uint32_t w2,
                         std::uint32_t w3, double* __restrict u1, double* __restrict u2) {
  uniform_block<kLanes>(k0, k1, c0_lo, w1, w2, w3, u1, u2);
}

// The same blocks' first uniforms alone (the Poisson draws of blocks without PTRS lanes).
void uniform_firsts_block(std::uint32_t k0, std::uint32_t k1, std::uint32_t c0_lo, std::uint32_t w1, std::uint32_t w2,
                          std::uint32_t w3, double* __restrict u1) {
  uniform_block<kLanes, false, true>(k0, k1, c0_lo, w1, w2, w3, u1, nullptr);
}

// lanes uniform pairs (a multiple of 8 up to kLanes), word 0 of lane j = c0s[j] (the Poisson and Gamma lanes that go
// on to a second trial): a batch of few lanes takes as many vectors as it fills, not a whole kLanes block.
void uniform_pairs_gather(std::uint32_t k0, std::uint32_t k1, const std::uint32_t* __restrict c0s, std::uint32_t w1,
                          std::uint32_t w2, std::uint32_t w3, double* __restrict u1, double* __restrict u2, int lanes) {
  static_assert(kLanes == 64, "uniform_pairs_gather: one case per 8 lanes");
  switch (lanes) {
    case 8: uniform_block<8>(k0, k1, 0, w1, w2, w3, u1, u2, c0s); break;
    case 16: uniform_block<16>(k0, k1, 0, w1, w2, w3, u1, u2, c0s); break;
    case 24: uniform_block<24>(k0, k1, 0, w1, w2, w3, u1, u2, c0s); break;
    case 32: uniform_block<32>(k0, k1, 0, w1, w2, w3, u1, u2, c0s); break;
    case 40: uniform_block<40>(k0, k1, 0, w1, w2, w3, u1, u2, c0s); break;
    case 48: uniform_block<48>(k0, k1, 0, w1, w2, w3, u1, u2, c0s); break;
    case 56: uniform_block<56>(k0, k1, 0, w1, w2, w3, u1, u2, c0s); break;
    default: uniform_block<kLanes>(k0, k1, 0, w1, w2, w3, u1, u2, c0s);
  }
}
