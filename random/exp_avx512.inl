// e^x for 8 lanes in AVX-512F, -708 <= x <= 709 (x below -708, or NaN, is taken as -708), within 0.55 ulp of e^x
// (tests/solvers/random_test.cpp measures it against expl): with n = round(16 x / ln 2), j = n & 15,
//   x = n (ln 2)/16 + r,   |r| <= (ln 2)/32    (r by two FMAs with ln2/16 split in a head and a tail),
//   e^x = 2^(n >> 4) 2^(j/16) e^r,   e^r - 1 ~ p = r + r^2 (1/2 + r/6 + r^2/24 + ... + r^5/5040)   (Taylor, degree 7:
//   the remainder is below 1.3e-18),
//   e^x = s + s (p + t_j)   (one FMA), s = 2^(n >> 4) 2^(j/16) rounded, t_j = the relative rounding error of 2^(j/16),
// with 2^(j/16)'s bits less j 2^48 in a 16-entry table (adding n 2^48 then puts n >> 4 into the exponent) and t_j in
// another, both read by a two-register permute. The method of glibc's scalar exp (ARM's optimized-routines: a table
// of 2^(j/N), Cody-Waite reduction, a short polynomial), with N = 16 so that a table fits two registers. libmvec's
// _ZGVeN8v_exp, which it replaces in the Poisson inversion and Gamma's GS trial, is within 4 ulps (3 seen) and rounds
// differently from libm's exp at a third of the arguments in [-12, 0]; this one at 0.3% of them, in half the time.
// Included by random/batch_samplers.cpp inside its AVX-512 section.

alignas(64) constexpr std::uint64_t kExp2Bits[16] = {  // bits of 2^(j/16) - j 2^48
    0x3ff0000000000000ULL, 0x3fefb5586cf9890fULL, 0x3fef72b83c7d517bULL, 0x3fef387a6e756238ULL,
    0x3fef06fe0a31b715ULL, 0x3feedea64c123422ULL, 0x3feebfdad5362a27ULL, 0x3feeab07dd485429ULL,
    0x3feea09e667f3bcdULL, 0x3feea11473eb0187ULL, 0x3feeace5422aa0dbULL, 0x3feec49182a3f090ULL,
    0x3feee89f995ad3adULL, 0x3fef199bdd85529cULL, 0x3fef5818dcfba487ULL, 0x3fefa4afa2a490daULL};
alignas(64) constexpr double kExp2Tail[16] = {  // (2^(j/16) - RN(2^(j/16))) / RN(2^(j/16))
    0x0p+0,                 0x1.79c6454114c9cp-54,  -0x1.01ad9a5481bccp-55, 0x1.68e8e9e5285d1p-54,
    0x1.349be666c9abbp-55,  0x1.5a41634b7af09p-55,  0x1.68e098e7af709p-56,  0x1.0622fae5f718fp-54,
    -0x1.3b5e9fb48d517p-54, -0x1.b411fe454f9dcp-56, 0x1.db4aaca3e0b59p-55,  0x1.1b24c1bc0366fp-56,
    0x1.c18531b0d6856p-55,  0x1.36e3a8fcb2dbep-56,  0x1.4a6c80f985371p-56,  -0x1.ffb1b4095a057p-55};

__attribute__((target("avx512f"), always_inline)) inline __m512d exp_avx512(__m512d x) {
  const __m512d shift = _mm512_set1_pd(0x1.8p52);  // z + shift rounds z to an integer n, held in the low bits
  x = _mm512_maskz_max_pd(0xFF, x, _mm512_set1_pd(-708.0));  // NaN: the second operand (maskz: GCC 12 warns on the
                                                              // unmasked forms' undefined pass-through)
  const __m512d ns = _mm512_add_pd(_mm512_mul_pd(x, _mm512_set1_pd(0x1.71547652b82fep+4)), shift);  // 16/ln 2
  const __m512d n = _mm512_sub_pd(ns, shift);
  const __m512i ni = _mm512_castpd_si512(ns);  // n in the low 16 bits (two's complement)
  __m512d r = _mm512_fmadd_pd(n, _mm512_set1_pd(-0x1.62e42fefa3800p-5), x);  // ln2/16, head
  r = _mm512_fmadd_pd(n, _mm512_set1_pd(-0x1.ef35793c76730p-49), r);        // ln2/16, tail
  const __m512i bits = _mm512_permutex2var_epi64(_mm512_load_si512(kExp2Bits), ni, _mm512_load_si512(kExp2Bits + 8));
  const __m512d s = _mm512_castsi512_pd(_mm512_add_epi64(bits, _mm512_maskz_slli_epi64(0xFF, ni, 48)));
  const __m512d t = _mm512_permutex2var_pd(_mm512_load_pd(kExp2Tail), ni, _mm512_load_pd(kExp2Tail + 8));
  __m512d q = _mm512_fmadd_pd(_mm512_set1_pd(1.0 / 5040), r, _mm512_set1_pd(1.0 / 720));
  q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(1.0 / 120));
  q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(1.0 / 24));
  q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(1.0 / 6));
  q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(0.5));
  const __m512d p = _mm512_fmadd_pd(q, _mm512_mul_pd(r, r), _mm512_add_pd(r, t));
  return _mm512_fmadd_pd(s, p, s);
}
