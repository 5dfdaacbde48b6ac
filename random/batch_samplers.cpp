// Poisson and Gamma draws of many counter streams at once, the SIMD versions of poisson_draw() and gamma_draw()
// (distributions.hpp): lane j reads the UniformStream (seed; path0 + j, step, stream, coordinate) exactly as the
// scalar sampler does, and gives its draw except where a libmvec log/exp result (or exp_avx512's, log_avx512's)
// differs from libm's in the last ulps and moves a comparison (probability ~1e-16 a draw for the means and shapes of
// the solvers).
// Poisson, mean < 12: inversion, k = min{k : v <= e^-mean sum_{i <= k} mean^i / i!} with v from block 0, the
//   search stepped in all 64 lanes of a block until each has stopped; e^-mean by exp_avx512 (exp_avx512.inl, within
//   0.55 ulp) on AVX-512 CPUs, libmvec's exp elsewhere (exp_lanes).
// Poisson, mean >= 12: PTRS trials in SIMD (trial b reads block b: U, V; lgamma(k + 1) from a table of libm's
//   values for k < 1024; the four logs only in the lanes that neither squeeze test decides, packed densely; on
//   AVX-512 CPUs, ptrs_trial_avx512, two of them where one log of their combination decides the same). The
//   first trial runs in the block's 64 lanes; the lanes it refuses (~18%) are gathered across blocks, 64 at a time,
//   for the second trial (their block 1 from philox_uniform_pairs_at), those refused again for the third (block 2),
//   and so on, a gathered trial a block, until every lane has its count (past block 64, never in practice, the scalar
//   poisson_ptrs). A gathered batch of fewer than 64 lanes (a call's last) takes the 8-lane vectors it fills, Philox
//   blocks included, so the draws do not depend on how a row is split into calls. A trial whose k is past the table
//   is redone by the scalar sampler from that trial's block.
// Gamma(shape): Marsaglia-Tsang for shape >= 1 (the AS 241 normal from a block's first uniform, the test's w from its
//   second), GS with Best's breakpoint below 1 (P = b u from the first uniform, the test's w from the second), trial
//   b on block b: the first trial in the block's 64 lanes; the lanes it refuses (~3% for Marsaglia-Tsang, 0.1-21%
//   for GS) are gathered across blocks, 64 at a time, for the second (block 1 from philox_uniform_pairs_at), those
//   refused again for the third (block 2), and so on, as PTRS's (past block 64 the scalar gamma_draw_trials): every
//   draw is SIMD, the same bits however the row is split into calls.
// Strict IEEE arithmetic (no -ffast-math, -ffp-contract=off as for the scalar code); only the named functions
// below go through libmvec, declared here under their own names so that nothing else changes, and exp_avx512 and
// log_avx512 (their own FMAs).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <utility>

#include <pmm/core/simd_clones.hpp>
#include <pmm/random/distributions.hpp>
#include <pmm/random/noise.hpp>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define PMM_POISSON_SEARCH_AVX512 1
#endif


// libm's exp/log with their libmvec SIMD variants (glibc declares these only under -ffast-math): inside a
// vectorised loop GCC calls _ZGV*_exp etc., elsewhere they are the scalar libm functions.
extern "C" {
__attribute__((simd("notinbranch"), const, nothrow, leaf)) double pmm_simd_exp(double) __asm__("exp");
__attribute__((simd("notinbranch"), const, nothrow, leaf)) double pmm_simd_log(double) __asm__("log");
}

