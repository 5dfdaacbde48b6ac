// log x for 8 lanes in AVX-512F, x positive and finite (subnormals too), within 2 ulps of log x (1.47 seen; libmvec's
// _ZGVeN8v_log: 4, 1.41 seen) where |log x| >= 0.05 and 1e-17 absolute below (7.8e-18 seen; tests/solvers/
// random_test.cpp measures it against logl):
//   x = m 2^k, m in [0.75, 1.5) (vgetmantpd; k = vgetexppd's exponent, plus 1 where m < 1),
//   m = c_i (1 + r), c_i the centre of one of 16 intervals picked by m's top mantissa bits (8 of width 1/16 on
//   [1, 1.5), 8 of width 1/32 on [0.75, 1)), r = m (1/c_i) - 1 by one FMA with 1/c_i rounded (|r| <= 1/32),
//   log x = k ln 2 + log c_i + log1p(r),   log1p(r) = r - r^2/2 + r^3 (1/3 - r/4 + ... - r^8/11)   (Taylor: the
//   remainder is below r^12/12 < 7e-20),
// with 1/c_i and -log(1/c_i) (correctly rounded, mpmath) in 16-entry tables read by a two-register permute, and ln 2
// in a head and a tail. No table of a hundred entries (glibc's) and no division (the atanh series'); it replaces
// _ZGVeN8v_log in Gamma's GS trial (6% of a draw). m near 1 has k = 0, so no cancellation against k ln 2.
// Included by random/batch_samplers.cpp inside its AVX-512 section.

alignas(64) constexpr double kLogInvC[16] = {  // 1/c_i rounded
    0x1.f07c1f07c1f08p-1, 0x1.d41d41d41d41dp-1, 0x1.bacf914c1bad0p-1, 0x1.a41a41a41a41ap-1,
    0x1.8f9c18f9c18fap-1, 0x1.7d05f417d05f4p-1, 0x1.6c16c16c16c17p-1, 0x1.5c9882b931057p-1,
    0x1.4e5e0a72f0539p+0, 0x1.4141414141414p+0, 0x1.3521cfb2b78c1p+0, 0x1.29e4129e4129ep+0,
    0x1.1f7047dc11f70p+0, 0x1.15b1e5f75270dp+0, 0x1.0c9714fbcda3bp+0, 0x1.0410410410410p+0};
alignas(64) constexpr double kLogC[16] = {  // -log(kLogInvC[i])
    0x1.f829b0e7832f8p-6,  0x1.6f0d28ae56b4ep-4,  0x1.29552f81ff521p-3,  0x1.9525a9cf456b6p-3,
    0x1.fb9186d5e3e29p-3,  0x1.2e8e2bae11d31p-2,  0x1.5d1bdbf5809cap-2,  0x1.89a3386c1425bp-2,
    -0x1.1178e8227e47ap-2, -0x1.d1037f2655e7bp-3, -0x1.823c16551a3c0p-3, -0x1.365fcb0159014p-3,
    -0x1.da7276384469ep-4, -0x1.4d3115d207eacp-4, -0x1.894aa149fb34bp-5, -0x1.0205658935837p-6};

__attribute__((target("avx512f"), always_inline)) inline __m512d log_avx512(__m512d x) {
  const __m512d one = _mm512_set1_pd(1.0);
  const __m512d m = _mm512_maskz_getmant_pd(0xFF, x, _MM_MANT_NORM_p75_1p5, _MM_MANT_SIGN_src);
  __m512d k = _mm512_maskz_getexp_pd(0xFF, x);  // maskz: GCC 12 warns on the unmasked forms
  k = _mm512_mask_add_pd(k, _mm512_cmp_pd_mask(m, one, _CMP_LT_OQ), k, one);
  const __m512i i = _mm512_maskz_srli_epi64(0xFF, _mm512_castpd_si512(m), 48);  // low 4 bits: m's top 4 of the mantissa
  const __m512d invc = _mm512_permutex2var_pd(_mm512_load_pd(kLogInvC), i, _mm512_load_pd(kLogInvC + 8));
  const __m512d logc = _mm512_permutex2var_pd(_mm512_load_pd(kLogC), i, _mm512_load_pd(kLogC + 8));
  const __m512d r = _mm512_fmsub_pd(m, invc, one), r2 = _mm512_mul_pd(r, r);
  __m512d q = _mm512_fmadd_pd(_mm512_set1_pd(1.0 / 11), r, _mm512_set1_pd(-1.0 / 10));
  q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(1.0 / 9));
  q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(-1.0 / 8));
  q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(1.0 / 7));
  q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(-1.0 / 6));
  q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(1.0 / 5));
  q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(-1.0 / 4));
  q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(1.0 / 3));
  q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(-0.5));  // log1p(r) = r + r^2 q
  const __m512d hi = _mm512_fmadd_pd(k, _mm512_set1_pd(0x1.62e42fefa3800p-1), logc);       // ln 2, head
  const __m512d lo = _mm512_fmadd_pd(r2, q, _mm512_mul_pd(k, _mm512_set1_pd(0x1.ef35793c76730p-45)));  // and tail
  return _mm512_add_pd(hi, _mm512_add_pd(r, lo));
}