namespace pmm {
namespace {

constexpr int kLanes = 64;  // draws per block: a multiple of every SIMD width

// Whether the *_best dispatchers below take their AVX-512F kernels: where the Philox kernels run AVX-512 (the CPU's
// best SIMD variant unless PMM_SIMD names a narrower one), decided once.
inline bool avx512_kernels() {
  static const bool avx512 = simd_variant() == SimdVariant::kAvx512;
  return avx512;
}

constexpr int kLgammaTable = 1024;  // PTRS trials with k below this read lgamma(k + 1) from the table
// Lane results that are not draws: the scalar sampler takes over (out holds a count or a Gamma value >= 0 otherwise).
// After a trial on block b (PTRS or Marsaglia-Tsang): the next trial reads block b + 1 (kNextBlock); Poisson: or the
// scalar sampler redoes this one from block b's first uniform (kThisBlock, k past the lgamma table).
constexpr double kNextBlock = -1.0;
constexpr double kThisBlock = -3.0;

const double* lgamma_table() {
  static const std::array<double, kLgammaTable> table = [] {
    std::array<double, kLgammaTable> t{};
    for (int k = 0; k < kLgammaTable; ++k) t[static_cast<size_t>(k)] = std::lgamma(static_cast<double>(k) + 1.0);
    return t;
  }();
  return table.data();
}

// The lanes j < kLanes with flag[j] = 1 (flags are 0 or 1) as the bits of a mask: -flag & 2^j and an OR
// reduction, which GCC vectorises.
constexpr std::array<std::uint64_t, kLanes> kLaneBit = [] {
  std::array<std::uint64_t, kLanes> b{};
  for (int j = 0; j < kLanes; ++j) b[static_cast<size_t>(j)] = std::uint64_t{1} << j;
  return b;
}();
inline std::uint64_t lane_mask(const std::int64_t* __restrict flag) {
  std::uint64_t m = 0;
  for (int j = 0; j < kLanes; ++j) m |= static_cast<std::uint64_t>(-flag[j]) & kLaneBit[static_cast<size_t>(j)];
  return m;
}
// The same for the first n lanes.
inline std::uint64_t lane_mask(const std::int64_t* __restrict flag, int n) {
  std::uint64_t m = 0;
  for (int j = 0; j < n; ++j) m |= static_cast<std::uint64_t>(-flag[j]) & kLaneBit[static_cast<size_t>(j)];
  return m;
}

// The lanes j < kLanes with flag[j] = 1, in order, into idx; returns their count n. idx is padded up to a whole
// number of 8-lane vectors, (n + 7) & ~7 entries, with copies of its first entry: a transcendental function that
// only some lanes need runs on the packed lanes alone, with the same arguments, so the same bits.
inline int pack_lanes(const std::int64_t* __restrict flag, int* __restrict idx, int lanes = kLanes) {
  int n = 0;
  for (int j = 0; j < lanes; ++j) {
    idx[n] = j;
    n += static_cast<int>(flag[j]);
  }
  for (int i = n; i < ((n + 7) & ~7); ++i) idx[i] = idx[0];
  return n;
}
// The same from the lanes' bit mask, one bit-scan a lane: cheaper than pack_lanes where few lanes are set.
inline int pack_mask(std::uint64_t mask, int* __restrict idx) {
  int n = 0;
  for (; mask != 0; mask &= mask - 1) idx[n++] = __builtin_ctzll(mask);
  for (int i = n; i < ((n + 7) & ~7); ++i) idx[i] = idx[0];
  return n;
}

// Which samplers a block of kLanes means needs: inversion (0 < mean < 12; a NaN mean is neither) and PTRS (mean >= 12),
// from one pass over the block, made before its Philox block (which needs the second uniforms only for PTRS).
struct BlockKinds {
  bool inversion = false, ptrs = false;
};
PMM_SIMD_CLONES
BlockKinds block_kinds(const double* __restrict m) {
  std::int64_t any_inversion = 0, any_ptrs = 0;
  for (int j = 0; j < kLanes; ++j) {
    any_inversion |= m[j] > 0 && m[j] < kPoissonInversionBelow;
    any_ptrs |= m[j] >= kPoissonInversionBelow;
  }
  return {any_inversion != 0, any_ptrs != 0};
}
#if defined(PMM_POISSON_SEARCH_AVX512)
#include "exp_avx512.inl"
#include "log_avx512.inl"

// block_kinds() in AVX-512F intrinsics: three compares a vector into mask registers (GCC's loop above widens each
// comparison to a vector of 64-bit flags and reduces those).
__attribute__((target("avx512f"))) BlockKinds block_kinds_avx512(const double* __restrict m) {
  const __m512d zero = _mm512_setzero_pd(), below = _mm512_set1_pd(kPoissonInversionBelow);
  __mmask8 inversion = 0, ptrs = 0;
  for (int g = 0; g < kLanes / 8; ++g) {
    const __m512d M = _mm512_loadu_pd(m + 8 * g);
    inversion |= _mm512_mask_cmp_pd_mask(_mm512_cmp_pd_mask(M, zero, _CMP_GT_OQ), M, below, _CMP_LT_OQ);
    ptrs |= _mm512_cmp_pd_mask(M, below, _CMP_GE_OQ);
  }
  return {inversion != 0, ptrs != 0};
}
#endif
// block_kinds for this CPU (and PMM_SIMD), as poisson_inversion_best.
BlockKinds block_kinds_best(const double* __restrict m) {
#if defined(PMM_POISSON_SEARCH_AVX512)
  if (avx512_kernels()) return block_kinds_avx512(m);
#endif
  return block_kinds(m);
}

// kLanes Poisson draws of means m into out by inversion, the lanes with mean >= 12 left to ptrs_trial(); u1 is block
// 0's first uniform (philox_uniform_pairs), kinds the block's block_kinds(). Each loop is straight-line code
// over the lanes (selects, no branches), and the libmvec calls sit in loops of their own, so that GCC vectorises
// every one.
PMM_SIMD_CLONES
void poisson_inversion(const double* __restrict m, double* __restrict out, const double* __restrict u1,
                       BlockKinds kinds) {
  // Inversion lanes (0 < mean < 12; a NaN mean is neither): the search steps all lanes at once while any of them
  // goes on. A lane still searching after i steps has k = i, so k is one counter for the block: 1/k is one scalar
  // reciprocal a step, mean (1/k) does not wait for the previous step, and only p *= mean (1/k); cdf += p chain.
  if (!kinds.inversion) {  // a block of PTRS lanes (late in a schedule) needs no e^-mean
    for (int j = 0; j < kLanes; ++j) out[j] = 0.0;
    return;
  }
  alignas(64) double k[kLanes], p[kLanes], cdf[kLanes];
  alignas(64) std::int64_t live[kLanes];
  std::int64_t running = 0;
  for (int j = 0; j < kLanes; ++j) {
    // Only inversion lanes need e^-mean; the others take e^0, so that no lane sends libmvec to its slow scalar path
    // for an underflow (mean > 708) or a NaN.
    const double p0 = pmm_simd_exp(m[j] < kPoissonInversionBelow ? -m[j] : 0.0);
    const PoissonSearch s{0, p0, p0};
    k[j] = 0;
    p[j] = p0;
    cdf[j] = p0;
    live[j] = (m[j] > 0 && m[j] < kPoissonInversionBelow) & std::int64_t{poisson_search_continues(s, u1[j])};
    running += live[j];
  }
  // Two steps per pass over the lanes (the second only where the first left the lane searching): half the loads and
  // stores of the lane state per step. A lane's k is kept from the step at which it stops; its p and cdf go on
  // changing unused (no selects), and it cannot restart: live only ever turns off.
  for (double i = 0; running > 0; i += 2) {
    running = 0;
    for (int j = 0; j < kLanes; ++j) {
      PoissonSearch t{i, p[j], cdf[j]};
      const std::int64_t more = poisson_search_step(t, m[j]);
      const std::int64_t go = live[j];
      const std::int64_t go2 = go & more & std::int64_t{poisson_search_continues(t, u1[j])};
      PoissonSearch t2 = t;
      const std::int64_t more2 = poisson_search_step(t2, m[j]);
      k[j] = go2 ? t2.k : go ? t.k : k[j];
      p[j] = t2.p;
      cdf[j] = t2.cdf;
      live[j] = go2 & more2 & std::int64_t{poisson_search_continues(t2, u1[j])};
      running += live[j];
    }
  }
  for (int j = 0; j < kLanes; ++j) out[j] = m[j] > 0 ? k[j] : 0.0;
}

#if defined(PMM_POISSON_SEARCH_AVX512)
// poisson_inversion() for AVX-512 CPUs, the search in AVX-512F intrinsics: the same operations on the same numbers
// in each lane (p *= mean (1/k), cdf += p, comparisons that decide as the scalar loop's: see the loop), so the same
// counts, in fewer instructions and
// with the lanes of 4 vectors (32) stepping until those stop rather than all 64. A lane's count is the number of
// the search's states 0, 1, 2, ... from which poisson_draw's loop goes on: it stops at the first state with v <= cdf,
// k at the cap, or p underflowed past the mode, and each of these, once true, stays true (cdf never decreases; past
// the mode p only decreases), so those states are a prefix and their number is the loop's k. Each step adds 1 to
// the lanes that go on (mask A). 4 vectors a group: enough independent work to cover a step's latency (the chain
// p -> cdf -> compare), and 5 x 4 registers of state; 1 vector or 2 were slower, 8 spill (docs/benchmarks.md).
struct SearchTable {
  double inv[1000];  // 1/k as poisson_search_step takes it (1.0 / k, k a double)
};
constexpr SearchTable kSearchTable = [] {
  SearchTable t{};
  for (int i = 1; i < 1000; ++i) t.inv[i] = 1.0 / static_cast<double>(i);
  return t;
}();
static_assert(kPoissonSearchCap == 1000.0, "the table holds the steps k = 1 .. kPoissonSearchCap - 1");

constexpr int kSearchGroup = 4;  // vectors of 8 lanes stepped together
__attribute__((target("avx512f"))) inline void poisson_search_group(const double* __restrict m,
                                                                    const double* __restrict u1,
                                                                    const double* __restrict p0,
                                                                    double* __restrict out) {
  __m512d M[kSearchGroup], V[kSearchGroup], P[kSearchGroup], C[kSearchGroup], K[kSearchGroup];
  __mmask8 A[kSearchGroup];
  const __m512d zero = _mm512_setzero_pd(), one = _mm512_set1_pd(1.0);
  const __m512d below = _mm512_set1_pd(kPoissonInversionBelow), tiny = _mm512_set1_pd(kPoissonSearchTiny);
  unsigned any = 0;
  for (int g = 0; g < kSearchGroup; ++g) {  // state 0: p = cdf = e^-mean, in the inversion lanes
    M[g] = _mm512_loadu_pd(m + 8 * g);
    V[g] = _mm512_loadu_pd(u1 + 8 * g);
    P[g] = _mm512_loadu_pd(p0 + 8 * g);
    C[g] = P[g];
    const __mmask8 inversion =
        _mm512_cmp_pd_mask(M[g], zero, _CMP_GT_OQ) & _mm512_cmp_pd_mask(M[g], below, _CMP_LT_OQ);
    A[g] = inversion & _mm512_cmp_pd_mask(V[g], C[g], _CMP_GT_OQ);
    K[g] = _mm512_mask_blend_pd(A[g], zero, one);
    any |= A[g];
  }
  // A lane goes on while p >= tiny and v > cdf: poisson_search_step's "p < tiny and k > mean" without k > mean, which
  // p < tiny implies in every searching lane (0 < mean < 12, k >= 1): for k <= mean, p_k = e^-mean prod_{i <= k}
  // (mean / i) >= e^-12, far above tiny (and p, finite and >= 0, is never NaN). Two compares under the lane mask.
  for (int i = 1; any != 0 && i < 1000; ++i) {  // state i (poisson_search_step, then poisson_search_continues)
    const __m512d r = _mm512_set1_pd(kSearchTable.inv[i]);
    any = 0;
    for (int g = 0; g < kSearchGroup; ++g) {
      P[g] = _mm512_mul_pd(P[g], _mm512_mul_pd(M[g], r));
      C[g] = _mm512_add_pd(C[g], P[g]);
      A[g] = _mm512_mask_cmp_pd_mask(_mm512_mask_cmp_pd_mask(A[g], P[g], tiny, _CMP_GE_OQ), V[g], C[g], _CMP_GT_OQ);
      K[g] = _mm512_mask_add_pd(K[g], A[g], K[g], one);
      any |= A[g];
    }
  }
  for (int g = 0; g < kSearchGroup; ++g) _mm512_storeu_pd(out + 8 * g, K[g]);
}

__attribute__((target("avx512f"))) void poisson_inversion_avx512(const double* __restrict m, double* __restrict out,
                                                                 const double* __restrict u1, BlockKinds kinds) {
  if (!kinds.inversion) {
    for (int j = 0; j < kLanes; ++j) out[j] = 0.0;
    return;
  }
  alignas(64) double p0[kLanes];  // e^-mean in the inversion lanes, e^0 elsewhere (as poisson_inversion)
  const __m512d zero = _mm512_setzero_pd(), below = _mm512_set1_pd(kPoissonInversionBelow);
  for (int g = 0; g < kLanes / 8; ++g) {
    const __m512d M = _mm512_loadu_pd(m + 8 * g);
    const __m512d x = _mm512_mask_sub_pd(zero, _mm512_cmp_pd_mask(M, below, _CMP_LT_OQ), zero, M);
    _mm512_store_pd(p0 + 8 * g, exp_avx512(x));
  }
  for (int g = 0; g < kLanes; g += 8 * kSearchGroup) poisson_search_group(m + g, u1 + g, p0 + g, out + g);
  for (int j = 0; j < kLanes; ++j) out[j] = m[j] > 0 ? out[j] : 0.0;
}
#endif

// poisson_inversion's version for this CPU (and PMM_SIMD): the AVX-512 search where the Philox kernels run AVX-512.
void poisson_inversion_best(const double* __restrict m, double* __restrict out, const double* __restrict u1,
                            BlockKinds kinds) {
#if defined(PMM_POISSON_SEARCH_AVX512)
  if (avx512_kernels()) return poisson_inversion_avx512(m, out, u1, kinds);
#endif
  poisson_inversion(m, out, u1, kinds);
}

// The lanes a PTRS trial did not accept, as masks: refused (out = kNextBlock) and k past the lgamma table (kThisBlock).
struct PtrsLeft {
  std::uint64_t next = 0, self = 0;
};

// One PTRS trial (U = u1 - 1/2, V = u2, the uniforms of the trial's block) in each lane j < lanes (a multiple of 8, at
// most kLanes) with m >= 12: out = k when accepted, kNextBlock or kThisBlock otherwise; the other lanes keep out.
// Returns the lanes not accepted.
PMM_SIMD_CLONES
PtrsLeft ptrs_trial(const double* __restrict m, const double* __restrict lgam, double* __restrict out,
                    const double* __restrict u1, const double* __restrict u2, int lanes) {
  alignas(64) double kk[kLanes], us[kLanes], vr[kLanes], mp[kLanes];
  alignas(64) std::int64_t need[kLanes], accept[kLanes];
  for (int j = 0; j < lanes; ++j) {
    // Lanes of the other branch run the trial at mean 12 (result unused): their numbers stay finite.
    mp[j] = m[j] >= kPoissonInversionBelow ? m[j] : kPoissonInversionBelow;
    const PtrsParams c = ptrs_params(std::sqrt(mp[j]));
    const double U = u1[j] - 0.5;
    us[j] = ptrs_us(U);
    kk[j] = ptrs_k(c, mp[j], U, us[j]);
    vr[j] = c.vr;
    // Only a PTRS lane that the squeeze neither accepts nor refuses, with k in the table, needs the logs.
    need[j] = (m[j] >= kPoissonInversionBelow) & !ptrs_squeeze(c, us[j], u2[j]) & !ptrs_refuse(kk[j], us[j], u2[j]) &
              (kk[j] >= 0 && kk[j] < kLgammaTable);
    accept[j] = 0;
  }
  // The log test runs on those lanes only (26-57% of the PTRS lanes for means 230-12, and none of the inversion lanes
  // of a mixed block), packed densely so that the libmvec logs take fewer vectors: the same arguments, so the same
  // bits as a full-width loop.
  alignas(64) int idx[kLanes];
  const int n = pack_lanes(need, idx, lanes);
  if (n > 0) {
    const int n8 = (n + 7) & ~7;
    alignas(64) double v[kLanes], ia[kLanes], h[kLanes], lam[kLanes], du[kLanes];
    for (int i = 0; i < n8; ++i) {
      const int j = idx[i];
      v[i] = u2[j];
      lam[i] = mp[j];
      du[i] = us[j];
    }
    for (int i = 0; i < n8; ++i) {  // 1/alpha and the hat's value only here: two divisions fewer per full vector
      const PtrsParams c = ptrs_params(std::sqrt(lam[i]));
      ia[i] = c.invalpha;
      h[i] = ptrs_hat(c, du[i]);
    }
    alignas(64) double log_v[kLanes], log_invalpha[kLanes], log_hat[kLanes], loglam[kLanes];
    for (int i = 0; i < n8; ++i) {
      log_v[i] = pmm_simd_log(v[i]);
      log_invalpha[i] = pmm_simd_log(ia[i]);
      log_hat[i] = pmm_simd_log(h[i]);
      loglam[i] = pmm_simd_log(lam[i]);
    }
    for (int i = 0; i < n; ++i) {
      const int j = idx[i];
      accept[j] = ptrs_log_accept(log_v[i], log_invalpha[i], log_hat[i], mp[j], kk[j], loglam[i],
                                  lgam[static_cast<int>(kk[j])]);
    }
  }
  std::int64_t left = 0;
  alignas(64) std::int64_t next[kLanes], self[kLanes];
  for (int j = 0; j < lanes; ++j) {
    const PtrsParams c{0, 0, 0, vr[j]};  // ptrs_squeeze reads vr only
    const std::int64_t in_table = kk[j] >= 0 && kk[j] < kLgammaTable;
    double r = accept[j] ? kk[j] : kNextBlock;
    r = in_table ? r : kThisBlock;
    r = ptrs_refuse(kk[j], us[j], u2[j]) ? kNextBlock : r;
    r = ptrs_squeeze(c, us[j], u2[j]) ? kk[j] : r;
    r = m[j] >= kPoissonInversionBelow ? r : out[j];
    out[j] = r;
    next[j] = r == kNextBlock;
    self[j] = r == kThisBlock;
    left |= r < 0;
  }
  return left ? PtrsLeft{lane_mask(next, lanes), lane_mask(self, lanes)} : PtrsLeft{};
}

#if defined(PMM_POISSON_SEARCH_AVX512)
// PMM_PTRS_LOG=three: ptrs_trial_avx512's log test always takes its three logs (for the tests: the path that the
// one-log test leaves to the lanes it cannot decide).
bool ptrs_log_three() {
  static const bool three = [] {
    const char* want = std::getenv("PMM_PTRS_LOG");
    return want != nullptr && std::strcmp(want, "three") == 0;
  }();
  return three;
}

// ptrs_params' b, a and, where asked for, 1/alpha and v_r, lane by lane (its expressions, in the same order; the
// random tests compare every lane with the scalar sampler).
__attribute__((target("avx512f"))) inline void ptrs_params_avx512(__m512d lam, __m512d& b, __m512d& a, __m512d* ia,
                                                                  __m512d* vr) {
  b = _mm512_add_pd(_mm512_set1_pd(0.931), _mm512_mul_pd(_mm512_set1_pd(2.53), _mm512_maskz_sqrt_pd(0xFF, lam)));
  a = _mm512_add_pd(_mm512_set1_pd(-0.059), _mm512_mul_pd(_mm512_set1_pd(0.02483), b));
  if (ia != nullptr)
    *ia = _mm512_add_pd(_mm512_set1_pd(1.1239),
                        _mm512_div_pd(_mm512_set1_pd(1.1328), _mm512_sub_pd(b, _mm512_set1_pd(3.4))));
  if (vr != nullptr)
    *vr = _mm512_sub_pd(_mm512_set1_pd(0.9277),
                        _mm512_div_pd(_mm512_set1_pd(3.6224), _mm512_sub_pd(b, _mm512_set1_pd(2.0))));
}

// ptrs_trial() for AVX-512 CPUs in AVX-512F intrinsics: the same operations on the same numbers in each lane (so the
// same k, decisions and results, but for logs by log_avx512 instead of libmvec: a comparison they round apart, ~1e-16
// a draw), with the first trial's decisions kept in registers, the lanes that need the log
// test compressed into packed vectors and expanded back (vcompresspd, vexpandpd) instead of packed by a scalar loop,
// and lgamma(k + 1) read by a gather.
__attribute__((target("avx512f"))) PtrsLeft ptrs_trial_avx512(const double* __restrict m,
                                                              const double* __restrict lgam,
                                                              double* __restrict out,
                                                              const double* __restrict u1,
                                                              const double* __restrict u2, int lanes) {
  const __m512d zero = _mm512_setzero_pd(), half = _mm512_set1_pd(0.5), below = _mm512_set1_pd(kPoissonInversionBelow);
  const __m512d next = _mm512_set1_pd(kNextBlock), self = _mm512_set1_pd(kThisBlock);
  const __m512d table = _mm512_set1_pd(kLgammaTable);
  alignas(64) double pv[kLanes + 8], plam[kLanes + 8], pus[kLanes + 8], pk[kLanes + 8], pr[kLanes + 8];
  __mmask8 need[kLanes / 8];
  const bool three_logs = ptrs_log_three();
  int n = 0;
  for (int g = 0; g < lanes / 8; ++g) {
    const __m512d M = _mm512_loadu_pd(m + 8 * g);
    const __mmask8 ptrs = _mm512_cmp_pd_mask(M, below, _CMP_GE_OQ);
    const __m512d mp = _mm512_mask_blend_pd(ptrs, below, M);  // the other lanes run the trial at mean 12
    __m512d b, a, vr;
    ptrs_params_avx512(mp, b, a, nullptr, &vr);
    const __m512d U = _mm512_sub_pd(_mm512_loadu_pd(u1 + 8 * g), half), V = _mm512_loadu_pd(u2 + 8 * g);
    const __m512d us = _mm512_sub_pd(half, _mm512_abs_pd(U));
    // ptrs_k: floor((2a/us + b) U + mean + 0.43)
    const __m512d q = _mm512_add_pd(_mm512_div_pd(_mm512_mul_pd(_mm512_set1_pd(2.0), a), us), b);
    const __m512d x = _mm512_add_pd(_mm512_add_pd(_mm512_mul_pd(q, U), mp), _mm512_set1_pd(0.43));
    const __m512d k = _mm512_maskz_roundscale_pd(0xFF, x, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);  // floor
    const __mmask8 squeeze =
        _mm512_cmp_pd_mask(us, _mm512_set1_pd(0.07), _CMP_GE_OQ) & _mm512_cmp_pd_mask(V, vr, _CMP_LE_OQ);
    const __mmask8 refuse = _mm512_cmp_pd_mask(k, zero, _CMP_LT_OQ) |
                            (_mm512_cmp_pd_mask(us, _mm512_set1_pd(0.013), _CMP_LT_OQ) &
                             _mm512_cmp_pd_mask(V, us, _CMP_GT_OQ));
    const __mmask8 in_table = _mm512_cmp_pd_mask(k, zero, _CMP_GE_OQ) & _mm512_cmp_pd_mask(k, table, _CMP_LT_OQ);
    // The result before the log test (ptrs_trial's last loop with accept = 0)
    __m512d r = _mm512_mask_blend_pd(in_table, self, next);
    r = _mm512_mask_blend_pd(refuse, r, next);
    r = _mm512_mask_blend_pd(squeeze, r, k);
    r = _mm512_mask_blend_pd(ptrs, _mm512_loadu_pd(out + 8 * g), r);
    _mm512_storeu_pd(out + 8 * g, r);
    need[g] = ptrs & ~squeeze & ~refuse & in_table;
    _mm512_storeu_pd(pv + n, _mm512_maskz_compress_pd(need[g], V));
    _mm512_storeu_pd(plam + n, _mm512_maskz_compress_pd(need[g], mp));
    _mm512_storeu_pd(pus + n, _mm512_maskz_compress_pd(need[g], us));
    _mm512_storeu_pd(pk + n, _mm512_maskz_compress_pd(need[g], k));
    n += __builtin_popcount(need[g]);
  }
  if (n > 0) {
    for (int i = n; i < ((n + 7) & ~7); ++i) {  // padding: copies of the first packed lane (results unused)
      pv[i] = pv[0];
      plam[i] = plam[0];
      pus[i] = pus[0];
      pk[i] = pk[0];
    }
    for (int i = 0; i < n; i += 8) {  // ptrs_log_accept on 8 packed lanes
      const __m512d V = _mm512_load_pd(pv + i), lam = _mm512_load_pd(plam + i), us = _mm512_load_pd(pus + i);
      const __m512d k = _mm512_load_pd(pk + i);
      __m512d b, a, ia;
      ptrs_params_avx512(lam, b, a, &ia, nullptr);
      const __m512d h = _mm512_add_pd(_mm512_div_pd(a, _mm512_mul_pd(us, us)), b);  // ptrs_hat
      const __m512d lg = _mm512_mask_i32gather_pd(zero, 0xFF, _mm512_maskz_cvttpd_epi32(0xFF, k), lgam, 8);
      const __m512d rhs = _mm512_sub_pd(
          _mm512_add_pd(_mm512_sub_pd(zero, lam), _mm512_mul_pd(k, log_avx512(lam))), lg);
      // The test's left side log V + log(1/alpha) - log h is log(V (1/alpha) / h) up to the logs' and the sums'
      // roundings. With log_avx512 within E = 4 ulps (it is within 2 ulps, or 1e-17 < 2^-52 E absolutely where
      // |log x| < 0.05), the two sides computed differ by at most 2^-52 (E + 1) (1 + |lw| + |log V| + |log(1/alpha)|
      // + |log h|), and |log x| <= |floor(log2 x)| + 1 (vgetexppd), 1/alpha in
      // (1.12, 1.3): so where lw = log(V (1/alpha) / h) is farther than margin = 2^-47 (4 + |lw| + |e_V| + |e_h|)
      // from the right side, lw decides as the three logs would (by a factor of 6 or more). Elsewhere (about 1e-12
      // of the lanes, or every vector under PMM_PTRS_LOG=three, which the tests run) the vector takes the three logs.
      __mmask8 accept = 0, certain = 0;
      if (!three_logs) {
        const __m512d lw = log_avx512(_mm512_div_pd(_mm512_mul_pd(V, ia), h));
        const __m512d eV = _mm512_abs_pd(_mm512_maskz_getexp_pd(0xFF, V));
        const __m512d eh = _mm512_abs_pd(_mm512_maskz_getexp_pd(0xFF, h));
        const __m512d spread =
            _mm512_add_pd(_mm512_add_pd(_mm512_set1_pd(4.0), _mm512_abs_pd(lw)), _mm512_add_pd(eV, eh));
        const __m512d margin = _mm512_mul_pd(_mm512_set1_pd(0x1p-47), spread);
        certain = _mm512_cmp_pd_mask(_mm512_abs_pd(_mm512_sub_pd(lw, rhs)), margin, _CMP_GT_OQ);
        accept = _mm512_cmp_pd_mask(lw, rhs, _CMP_LE_OQ);
      }
      if (certain != 0xFF) {
        const __m512d lhs = _mm512_sub_pd(_mm512_add_pd(log_avx512(V), log_avx512(ia)), log_avx512(h));
        accept = _mm512_cmp_pd_mask(lhs, rhs, _CMP_LE_OQ);
      }
      _mm512_store_pd(pr + i, _mm512_mask_blend_pd(accept, next, k));
    }
    n = 0;
    for (int g = 0; g < lanes / 8; ++g) {
      if (need[g] == 0) continue;
      _mm512_storeu_pd(out + 8 * g,
                       _mm512_mask_expand_pd(_mm512_loadu_pd(out + 8 * g), need[g], _mm512_loadu_pd(pr + n)));
      n += __builtin_popcount(need[g]);
    }
  }
  PtrsLeft left;
  for (int g = 0; g < lanes / 8; ++g) {
    const __m512d r = _mm512_loadu_pd(out + 8 * g);
    left.next |= static_cast<std::uint64_t>(_mm512_cmp_pd_mask(r, next, _CMP_EQ_OQ)) << (8 * g);
    left.self |= static_cast<std::uint64_t>(_mm512_cmp_pd_mask(r, self, _CMP_EQ_OQ)) << (8 * g);
  }
  return left;
}
#endif

// ptrs_trial's version for this CPU (and PMM_SIMD), as poisson_inversion_best.
PtrsLeft ptrs_trial_best(const double* __restrict m, const double* __restrict lgam, double* __restrict out,
                         const double* __restrict u1, const double* __restrict u2, int lanes = kLanes) {
#if defined(PMM_POISSON_SEARCH_AVX512)
  if (avx512_kernels()) return ptrs_trial_avx512(m, lgam, out, u1, u2, lanes);
#endif
  return ptrs_trial(m, lgam, out, u1, u2, lanes);
}

// The lanes j < len (0 <= len <= kLanes) as a mask.
inline std::uint64_t first_lanes(int len) { return len == kLanes ? ~std::uint64_t{0} : (std::uint64_t{1} << len) - 1; }

// e^x of n values, n a multiple of 8 (exp_lanes' rule: exp_avx512 where the Philox kernels run AVX-512, else libmvec).
PMM_SIMD_CLONES
void exp_lanes_generic(const double* __restrict x, double* __restrict out, int n) {
  for (int i = 0; i < n; ++i) out[i] = pmm_simd_exp(x[i]);
}
#if defined(PMM_POISSON_SEARCH_AVX512)
__attribute__((target("avx512f"))) void exp_lanes_avx512(const double* __restrict x, double* __restrict out, int n) {
  for (int i = 0; i < n; i += 8) _mm512_storeu_pd(out + i, exp_avx512(_mm512_loadu_pd(x + i)));
}
#endif
void exp_lanes8(const double* __restrict x, double* __restrict out, int n) {
#if defined(PMM_POISSON_SEARCH_AVX512)
  if (avx512_kernels()) return exp_lanes_avx512(x, out, n);
#endif
  exp_lanes_generic(x, out, n);
}

// log x of n positive finite values, n a multiple of 8: log_avx512 where the Philox kernels run AVX-512, else
// libmvec's log (log_lanes' rule).
PMM_SIMD_CLONES
void log_lanes_generic(const double* __restrict x, double* __restrict out, int n) {
  for (int i = 0; i < n; ++i) out[i] = pmm_simd_log(x[i]);
}
#if defined(PMM_POISSON_SEARCH_AVX512)
__attribute__((target("avx512f"))) void log_lanes_avx512(const double* __restrict x, double* __restrict out, int n) {
  for (int i = 0; i < n; i += 8) _mm512_storeu_pd(out + i, log_avx512(_mm512_loadu_pd(x + i)));
}
#endif
void log_lanes8(const double* __restrict x, double* __restrict out, int n) {
#if defined(PMM_POISSON_SEARCH_AVX512)
  if (avx512_kernels()) return log_lanes_avx512(x, out, n);
#endif
  log_lanes_generic(x, out, n);
}

// The constants of the Gamma trials of a block, lane by lane: Marsaglia-Tsang's (shape >= 1) and GS's (shape < 1).
// A block of one shape s (the solvers' case) fills only its sampler's (key = s, fill_one_shape) and keeps them while
// the blocks keep s; a block of several shapes fills both lane by lane, each lane with its shape's sampler's
// constants and harmless ones for the other (shape 1 for Marsaglia-Tsang, 0.5 for GS).
struct GammaLaneConstants {
  double key = std::nan("");
  alignas(64) double d[kLanes], c[kLanes], q[kLanes];                                       // GammaMtParams
  alignas(64) double a[kLanes], inv_a[kLanes], t[kLanes], log_t[kLanes], inv_t[kLanes], b[kLanes], c2[kLanes];
  void set_mt(int j, const GammaMtParams& m) {
    d[j] = m.d;
    c[j] = m.c;
    q[j] = m.q;
  }
  void set_gs(int j, const GammaGsParams& g) {
    a[j] = g.a;
    inv_a[j] = g.inv_a;
    t[j] = g.t;
    log_t[j] = g.log_t;
    inv_t[j] = g.inv_t;
    b[j] = g.b;
    c2[j] = g.c2;
  }
  // Lane j at shape[j], for both samplers (the constants computed once for each run of equal shapes).
  void fill_lanes(const double* shape) {
    double last = std::nan("");
    GammaMtParams m{};
    GammaGsParams g{};
    for (int j = 0; j < kLanes; ++j) {
      const double s = shape[j] > 0 ? shape[j] : 1.0;
      if (!(s == last)) {
        m = gamma_mt_params(s < 1.0 ? 1.0 : s);
        g = gamma_gs_params(s < 1.0 ? s : 0.5);
        last = s;
      }
      set_mt(j, m);
      set_gs(j, g);
    }
    key = std::nan("");
  }
};

// Every lane of k at shape s > 0, for its sampler: a call's first block (or first after a change of shape) in the
// CPU's widest stores (a build for baseline x86-64 stores 16 bytes at a time: ~1.4% of an IGG run).
PMM_SIMD_CLONES
void fill_one_shape(GammaLaneConstants& k, double s) {
  if (s < 1.0) {
    const GammaGsParams g = gamma_gs_params(s);
    for (int j = 0; j < kLanes; ++j) k.set_gs(j, g);
  } else {
    const GammaMtParams m = gamma_mt_params(s);
    for (int j = 0; j < kLanes; ++j) k.set_mt(j, m);
  }
  k.key = s;
}

// n Gamma(shape >= 1) draws into out (n a multiple of 8, at most kLanes), one Marsaglia-Tsang trial (gamma_mt_trial)
// on a block's uniforms u (the normal's) and w (the test's), at the constants k. Returns the mask of the lanes it
// refused (out = kNextBlock: the stream goes on at the next block). The AS 241 tail (~15% of the lanes: log_lanes'
// log, and R2 alone, R3's rare lanes redone) runs on the lanes packed by bit-scan; past the squeeze the bounds of e
// decide most lanes, and the exp test (0.1-4% of them) calls libm's log and exp as the scalar trial does, lane by
// lane.
PMM_SIMD_CLONES
std::uint64_t gamma_mt_block(const GammaLaneConstants& k, double* __restrict out, const double* __restrict u,
                             const double* __restrict w, int n) {
  alignas(64) double x[kLanes], v[kLanes], V[kLanes];
  alignas(64) std::int64_t tail[kLanes], need[kLanes], accept[kLanes], refused[kLanes];
  alignas(64) int idx[kLanes];
  alignas(64) double s1[kLanes], s2[kLanes], r1[kLanes];
  for (int j = 0; j < n; ++j) {
    const double q = u[j] - 0.5;
    tail[j] = normal_quantile_in_tail(q);
    x[j] = normal_quantile_central(q);
  }
  if (const std::uint64_t m = lane_mask(tail, n)) {  // ~15% of the lanes
    const int nt = pack_mask(m, idx), nt8 = (nt + 7) & ~7;
    for (int i = 0; i < nt8; ++i) {
      s1[i] = normal_quantile_tail_area(u[idx[i]]);
      s2[i] = u[idx[i]] - 0.5;
    }
    log_lanes8(s1, r1, nt8);
    for (int i = 0; i < nt8; ++i) r1[i] = normal_quantile_tail_r(r1[i]);
    std::int64_t far = 0;  // r > 5: p < e^-25 (normal_quantile_tail's second ratio), redone lane by lane
    for (int i = 0; i < nt8; ++i) far |= !(r1[i] <= 5.0);
    for (int i = 0; i < nt8; ++i) s1[i] = normal_quantile_tail_near(s2[i], r1[i]);
    if (far)
      for (int i = 0; i < nt; ++i)
        if (!(r1[i] <= 5.0)) s1[i] = normal_quantile_tail_far(s2[i], r1[i]);
    for (int i = 0; i < nt; ++i) x[idx[i]] = s1[i];
  }
  // The squeeze, then the bounds of e (gamma_mt_trial's order); the exp test decides the rest.
  std::int64_t any_need = 0;
  for (int j = 0; j < n; ++j) {
    const GammaMtParams p{k.d[j], k.c[j], k.q[j]};
    v[j] = 1.0 + p.c * x[j];
    V[j] = v[j] * v[j] * v[j];
    const std::int64_t live = v[j] > 0, squeezed = w[j] < gamma_mt_squeeze(x[j]);
    const std::int64_t refuse = gamma_mt_surely_refused(p, x[j], v[j], w[j]);
    const std::int64_t sure = !refuse & gamma_mt_surely_accepted(p, x[j], v[j], w[j]);
    accept[j] = live & (squeezed | sure);
    need[j] = live & !squeezed & !refuse & !sure;
    any_need |= need[j];
  }
  if (any_need) {
    for (std::uint64_t m = lane_mask(need, n); m != 0; m &= m - 1) {
      const int j = __builtin_ctzll(m);
      accept[j] = w[j] < std::exp(gamma_mt_log_bound(GammaMtParams{k.d[j], k.c[j]}, x[j], V[j], std::log(V[j])));
    }
  }
  std::int64_t left = 0;  // whether any lane is refused
  for (int j = 0; j < n; ++j) {
    out[j] = accept[j] ? k.d[j] * V[j] : kNextBlock;
    refused[j] = !accept[j];
    left |= refused[j];
  }
  return left ? lane_mask(refused, n) : 0;
}

// n Gamma(shape < 1) draws into out (n a multiple of 8, at most kLanes), one GS trial (gamma_gs_trial) on a block's
// uniforms u and w, at the constants k; returns the mask of the lanes it refused (out = kNextBlock). One log_lanes
// log in every lane (of P or of b (1 - u) / (b - 1)); x = e^{log x} for the low lanes by exp_lanes (skipped where no
// lane of the block has log x >= -708: the smallest shapes); the bounds decide most tests, the exact tests the others
// (0.5-8% of the lanes) on the lanes packed by bit-scan, log y by log_lanes and the exp by exp_lanes: where these
// round otherwise than libm's, a comparison may move (probability ~1e-16 a draw).
PMM_SIMD_CLONES
std::uint64_t gamma_gs_block(const GammaLaneConstants& k, double* __restrict out, const double* __restrict u,
                             const double* __restrict w, int n) {
  alignas(64) double arg[kLanes], L[kLanes], z[kLanes], e[kLanes], x[kLanes], y[kLanes];
  alignas(64) std::int64_t low[kLanes], power[kLanes], need[kLanes], refused[kLanes];
  alignas(64) int idx[kLanes];
  for (int j = 0; j < n; ++j) {
    const GammaGsParams p{k.a[j], k.inv_a[j], k.t[j], k.log_t[j], k.inv_t[j], k.b[j], k.c2[j]};
    low[j] = gamma_gs_low(p, u[j]);
    arg[j] = gamma_gs_log_arg(p, u[j]);
  }
  log_lanes8(arg, L, n);
  std::int64_t any_power = 0;
  for (int j = 0; j < n; ++j) {
    const double lx = L[j] * k.inv_a[j] + k.log_t[j];  // gamma_gs_low_log_x
    power[j] = low[j] & !(lx < kGammaLogZero);
    z[j] = power[j] ? lx : 0.0;  // within exp_lanes' domain
    any_power |= power[j];
  }
  if (any_power) exp_lanes8(z, e, n);
  std::int64_t any_need = 0, left = 0;
  for (int j = 0; j < n; ++j) {
    const double xh = k.t[j] - L[j];  // gamma_gs_high_x
    const double xl = power[j] ? e[j] : 0.0;
    y[j] = xh * k.inv_t[j];
    x[j] = low[j] ? xl : xh;
    const std::int64_t acc = low[j] ? gamma_gs_low_accepted(xl, w[j]) : gamma_gs_high_accepted(k.a[j], y[j], w[j]);
    const std::int64_t ref = low[j] ? gamma_gs_low_refused(xl, w[j]) : gamma_gs_high_refused(k.a[j], y[j], w[j]);
    need[j] = !acc & !ref;
    refused[j] = !acc;
    any_need |= need[j];
  }
  if (any_need) {  // gamma_gs_exact: w <= e^{-x} (low), w <= exp((a - 1) log y) (high)
    alignas(64) double s1[kLanes], s2[kLanes];
    const int ne = pack_mask(lane_mask(need, n), idx), ne8 = (ne + 7) & ~7;
    for (int i = 0; i < ne8; ++i) s2[i] = low[idx[i]] ? 1.0 : y[idx[i]];
    log_lanes8(s2, s1, ne8);
    for (int i = 0; i < ne8; ++i) s1[i] = low[idx[i]] ? -x[idx[i]] : (k.a[idx[i]] - 1.0) * s1[i];
    exp_lanes8(s1, s2, ne8);
    for (int i = 0; i < ne; ++i) refused[idx[i]] = !(w[idx[i]] <= s2[i]);
  }
  for (int j = 0; j < n; ++j) {
    out[j] = refused[j] ? kNextBlock : x[j];
    left |= refused[j];
  }
  return left ? lane_mask(refused, n) : 0;
}

// Which samplers the first n lanes of a block of shapes need, and whether they all have one shape.
struct GammaBlockKinds {
  bool gs = false, mt = false, same = false;
};
PMM_SIMD_CLONES
GammaBlockKinds gamma_block_kinds(const double* __restrict shape, int n) {
  std::int64_t gs = 0, mt = 0, same = 1;
  for (int j = 0; j < n; ++j) {
    gs |= (shape[j] > 0) & (shape[j] < 1.0);
    mt |= shape[j] >= 1.0;
    same &= shape[j] == shape[0];
  }
  return {gs != 0, mt != 0, same != 0};
}

// One trial of n Gamma(shape[j]) draws (n a multiple of 8, at most kLanes; shape holds kLanes values) on the uniforms
// (u, w) into out (0 where shape <= 0 or NaN); returns the mask of the lanes refused (out = kNextBlock). one: the
// caller knows that every lane has shape[0]. The constants are
// the thread's, kept while the shape stays: over a call's blocks and queued trials, and across calls of one shape
// (a solver's chunk takes its steps in turn, so there a call fills them once).
std::uint64_t gamma_block(const double* __restrict shape, double* __restrict out, const double* __restrict u,
                          const double* __restrict w, bool one, int n) {
  static thread_local GammaLaneConstants k, lanes;
  if (one || gamma_block_kinds(shape, n).same) {
    const double s = shape[0];
    if (!(s > 0)) {
      for (int j = 0; j < n; ++j) out[j] = 0.0;
      return 0;
    }
    if (!(k.key == s)) fill_one_shape(k, s);
    return s < 1.0 ? gamma_gs_block(k, out, u, w, n) : gamma_mt_block(k, out, u, w, n);
  }
  const GammaBlockKinds kinds = gamma_block_kinds(shape, n);
  lanes.fill_lanes(shape);
  alignas(64) double gs[kLanes];
  if (kinds.mt) gamma_mt_block(lanes, out, u, w, n);
  if (kinds.gs) gamma_gs_block(lanes, gs, u, w, n);
  std::uint64_t left = 0;
  for (int j = 0; j < n; ++j) {
    const double s = shape[j];
    out[j] = !(s > 0) ? 0.0 : s < 1.0 ? gs[j] : out[j];
    left |= out[j] == kNextBlock ? kLaneBit[static_cast<size_t>(j)] : 0;
  }
  return left;
}

}  // namespace

namespace {

// Calls draw(path_lo, in, out, len, one) for each block of kLanes elements of the strided row: a whole block of a
// contiguous row in place, otherwise through copies (padded with 0, which both samplers map to 0). in_stride 0: in
// holds one value for the whole row, written into a block once; one says that draw's in is that block (the same
// values at the same address in every call; the last block, when partial, is padded and copied, so one is false).
template <class Draw>
void by_blocks(std::uint32_t path0, Index n, const double* in, Index in_stride, Index stride, double* out, Draw draw) {
  alignas(64) double a[kLanes], c[kLanes], r[kLanes];
  if (in_stride == 0)
    for (int j = 0; j < kLanes; ++j) c[j] = in[0];
  for (Index j0 = 0; j0 < n; j0 += kLanes) {
    const int len = static_cast<int>(std::min<Index>(kLanes, n - j0));
    const bool one = in_stride == 0 && len == kLanes, direct_in = in_stride == 1 && len == kLanes;
    const bool direct_out = stride == 1 && len == kLanes;
    if (!one && !direct_in)
      for (int j = 0; j < kLanes; ++j) a[j] = j < len ? in[(j0 + j) * in_stride] : 0.0;
    draw(path0 + static_cast<std::uint32_t>(j0), one ? c : direct_in ? in + j0 : a, direct_out ? out + j0 : r, len,
         one);
    if (!direct_out)
      for (int j = 0; j < len; ++j) out[(j0 + j) * stride] = r[j];
  }
}

// Lanes refused at their first trial, waiting in blocks' order for a gathered second trial: their paths, F numbers
// each (value[f][i]) and output slots. A block adds at most kLanes entries and only while fewer than kLanes wait,
// so 2 kLanes entries suffice; entries beyond size may be written (the branch-free push) and are ignored.
template <int F>
struct LaneQueue {
  alignas(64) std::uint32_t path[2 * kLanes];
  alignas(64) double value[F][2 * kLanes];
  double* dst[2 * kLanes];
  int size = 0;
  // The next trial takes the first min(size, kLanes) entries: the lanes past them get path 0 and the values pad.
  int batch(const std::array<double, F>& pad) {
    const int len = std::min(size, kLanes);
    for (int j = len; j < kLanes; ++j) {
      path[j] = 0;
      for (int f = 0; f < F; ++f) value[f][j] = pad[static_cast<size_t>(f)];
    }
    return len;
  }
  // Appends an entry (the caller keeps size below 2 kLanes).
  void push(std::uint32_t p, const std::array<double, F>& v, double* d) {
    path[size] = p;
    for (int f = 0; f < F; ++f) value[f][size] = v[static_cast<size_t>(f)];
    dst[size++] = d;
  }
  // Writes the batch's results r to its slots and drops its entries.
  void finish(int len, const double* r) {
    for (int j = 0; j < len; ++j) *dst[j] = r[j];
    for (int j = len; j < size; ++j) {
      path[j - len] = path[j];
      for (int f = 0; f < F; ++f) value[f][j - len] = value[f][j];
      dst[j - len] = dst[j];
    }
    size -= len;
  }
};

// Lanes refused on this many blocks go on with the scalar sampler (drain_queue): GS and Marsaglia-Tsang accept a
// trial with probability 0.79 or more and PTRS about four in five, so no lane gets there in practice.
constexpr std::uint32_t kGatheredBlocks = 64;

// Gathered trials on blocks b0, b0 + 1, ... for the lanes of q (all at block b0), a round a block, until every lane
// has its draw: trial(qb, b, next) takes one gathered trial on block b of a batch of qb's lanes and queues those it
// refuses in next; from block kGatheredBlocks on, scalar(qb, i, b) draws lane i from block b.
template <class Trial, class Scalar>
void drain_queue(LaneQueue<1>& q, std::uint32_t b0, Trial trial, Scalar scalar) {
  LaneQueue<1> other;
  LaneQueue<1>*cur = &q, *next = &other;
  for (std::uint32_t b = b0; cur->size > 0; ++b) {
    if (b >= kGatheredBlocks) {
      for (int i = 0; i < cur->size; ++i) *cur->dst[i] = scalar(*cur, i, b);
      cur->size = 0;
      return;
    }
    while (cur->size > 0) trial(*cur, b, *next);
    std::swap(cur, next);
  }
}

}  // namespace

void poisson_lanes(std::uint64_t seed, std::uint32_t path0, std::uint32_t step, std::uint32_t coord, Index n,
                   const double* means, Index stride, double* out) {
  static_assert(kLanes == kUniformPairsAtLanes, "the second trial takes one gathered block of kLanes counters");
  const std::uint32_t tag = (static_cast<std::uint32_t>(Stream::kPoisson) << 24) | (coord & 0xFFFFFFu);
  const double* lgam = lgamma_table();
  alignas(64) double u1[kLanes], u2[kLanes];
  // The lanes refused at their first PTRS trial (value[0]: the mean), from blocks already written to out, waiting for a
  // trial on block 1 (q); those refused there wait for block 2 (q2), and those refused there for block 3 (q3).
  LaneQueue<1> q, q2, q3;
  // A trial on block b of a batch of queue qb's lanes (the unused lanes run it at mean 12): the lanes it refuses go to
  // refused(j, r), those whose k is past the lgamma table are redone by the scalar sampler from block b.
  const auto trial_batch = [&](LaneQueue<1>& qb, std::uint32_t b, auto refused) {
    const int len = qb.batch({kPoissonInversionBelow});
    const int lanes = (len + 7) & ~7;  // the 8-lane vectors that hold the batch (gamma_row's trial_batch)
    const double* mean = qb.value[0];
    alignas(64) double v1[kLanes], v2[kLanes], r[kLanes];
    philox_uniform_pairs_at(seed, qb.path, step, b, tag, v1, v2, lanes);
    const PtrsLeft left = ptrs_trial_best(mean, lgam, r, v1, v2, lanes);
    if ((left.next | left.self) != 0) {
      const std::uint64_t used = first_lanes(len);
      for (std::uint64_t m = left.next & used; m != 0; m &= m - 1) refused(__builtin_ctzll(m), r);
      for (std::uint64_t m = left.self & used; m != 0; m &= m - 1) {
        const int j = __builtin_ctzll(m);
        UniformStream u(seed, qb.path[j], step, Stream::kPoisson, coord, v1[j], v2[j], b, 0);
        r[j] = poisson_ptrs(u, mean[j]);
      }
    }
    qb.finish(len, r);
  };
  // Blocks 3, 4, ... for the lanes of q3, until every lane has its count.
  const auto drain = [&] {
    drain_queue(
        q3, 3,
        [&](LaneQueue<1>& qb, std::uint32_t b, LaneQueue<1>& next) {
          trial_batch(qb, b, [&](int j, double*) { next.push(qb.path[j], {qb.value[0][j]}, qb.dst[j]); });
        },
        [&](const LaneQueue<1>& qb, int i, std::uint32_t b) {
          UniformStream u(seed, qb.path[i], step, Stream::kPoisson, coord, 0.0, 0.0, b - 1, 2);  // next: block b
          return poisson_ptrs(u, qb.value[0][i]);
        });
  };
  // Block 2: what it refuses waits in q3.
  const auto third_trial = [&] {
    if (q3.size >= kLanes) drain();
    trial_batch(q2, 2, [&](int j, double*) { q3.push(q2.path[j], {q2.value[0][j]}, q2.dst[j]); });
  };
  // Block 1: what it refuses waits in q2 (its slot in out keeps kNextBlock until q2's batch writes it).
  const auto second_trial = [&] {
    if (q2.size >= kLanes) third_trial();
    trial_batch(q, 1, [&](int j, double*) { q2.push(q.path[j], {q.value[0][j]}, q.dst[j]); });
  };
  by_blocks(path0, n, means, stride, stride, out,
            [&](std::uint32_t path_lo, const double* m, double* r, int len, bool) {
    if (q.size >= kLanes) second_trial();  // entries of earlier blocks only: theirs are in out already
    // Block 0 (random/noise.cpp's kernels): its first uniform alone where no lane takes a PTRS trial.
    const BlockKinds kinds = block_kinds_best(m);
    philox_uniform_pairs(seed, path_lo, step, 0, tag, kLanes, u1, kinds.ptrs ? u2 : nullptr);
    poisson_inversion_best(m, r, u1, kinds);
    if (!kinds.ptrs) return;
    const PtrsLeft left = ptrs_trial_best(m, lgam, r, u1, u2);
    if ((left.next | left.self) == 0) return;
    // The refused lanes (about one in five of a PTRS block) queued in lane order by bit-scan of their mask: a loop
    // over all lanes that writes each one's entry and keeps the refused ones chains every store on the queue's size.
    const std::uint64_t used = first_lanes(len);
    double* const dst = out + static_cast<Index>(path_lo - path0) * stride;
    for (std::uint64_t b = left.next & used; b != 0; b &= b - 1) {
      const int j = __builtin_ctzll(b);
      q.push(path_lo + static_cast<std::uint32_t>(j), {m[j]}, dst + static_cast<Index>(j) * stride);
    }
    for (std::uint64_t b = left.self & used; b != 0; b &= b - 1) {
      const int j = __builtin_ctzll(b);  // the scalar sampler redoes the draw from block 0
      UniformStream u(seed, path_lo + static_cast<std::uint32_t>(j), step, Stream::kPoisson, coord, u1[j], u2[j]);
      r[j] = poisson_ptrs(u, m[j]);
    }
  });
  // The call's last lanes, however few: a batch of one lane costs one 8-lane vector, less than the scalar trials.
  while (q.size > 0) second_trial();
  while (q2.size > 0) third_trial();
  drain();
}

namespace {

// gamma_lanes and gamma_lanes_one_shape: the row's shapes at shapes[j shape_stride] (shape_stride 0: one shape).
void gamma_row(std::uint64_t seed, std::uint32_t path0, std::uint32_t step, std::uint32_t coord, Index n,
               const double* shapes, Index shape_stride, Index stride, double* out) {
  const std::uint32_t tag = (static_cast<std::uint32_t>(Stream::kGamma) << 24) | (coord & 0xFFFFFFu);
  alignas(64) double u[kLanes], w[kLanes];
  // The lanes refused at their first trial, from blocks already written to out, waiting for a trial on block 1 (q);
  // those refused there wait for block 2 (q2), and those refused there for block 3 (q3). value[0] is the shape.
  LaneQueue<1> q, q2, q3;
  const bool one_shape = shape_stride == 0;  // then every queued lane has that shape too
  // One trial on block b of a batch of queue qb's lanes: the refused ones go to refused(qb, j, r).
  const auto trial_batch = [&](LaneQueue<1>& qb, std::uint32_t b, auto refused) {
    const int len = qb.batch({qb.value[0][0]});  // padded with the first lane's shape (a solver row has one)
    // The 8-lane vectors that hold the batch, not a whole block: a call's last batch is mostly short (a 512-path
    // chunk of the IGG benchmark queues ~19 lanes a call), and the lanes' draws do not depend on the count.
    const int lanes = (len + 7) & ~7;
    alignas(64) double u1[kLanes], w1[kLanes], r[kLanes];
    philox_uniform_pairs_at(seed, qb.path, step, b, tag, u1, w1, lanes);
    const std::uint64_t used = first_lanes(len);
    for (std::uint64_t m = gamma_block(qb.value[0], r, u1, w1, one_shape, lanes) & used; m != 0; m &= m - 1)
      refused(qb, __builtin_ctzll(m), r);
    qb.finish(len, r);
  };
  // Blocks 3, 4, ... for the lanes of q3, until every lane has accepted.
  const auto drain = [&] {
    drain_queue(
        q3, 3,
        [&](LaneQueue<1>& qb, std::uint32_t b, LaneQueue<1>& next) {
          trial_batch(qb, b, [&](LaneQueue<1>& q_, int j, double*) {
            next.push(q_.path[j], {q_.value[0][j]}, q_.dst[j]);
          });
        },
        [&](const LaneQueue<1>& qb, int i, std::uint32_t b) {
          UniformStream us(seed, qb.path[i], step, Stream::kGamma, coord, 0.0, 0.0, b - 1, 2);  // next: block b
          return gamma_draw_trials(us, qb.value[0][i]);
        });
  };
  // Block 2: what it refuses waits in q3.
  const auto third_trial = [&] {
    if (q3.size >= kLanes) drain();
    trial_batch(q2, 2, [&](LaneQueue<1>& qb, int j, double*) { q3.push(qb.path[j], {qb.value[0][j]}, qb.dst[j]); });
  };
  // Block 1: what it refuses waits in q2 (its slot in out keeps kNextBlock until a later batch writes it).
  const auto second_trial = [&] {
    if (q2.size >= kLanes) third_trial();
    trial_batch(q, 1, [&](LaneQueue<1>& qb, int j, double*) { q2.push(qb.path[j], {qb.value[0][j]}, qb.dst[j]); });
  };
  by_blocks(path0, n, shapes, shape_stride, stride, out,
            [&](std::uint32_t path_lo, const double* sh, double* r, int, bool one) {
    if (q.size >= kLanes) second_trial();  // entries of earlier blocks only: theirs are in out already
    // Block 0 (random/noise.cpp's kernels), then the lanes it refused (padding lanes past len have shape 0 and are
    // never refused).
    philox_uniform_pairs(seed, path_lo, step, 0, tag, kLanes, u, w);
    const std::uint64_t left = gamma_block(sh, r, u, w, one, kLanes);
    double* const dst = out + static_cast<Index>(path_lo - path0) * stride;
    for (std::uint64_t m = left; m != 0; m &= m - 1) {
      const int j = __builtin_ctzll(m);
      q.push(path_lo + static_cast<std::uint32_t>(j), {sh[j]}, dst + static_cast<Index>(j) * stride);
    }
  });
  // The call's last lanes, however few: a batch of one lane costs one 8-lane vector, less than the scalar trials.
  while (q.size > 0) second_trial();
  while (q2.size > 0) third_trial();
  drain();
}

}  // namespace

namespace {
// fn8 (exp_lanes8, log_lanes8) on n values: whole vectors of 8 in place, the last partial one through a copy padded
// with pad (a value inside fn8's domain).
void by_vectors_of_8(void (*fn8)(const double*, double*, int), const double* x, Index n, double* out, double pad) {
  alignas(64) double a[8], b[8];
  Index i = 0;
  for (; i + 8 <= n; i += 8) fn8(x + i, out + i, 8);
  if (i == n) return;
  for (int j = 0; j < 8; ++j) a[j] = i + j < n ? x[i + j] : pad;
  fn8(a, b, 8);
  for (int j = 0; i + j < n; ++j) out[i + j] = b[j];
}
}  // namespace

void log_lanes(const double* x, Index n, double* out) { by_vectors_of_8(log_lanes8, x, n, out, 1.0); }

void exp_lanes(const double* x, Index n, double* out) { by_vectors_of_8(exp_lanes8, x, n, out, 0.0); }

void gamma_lanes(std::uint64_t seed, std::uint32_t path0, std::uint32_t step, std::uint32_t coord, Index n,
                 const double* shapes, Index stride, double* out) {
  gamma_row(seed, path0, step, coord, n, shapes, stride, stride, out);
}

void gamma_lanes_one_shape(std::uint64_t seed, std::uint32_t path0, std::uint32_t step, std::uint32_t coord, Index n,
                           double shape, Index stride, double* out) {
  gamma_row(seed, path0, step, coord, n, &shape, 0, stride, out);
}

}  // namespace pmm
