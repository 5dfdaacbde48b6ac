// Counter-based random numbers: Random123 Philox4x32-10 known answers through pmm's counter/key layout,
// uniform_open stays inside (0, 1), fill_normals is N(0, 1) and a pure function of (seed, path, step,
// coordinate), and the Poisson (both branches) and Gamma samplers follow their laws.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include <boost/math/distributions/gamma.hpp>
#include <boost/math/distributions/poisson.hpp>
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/trigamma.hpp>

#include <pmm/random/distributions.hpp>
#include <pmm/random/noise.hpp>
#include <pmm/random/random.hpp>
#include "test_stats.hpp"

namespace {

void check_philox(std::uint64_t path, std::uint32_t step, std::uint32_t block, std::uint32_t stream,
                  std::uint32_t coord, std::uint64_t seed, std::array<std::uint32_t, 4> expected) {
  const auto ctr = pmm::philox_counter(path, step, block, static_cast<pmm::Stream>(stream), coord);
  const auto r = pmm::Philox()(ctr, pmm::philox_key(seed));
  for (int i = 0; i < 4; ++i) CHECK(r[i] == expected[i]);
}

// gamma_draw on the streams (seed; path, step, kGamma, coord) of paths 0 .. n - 1.
std::vector<double> gamma_draws_of_paths(std::uint64_t seed, std::uint32_t step, std::uint32_t coord, double shape,
                                         int n) {
  std::vector<double> draws(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    pmm::UniformStream u(seed, static_cast<std::uint64_t>(i), step, pmm::Stream::kGamma, coord);
    draws[static_cast<size_t>(i)] = pmm::gamma_draw(u, shape);
  }
  return draws;
}

}  // namespace

TEST_CASE("random: Philox4x32-10 known-answer vectors through philox_counter / philox_key") {
  // Random123's kat_vectors: exact integers, no tolerance.
  SUBCASE("counter and key all zeros") {
    check_philox(0, 0, 0, 0, 0, 0, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8});
  }
  SUBCASE("counter and key all ones") {
    // word 3 = stream << 24 | coord = 0xff << 24 | 0xffffff
    check_philox(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xff, 0xffffff, 0xffffffffffffffffull,
                 {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd});
  }
  SUBCASE("pi digits") {
    // ctr {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, key {0xa4093822, 0x299f31d0}
    check_philox(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03, 0x707344, 0x299f31d0a4093822ull,
                 {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1});
  }
  SUBCASE("key = seed (low word first), counter = (path, step, block, stream << 24 | coord)") {
    const auto k = pmm::philox_key(0x0123456789abcdefull);
    CHECK(k[0] == 0x89abcdefu);
    CHECK(k[1] == 0x01234567u);
    const auto c = pmm::philox_counter(5, 6, 7, pmm::Stream::kGamma, 0x1234567);  // coord masked to 24 bits
    CHECK(c[0] == 5u);
    CHECK(c[1] == 6u);
    CHECK(c[2] == 7u);
    CHECK(c[3] == ((3u << 24) | 0x234567u));
  }
}

TEST_CASE("random: philox_uniform_pairs is uniform_open of Random123 Philox blocks, and u1 alone where u2 is null") {
  // The SIMD variant this CPU runs (random_simd_* run the others): every lane of whole and partial blocks, word 0
  // wrapping inside a block, keys with both words set, and the first-uniform-only kernel against the pairs.
  const std::uint64_t seeds[] = {3, 0x9E3779B97F4A7C15ull, 0xFFFFFFFFFFFFFFFFull};
  const std::uint32_t firsts[] = {0u, 4294967200u, 77u};
  for (const std::uint64_t seed : seeds)
    for (const std::uint32_t c0 : firsts) {
      const pmm::Index n = 203;
      std::vector<double> u1(n), u2(n), v1(n, -1.0);
      const std::uint32_t c1 = 17 + c0 % 5, c2 = 5, c3 = (2u << 24) | 3u;
      pmm::philox_uniform_pairs(seed, c0, c1, c2, c3, n, u1.data(), u2.data());
      pmm::philox_uniform_pairs(seed, c0, c1, c2, c3, n, v1.data(), nullptr);
      int differ = 0;
      for (pmm::Index j = 0; j < n; ++j) {
        const pmm::Philox::ctr_type ctr{{c0 + static_cast<std::uint32_t>(j), c1, c2, c3}};
        const auto r = pmm::Philox()(ctr, pmm::philox_key(seed));
        const auto k = static_cast<size_t>(j);
        differ += u1[k] != pmm::uniform_open(r[0], r[1]) || u2[k] != pmm::uniform_open(r[2], r[3]) || v1[k] != u1[k];
      }
      CHECK_MESSAGE(differ == 0, "seed " << seed << ", first counter " << c0);
    }
}

TEST_CASE("random: philox_uniform_pairs_at fills any multiple of 8 lanes with the Random123 blocks of its counters") {
  // Word 0 given per lane (scattered, wrapping, repeated), every lane count the samplers' short batches use, the
  // entries past the lanes left alone; other counts throw naming the argument.
  const std::uint64_t seed = 0x9E3779B97F4A7C15ull;
  const std::uint32_t c1 = 40, c2 = 2, c3 = (3u << 24) | 9u;
  std::array<std::uint32_t, pmm::kUniformPairsAtLanes> c0{};
  for (size_t j = 0; j < c0.size(); ++j) c0[j] = static_cast<std::uint32_t>(j * 2654435761u) + (j % 7 == 3 ? 0 : 5);
  c0[10] = c0[11];
  for (int lanes = 8; lanes <= pmm::kUniformPairsAtLanes; lanes += 8) {
    std::vector<double> u1(pmm::kUniformPairsAtLanes, -7.0), u2(u1.size(), -7.0);
    pmm::philox_uniform_pairs_at(seed, c0.data(), c1, c2, c3, u1.data(), u2.data(), lanes);
    int differ = 0, touched = 0;
    for (int j = 0; j < pmm::kUniformPairsAtLanes; ++j) {
      const auto k = static_cast<size_t>(j);
      if (j >= lanes) {
        touched += u1[k] != -7.0 || u2[k] != -7.0;
        continue;
      }
      const auto r = pmm::Philox()(pmm::Philox::ctr_type{{c0[k], c1, c2, c3}}, pmm::philox_key(seed));
      differ += u1[k] != pmm::uniform_open(r[0], r[1]) || u2[k] != pmm::uniform_open(r[2], r[3]);
    }
    CHECK_MESSAGE(differ == 0, lanes << " lanes");
    CHECK_MESSAGE(touched == 0, lanes << " lanes");
  }
  std::vector<double> u1(pmm::kUniformPairsAtLanes), u2(u1.size());
  for (int bad : {0, 4, 12, 72, -8})
    CHECK_THROWS_WITH(pmm::philox_uniform_pairs_at(seed, c0.data(), c1, c2, c3, u1.data(), u2.data(), bad),
                      doctest::Contains("lanes"));
}

TEST_CASE("random: uniform_open maps 53 bits into the open interval (0, 1)") {
  // Exact values: (k + 0.5) 2^-53 with k the 53-bit integer (hi << 21) ^ (lo >> 11).
  CHECK(pmm::uniform_open(0, 0) == std::ldexp(1.0, -54));
  CHECK(pmm::uniform_open(0, 1u << 11) == 1.5 * std::ldexp(1.0, -53));
  CHECK(pmm::uniform_open(1, 0) == (std::ldexp(1.0, 21) + 0.5) * std::ldexp(1.0, -53));
  // The extremes must stay strictly inside: u = 1 would give log(u) = 0 and break samplers' invariants.
  const std::uint32_t ones = 0xffffffffu;
  for (std::uint32_t hi : {ones, ones - 1, 0x80000000u})
    for (std::uint32_t lo : {ones, ones - 2047, 0u}) {
      const double u = pmm::uniform_open(hi, lo);
      INFO(hi << " " << lo << " -> " << u);
      CHECK(u > 0.0);
      CHECK(u < 1.0);
    }
  // UniformStream: two uniforms per block, blocks 0, 1, ...; a pure function of its counter fields.
  pmm::UniformStream a(9, 3, 4, pmm::Stream::kPoisson, 2), b(9, 3, 4, pmm::Stream::kPoisson, 2);
  const auto r0 = pmm::Philox()(pmm::philox_counter(3, 4, 0, pmm::Stream::kPoisson, 2), pmm::philox_key(9));
  const auto r1 = pmm::Philox()(pmm::philox_counter(3, 4, 1, pmm::Stream::kPoisson, 2), pmm::philox_key(9));
  const double expect[4] = {pmm::uniform_open(r0[0], r0[1]), pmm::uniform_open(r0[2], r0[3]),
                            pmm::uniform_open(r1[0], r1[1]), pmm::uniform_open(r1[2], r1[3])};
  for (double e : expect) {
    CHECK(a.next() == e);
    CHECK(b.next() == e);
  }
}

TEST_CASE("random: fill_normals is N(0, 1) (KS, moments, pair correlation)") {
  const pmm::Index dim = 5, paths = 20001;  // odd path count: the last path uses only the cos half of its block
  pmm::Batch z(dim, paths);
  pmm::fill_normals(2024, pmm::Stream::kNormal, 3, 0, z);
  std::vector<double> all(z.data(), z.data() + z.size());
  const auto ks = pmm_test::ks_test(all, pmm_test::normal_cdf);
  INFO("KS D = " << ks.statistic << " p = " << ks.p_value);
  CHECK(ks.p_value > pmm_test::kMinP);
  const double n = static_cast<double>(all.size());
  CHECK(pmm_test::z_p_value(pmm_test::mean(all) * std::sqrt(n)) > pmm_test::kMinP);
  CHECK(pmm_test::variance_p_value(pmm_test::variance(all), 1.0, static_cast<std::int64_t>(n)) > pmm_test::kMinP);
  for (pmm::Index d = 0; d < dim; ++d) {
    std::vector<double> row(paths);
    for (pmm::Index j = 0; j < paths; ++j) row[j] = z(d, j);
    INFO("coordinate " << d);
    CHECK(pmm_test::ks_test(row, pmm_test::normal_cdf).p_value > pmm_test::kMinP);
  }
  // The cos and sin halves of one Box-Muller pair (paths 2k and 2k + 1) are uncorrelated, and so are two
  // coordinates of one path: sqrt(n) r ~ N(0, 1) for each.
  for (pmm::Index d = 0; d < dim; ++d) {
    double r = 0;
    const pmm::Index pairs = paths / 2;
    for (pmm::Index k = 0; k < pairs; ++k) r += z(d, 2 * k) * z(d, 2 * k + 1);
    r /= pairs;
    INFO("pair correlation, coordinate " << d);
    CHECK(pmm_test::z_p_value(r * std::sqrt(static_cast<double>(pairs))) > pmm_test::kMinP);
  }
  double r = 0;
  for (pmm::Index j = 0; j < paths; ++j) r += z(0, j) * z(1, j);
  r /= paths;
  CHECK(pmm_test::z_p_value(r * std::sqrt(static_cast<double>(paths))) > pmm_test::kMinP);
}

TEST_CASE("random: fill_normals is Box-Muller of Random123 Philox on the documented counter") {
  // The SIMD Philox rounds and the vectorised uniform conversion against the scalar reference: counter
  // (path / 2, step, coordinate, stream << 24), cos half to the even path, sin half to the odd one. Tolerance
  // 1e-13 absolute: libmvec's log/sin/cos differ from libm by a few ulps (|z| < 9).
  // dim 1 also takes the whole-block path (normals_block_paths: interleaved in SIMD registers); path0 4001: odd start
  // and odd count, both partial pairs; 4000: even start. Every SIMD variant runs these (ctest random_simd_*).
  const std::uint64_t seed = 0x123456789abcdefull;
  const std::uint32_t step = 41;
  const pmm::Index paths = 301;
  double worst = 0;
  for (const pmm::Index dim : {1, 3})
  for (const pmm::Index path0 : {4001, 4000}) {
  pmm::Batch z(dim, paths);
  pmm::fill_normals(seed, pmm::Stream::kNormal, step, path0, z);
  for (pmm::Index j = 0; j < paths; ++j)
    for (pmm::Index d = 0; d < dim; ++d) {
      const std::uint64_t path = static_cast<std::uint64_t>(path0 + j);
      const auto ctr = pmm::philox_counter(path / 2, step, static_cast<std::uint32_t>(d), pmm::Stream::kNormal, 0);
      const auto r = pmm::Philox()(ctr, pmm::philox_key(seed));
      const double rad = std::sqrt(-2.0 * std::log(pmm::uniform_open(r[0], r[1])));
      const double ang = 2.0 * M_PI * pmm::uniform_open(r[2], r[3]);
      const double ref = path % 2 == 0 ? rad * std::cos(ang) : rad * std::sin(ang);
      worst = std::max(worst, std::abs(z(d, j) - ref));
    }
  }
  INFO("largest |SIMD - scalar| = " << worst << " (SIMD variant " << pmm::simd_variant_name(pmm::simd_variant()) << ")");
  CHECK(worst < 1e-13);
}

TEST_CASE("random: philox_normal_pairs is Box-Muller of Random123 Philox, word 2 counting up") {
  const std::uint64_t seed = 31337;
  const pmm::Index pairs = 21;  // two full SIMD blocks of 8 and a tail of 5
  std::vector<double> z(2 * pairs);
  pmm::philox_normal_pairs(seed, 12345u, 678u, 3u, 0x22000000u, pairs, z.data());
  double worst = 0;
  for (pmm::Index i = 0; i < pairs; ++i) {
    const pmm::Philox::ctr_type ctr{{12345u, 678u, 3u + static_cast<std::uint32_t>(i), 0x22000000u}};
    const auto r = pmm::Philox()(ctr, pmm::philox_key(seed));
    const double rad = std::sqrt(-2.0 * std::log(pmm::uniform_open(r[0], r[1])));
    const double ang = 2.0 * M_PI * pmm::uniform_open(r[2], r[3]);
    worst = std::max({worst, std::abs(z[2 * i] - rad * std::cos(ang)), std::abs(z[2 * i + 1] - rad * std::sin(ang))});
  }
  INFO("largest |SIMD - scalar| = " << worst);
  CHECK(worst < 1e-13);
}

TEST_CASE("random: PhiloxNoise::poisson_counts gives bitwise the per-draw poisson() counts") {
  // SIMD first uniforms + the same stream from block 1 on: equal to the scalar path for small means (inversion),
  // large ones (PTRS, which may reject and read more blocks) and zero, at an odd start and a non-multiple of 64.
  const pmm::PhiloxNoise noise(99);
  const pmm::StepInfo s{7, 20, 0.3, 0.35};
  const pmm::Index dim = 3, n = 203, path0 = 1001;
  pmm::Batch means(dim, n), counts;
  for (pmm::Index j = 0; j < n; ++j) {
    means(0, j) = 0.01 * static_cast<double>(j);   // 0 .. 2: inversion
    means(1, j) = 5.0 + 0.5 * static_cast<double>(j);  // 5 .. 106: both branches
    means(2, j) = j % 5 == 0 ? 0.0 : 1e4;            // zero and PTRS far out
  }
  noise.poisson_counts(s, path0, means, counts);
  REQUIRE(counts.rows() == dim);
  REQUIRE(counts.cols() == n);
  int differ = 0;
  for (pmm::Index j = 0; j < n; ++j)
    for (pmm::Index d = 0; d < dim; ++d) differ += counts(d, j) != noise.poisson(s, path0 + j, d, means(d, j));
  CHECK(differ == 0);
  // The base-class loop (used by the shared-noise trees) agrees with it too.
  pmm::Batch via_base;
  noise.pmm::NoiseSource::poisson_counts(s, path0, means, via_base);
  CHECK((via_base == counts).all());
}

TEST_CASE("random: fill_normals depends only on (seed, stream, path, step, coordinate)") {
  const pmm::Index dim = 3, paths = 100;
  pmm::Batch whole(dim, paths);
  pmm::fill_normals(77, pmm::Stream::kNormal, 12, 0, whole);
  // Pieces of 7 paths, filled in reverse order: bitwise equal.
  pmm::Batch pieces(dim, paths);
  for (pmm::Index p0 = (paths - 1) / 7 * 7; p0 >= 0; p0 -= 7) {
    const pmm::Index n = std::min<pmm::Index>(7, paths - p0);
    pmm::Batch part(dim, n);
    pmm::fill_normals(77, pmm::Stream::kNormal, 12, p0, part);
    pieces.middleCols(p0, n) = part;
  }
  CHECK((whole == pieces).all());
  // One coordinate (whole SIMD blocks written in path order) in pieces of 129 paths from path 3: bitwise the same.
  pmm::Batch row(1, 1000), row_pieces(1, 1000);
  pmm::fill_normals(77, pmm::Stream::kNormal, 12, 3, row);
  for (pmm::Index p0 = 0; p0 < 1000; p0 += 129) {
    const pmm::Index n = std::min<pmm::Index>(129, 1000 - p0);
    pmm::Batch part(1, n);
    pmm::fill_normals(77, pmm::Stream::kNormal, 12, 3 + p0, part);
    row_pieces.middleCols(p0, n) = part;
  }
  CHECK((row == row_pieces).all());
  CHECK((row.leftCols(97) == whole.row(0).middleCols(3, 97)).all());
  // Coordinate d does not depend on how many coordinates are filled.
  pmm::Batch wide(6, paths);
  pmm::fill_normals(77, pmm::Stream::kNormal, 12, 0, wide);
  CHECK((wide.topRows(dim) == whole).all());
  // Any change of seed, step or stream changes the draws.
  for (auto [seed, step, stream] : {std::tuple{78ull, 12u, pmm::Stream::kNormal}, std::tuple{77ull, 13u, pmm::Stream::kNormal},
                                    std::tuple{77ull, 12u, pmm::Stream::kUser}}) {
    pmm::Batch other(dim, paths);
    pmm::fill_normals(seed, stream, step, 0, other);
    CHECK((other != whole).all());
  }
  // PhiloxNoise hands out the kNormal stream at the step index, and Poisson counts keyed on the global path.
  const pmm::PhiloxNoise noise(77);
  pmm::Batch via(dim, 10);
  noise.normals(pmm::StepInfo{12, 40, 0.1, 0.2}, 50, via);
  CHECK((via == whole.middleCols(50, 10)).all());
  const pmm::StepInfo s{4, 10, 0.4, 0.5};
  CHECK(noise.poisson(s, 17, 1, 30.0) == noise.poisson(s, 17, 1, 30.0));
  pmm::UniformStream u(77, 17, 4, pmm::Stream::kPoisson, 1);
  CHECK(noise.poisson(s, 17, 1, 30.0) == pmm::poisson_draw(u, 30.0));
}

TEST_CASE("random: Poisson draws follow the pmf for means 0.3 .. 1e4 (inversion and PTRS branches)") {
  const int n = 20000;
  for (double lambda : {0.3, 5.0, 11.9, 12.1, 50.0, 1e4}) {
    std::vector<double> draws(n);
    for (int i = 0; i < n; ++i) {
      pmm::UniformStream u(31, static_cast<std::uint64_t>(i), 0, pmm::Stream::kPoisson, 0);
      draws[i] = pmm::poisson_draw(u, lambda);
    }
    INFO("lambda = " << lambda);
    bool integers = true;
    for (double k : draws) integers = integers && k >= 0 && k == std::floor(k);
    CHECK(integers);
    // Mean: z-test with se sqrt(lambda / n). Variance: se of the sample variance sqrt((mu4 - s^4) / n)
    // with mu4 = lambda + 3 lambda^2 for the Poisson law.
    const double z_mean = (pmm_test::mean(draws) - lambda) / std::sqrt(lambda / n);
    const double z_var = (pmm_test::variance(draws) - lambda) / std::sqrt((lambda + 2 * lambda * lambda) / n);
    CHECK(pmm_test::z_p_value(z_mean) > pmm_test::kMinP);
    CHECK(pmm_test::z_p_value(z_var) > pmm_test::kMinP);
    // Chi-square against the pmf on k = 0 .. kmax, the upper tail folded into the last bin.
    const boost::math::poisson_distribution<> law(lambda);
    const int kmax = static_cast<int>(lambda + 8 * std::sqrt(lambda) + 10);
    std::vector<double> observed(kmax + 1, 0.0), probs(kmax + 1);
    for (double k : draws) observed[std::min(static_cast<int>(k), kmax)] += 1;
    for (int k = 0; k < kmax; ++k) probs[k] = boost::math::pdf(law, k);
    probs[kmax] = boost::math::cdf(boost::math::complement(law, kmax - 1));
    const auto gof = pmm_test::chi_square_gof(observed, probs);
    INFO("chi-square " << gof.statistic << " df " << gof.df << " p " << gof.p_value);
    CHECK(gof.df >= 1);
    CHECK(gof.p_value > pmm_test::kMinP);
  }
  pmm::UniformStream u(1, 0, 0, pmm::Stream::kPoisson, 0);
  CHECK(pmm::poisson_draw(u, 0.0) == 0.0);
  CHECK(pmm::poisson_draw(u, -1.0) == 0.0);
}

TEST_CASE("random: Gamma draws follow the Gamma CDF (KS) for shapes 0.3, 1, 4.5") {
  const int n = 20000;
  for (double shape : {0.3, 1.0, 4.5}) {
    const std::vector<double> draws = gamma_draws_of_paths(41, 0, 0, shape, n);
    const boost::math::gamma_distribution<> law(shape, 1.0);
    const auto ks = pmm_test::ks_test(draws, [&](double x) { return x <= 0 ? 0.0 : boost::math::cdf(law, x); });
    INFO("shape " << shape << " KS D = " << ks.statistic << " p = " << ks.p_value);
    CHECK(ks.p_value > pmm_test::kMinP);
    CHECK(pmm_test::z_p_value((pmm_test::mean(draws) - shape) / std::sqrt(shape / n)) > pmm_test::kMinP);
  }
  // normal_draw (Box-Muller on a UniformStream) is N(0, 1) too.
  std::vector<double> z(n);
  for (int i = 0; i < n; ++i) {
    pmm::UniformStream u(43, static_cast<std::uint64_t>(i), 0, pmm::Stream::kUser, 0);
    z[i] = pmm::normal_draw(u);
  }
  CHECK(pmm_test::ks_test(z, pmm_test::normal_cdf).p_value > pmm_test::kMinP);
}

TEST_CASE("random: simd_variant is the CPU's best unless PMM_SIMD names a narrower one") {
  const char* want = std::getenv("PMM_SIMD");
  const pmm::SimdVariant v = pmm::simd_variant();
  CHECK(pmm::simd_variant() == v);  // chosen once
  __builtin_cpu_init();
  const bool has512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq"),
             has2 = __builtin_cpu_supports("avx2");
  const pmm::SimdVariant best =
      has512 ? pmm::SimdVariant::kAvx512 : (has2 ? pmm::SimdVariant::kAvx2 : pmm::SimdVariant::kBaseline);
  if (want == nullptr || std::string(want).empty()) {
    CHECK(v == best);
  } else if (std::string(want) == "avx2") {
    CHECK(v == std::min(best, pmm::SimdVariant::kAvx2));
  } else if (std::string(want) == "baseline") {
    CHECK(v == pmm::SimdVariant::kBaseline);
  }
  CHECK(std::string(pmm::simd_variant_name(v)) != "");
}

TEST_CASE("random: philox_high is the vendor's choice unless PMM_PHILOX_HIGH names one") {
  const char* want = std::getenv("PMM_PHILOX_HIGH");
  const pmm::PhiloxHigh h = pmm::philox_high();
  CHECK(pmm::philox_high() == h);  // chosen once
  __builtin_cpu_init();
  const pmm::PhiloxHigh vendor = __builtin_cpu_is("intel") ? pmm::PhiloxHigh::kShuffle : pmm::PhiloxHigh::kShift;
  const std::string w = want == nullptr ? "" : want;
  if (w == "shift") CHECK(h == pmm::PhiloxHigh::kShift);
  else if (w == "shuffle") CHECK(h == pmm::PhiloxHigh::kShuffle);
  else CHECK(h == vendor);
  CHECK(std::string(pmm::philox_high_name(h)) == (h == pmm::PhiloxHigh::kShuffle ? "shuffle" : "shift"));
}

namespace {

// Per-lane scalar reference of poisson_lanes / gamma_lanes: the stream (seed; path0 + j, step, stream, coord).
double scalar_poisson(std::uint64_t seed, std::uint32_t path, std::uint32_t step, std::uint32_t coord, double mean) {
  pmm::UniformStream u(seed, path, step, pmm::Stream::kPoisson, coord);
  return pmm::poisson_draw(u, mean);
}
double scalar_gamma(std::uint64_t seed, std::uint32_t path, std::uint32_t step, std::uint32_t coord, double shape) {
  pmm::UniformStream u(seed, path, step, pmm::Stream::kGamma, coord);
  return pmm::gamma_draw(u, shape);
}
// How far a gamma_lanes value may be from gamma_draw's, relative: libmvec's log (in the AS 241 tail and of GS's P)
// may differ from libm's by an ulp, and GS's x = exp(log P / shape + log t) turns an absolute difference in log P
// into 1/shape times as much relative difference in x (|log P| is below 1 in 63% of the trials).
double gamma_tolerance(double shape) { return 1e-12 + 2e-15 / shape; }

// Uniforms on (0, 1) from a 64-bit LCG (Knuth's MMIX constants), for arguments of the SIMD functions' accuracy tests.
struct LcgUniform {
  std::uint64_t state;
  double operator()() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (static_cast<double>(state >> 11) + 0.5) * 0x1p-53;
  }
};

}  // namespace

TEST_CASE("random: exp_lanes is e^x within 0.55 ulp on AVX-512 (libmvec's 4 elsewhere) over [-708, 709]") {
  // Against expl in long double, in ulps of the double nearest e^x: uniform arguments on [-708, 0] and on the
  // samplers' ranges ([-12, 0]: e^-mean; near 0), every table index j (x = n ln2/16 and its neighbours, n = -40..40)
  // and the edges; n = 8 k + 5 values, so the partial last vector runs too.
  const bool avx512 = pmm::simd_variant() == pmm::SimdVariant::kAvx512;
  std::vector<double> x;
  LcgUniform uniform{5};
  for (int i = 0; i < 100000; ++i) {
    x.push_back(-708.0 * uniform());
    x.push_back(-12.0 * uniform());
    x.push_back(-1e-3 * uniform());
    x.push_back(709.0 * uniform());
  }
  for (int n = -40; n <= 40; ++n) {
    const double c = n * 0.043321698784996581;  // ln2/16
    for (double d : {-1e-9, -1e-17, 0.0, 1e-17, 1e-9, 0.0216, -0.0216}) x.push_back(c + d);
  }
  for (double e : {0.0, -0.0, -5e-324, -1e-300, -1e-17, -708.0, 709.0, -0.5, -1.0, -12.0}) x.push_back(e);
  while (x.size() % 8 != 5) x.push_back(-3.0);
  std::vector<double> y(x.size());
  pmm::exp_lanes(x.data(), static_cast<pmm::Index>(x.size()), y.data());
  double worst = 0;
  long differ_libm = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const long double e = std::exp(static_cast<long double>(x[i]));
    const double near = static_cast<double>(e), ulp = std::nextafter(near, 1e308) - near;
    const double err = static_cast<double>(std::fabs((static_cast<long double>(y[i]) - e) / ulp));
    if (!(err <= worst)) INFO("x " << x[i] << ": " << y[i] << " against " << static_cast<double>(e));
    worst = std::max(worst, err);
    differ_libm += y[i] != std::exp(x[i]);
  }
  INFO("largest error " << worst << " ulp; differs from libm's exp at " << differ_libm << " of " << x.size()
                        << " (SIMD variant " << std::string(pmm::simd_variant_name(pmm::simd_variant())) << ")");
  CHECK(worst < (avx512 ? 0.55 : 4.0));
  if (avx512) CHECK(differ_libm < static_cast<long>(x.size() / 100));  // libmvec's exp: ~44% of them
  double zero = 0.0, one = 0.0;
  pmm::exp_lanes(&zero, 1, &one);
  CHECK(one == 1.0);
  if (avx512) {  // below the domain, and NaN: e^-708
    const double out_of_range[3] = {-1000.0, -std::numeric_limits<double>::infinity(), std::nan("")};
    double r[3];
    pmm::exp_lanes(out_of_range, 3, r);
    for (double v : r) CHECK(v == std::exp(-708.0));
  }
}

TEST_CASE("random: log_lanes is log x within 2 ulps on AVX-512 (libmvec's 4 elsewhere), 1e-17 absolute near 1") {
  // Against logl in long double: uniform arguments on (0, 1] (GS's P and b (1 - u) / (b - 1)), [1, 64] (the exact
  // test's y), near 1 on both sides, every table interval's edges, powers of 2, tiny and huge values and subnormals;
  // n = 8 k + 3 values, so the partial last vector runs too. The error in ulps of the double nearest log x where
  // |log x| >= 0.05, absolutely below (what GS's P^{1/shape} and x = t - log(...) carry). Measured: 1.47 ulps and
  // 7.8e-18 on AVX-512 (log_avx512), 1.41 ulps and 6.8e-18 with libmvec.
  const bool avx512 = pmm::simd_variant() == pmm::SimdVariant::kAvx512;
  std::vector<double> x;
  LcgUniform uniform{9};
  for (int i = 0; i < 100000; ++i) {
    x.push_back(uniform());
    x.push_back(1.0 + 63.0 * uniform());
    x.push_back(1.0 + 1e-3 * (uniform() - 0.5));
    x.push_back(std::ldexp(uniform() + 0.5, static_cast<int>(uniform() * 2000) - 1000));
  }
  for (int i = 0; i <= 32; ++i) {
    const double c = 0.75 + i / 128.0;  // 0.75 to 1 in steps of 1/128 (the 1/32 intervals' edges among them)
    for (double d : {-1e-15, 0.0, 1e-15}) x.push_back(c + d);
  }
  for (int i = 0; i <= 8; ++i)
    for (double d : {-1e-15, 0.0, 1e-15}) x.push_back(1.0 + i / 16.0 + d);
  for (int e = -1074; e <= 1023; e += 7) x.push_back(std::ldexp(1.0, e));
  for (double v : {1.0, std::nextafter(1.0, 0.0), std::nextafter(1.0, 2.0), 0x1.0p-1074, 3e-310, 1e-300, 0x1.0p-54,
                   0.5, 2.0, 1.5, 0.75, std::nextafter(1.5, 0.0), std::nextafter(0.75, 0.0), 1e300, 1.7e308})
    x.push_back(v);
  while (x.size() % 8 != 3) x.push_back(0.3);
  std::vector<double> y(x.size());
  pmm::log_lanes(x.data(), static_cast<pmm::Index>(x.size()), y.data());
  double worst = 0, worst_abs = 0;
  long differ_libm = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const long double e = std::log(static_cast<long double>(x[i]));
    const double near = static_cast<double>(e), ulp = std::nextafter(std::fabs(near), 1e308) - std::fabs(near);
    const double err = static_cast<double>(std::fabs((static_cast<long double>(y[i]) - e) / ulp));
    if (!(err <= worst)) INFO("x " << x[i] << ": " << y[i] << " against " << near);
    if (std::fabs(near) >= 0.05) worst = std::max(worst, err);
    else worst_abs = std::max(worst_abs, static_cast<double>(std::fabs(static_cast<long double>(y[i]) - e)));
    differ_libm += y[i] != std::log(x[i]);
  }
  INFO("largest error " << worst << " ulp, " << worst_abs << " absolute near 1; differs from libm's log at "
                        << differ_libm << " of " << x.size() << " (SIMD variant "
                        << std::string(pmm::simd_variant_name(pmm::simd_variant())) << ")");
  CHECK(worst < (avx512 ? 2.0 : 4.0));
  CHECK(worst_abs < 1e-17);
}

TEST_CASE("random: poisson_lanes (SIMD) gives poisson_draw's counts: both branches, every edge, mixed blocks") {
  // Means at every switch of the sampler: 0, tiny, inversion up to just below 12, PTRS from 12 on, k around the end
  // of the lgamma table (1024) and far past it; mixed within each SIMD block of 64 (and each search group of 8).
  const std::vector<double> levels = {0.0,   1e-300, 1e-12, 1e-6,     0.01,  0.5,     1.0,        3.7,
                                      9.99,  11.99,  std::nextafter(12.0, 0.0), 12.0, 12.000001, 13.5, 30.0,
                                      99.5,  230.0,  1000.0, 1023.5, 1100.0, 1e4,     1e6};
  int compared = 0, differ = 0, ptrs = 0;
  for (std::uint64_t seed : {1ull, 0xDEADBEEFCAFEull}) {
    for (const auto& [path0, n, stride] : {std::tuple{0u, 203, 1}, std::tuple{1001u, 65, 3}, std::tuple{63u, 7, 1},
                                           std::tuple{4294967200u, 130, 2}, std::tuple{5u, 1, 1}}) {
      for (std::uint32_t step : {0u, 17u, 5u | pmm::kHalfStepFlag}) {
        const std::uint32_t coord = step % 3;
        std::vector<double> means(static_cast<size_t>(n * stride), -7.0), out(means.size(), -7.0);
        for (int j = 0; j < n; ++j)
          means[static_cast<size_t>(j * stride)] = levels[static_cast<size_t>((j * 7 + step) % levels.size())];
        pmm::poisson_lanes(seed, path0, step, coord, n, means.data(), stride, out.data());
        for (int j = 0; j < n; ++j) {
          const double m = means[static_cast<size_t>(j * stride)];
          const double want = scalar_poisson(seed, path0 + static_cast<std::uint32_t>(j), step, coord, m);
          const double got = out[static_cast<size_t>(j * stride)];
          if (got != want) INFO("mean " << m << " path " << path0 + j << ": SIMD " << got << " scalar " << want);
          differ += got != want;
          ++compared;
          ptrs += m >= 12;
        }
        // Elements between the strided ones are left alone.
        bool untouched = true;
        for (size_t i = 0; i < out.size(); ++i) untouched = untouched && (i % static_cast<size_t>(stride) == 0 || out[i] == -7.0);
        CHECK(untouched);
      }
    }
  }
  CHECK(compared > 2000);
  CHECK(ptrs > 800);
  CHECK(differ == 0);
  // A lone mean of 0 or below, and a chunk of zero paths.
  double zero = 0.0, neg = -2.0, out = 5.0;
  pmm::poisson_lanes(3, 9, 1, 0, 1, &zero, 1, &out);
  CHECK(out == 0.0);
  pmm::poisson_lanes(3, 9, 1, 0, 1, &neg, 1, &out);
  CHECK(out == 0.0);
  out = 5.0;
  pmm::poisson_lanes(3, 9, 1, 0, 0, &zero, 1, &out);
  CHECK(out == 5.0);
}

TEST_CASE("random: poisson_lanes gives poisson_draw's counts for any number of PTRS lanes in a block") {
  // From one PTRS lane to all 64 (counts on both sides of the 8-lane vectors), at scattered places among inversion
  // lanes of means up to 12: the inversion search and the PTRS trial share every block.
  int compared = 0, differ = 0;
  for (const int c : {1, 7, 8, 9, 31, 47, 48, 49, 56, 63, 64}) {
    std::vector<double> means(64), out(64, -7.0);
    for (int j = 0; j < 64; ++j) means[static_cast<size_t>(j)] = 0.3 + 11.6 * ((j * 37) % 64) / 64.0;  // inversion
    for (int i = 0; i < c; ++i) means[static_cast<size_t>((i * 29 + 5) % 64)] = 12.0 + 3.7 * i;    // PTRS
    for (std::uint32_t step : {3u, 40u}) {
      pmm::poisson_lanes(11, 640, step, 1, 64, means.data(), 1, out.data());
      for (int j = 0; j < 64; ++j) {
        const double m = means[static_cast<size_t>(j)];
        const double want = scalar_poisson(11, 640 + static_cast<std::uint32_t>(j), step, 1, m);
        differ += out[static_cast<size_t>(j)] != want;
        ++compared;
      }
    }
  }
  CHECK(compared == 11 * 2 * 64);
  CHECK(differ == 0);
}

TEST_CASE("random: poisson_lanes' inversion search gives poisson_draw's counts (200,000 lanes, means in (0, 12))") {
  // The search (an AVX-512 kernel where the CPU has it, else the generic loop: tests/CMakeLists.txt runs this under
  // PMM_SIMD=avx2 and baseline as well) on lanes whose means spread over the whole inversion range, so that groups
  // stop after very different numbers of steps, with the edges mixed in: tiny means (p underflows at once), means
  // next to 12, zeros and PTRS lanes.
  const int n = 200000;
  std::vector<double> means(static_cast<size_t>(n)), out(means.size(), -7.0);
  std::uint64_t x = 88172645463325252ull;  // xorshift64: means independent of the Philox streams under test
  for (int j = 0; j < n; ++j) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const double r = static_cast<double>(x >> 11) * 0x1p-53;
    means[static_cast<size_t>(j)] = j % 101 == 0 ? 0.0 : j % 103 == 0 ? 1e-300 : j % 107 == 0 ? 25.0 : 12.0 * r;
  }
  means[5] = std::nextafter(12.0, 0.0);
  pmm::poisson_lanes(21, 0, 3, 1, n, means.data(), 1, out.data());
  int differ = 0;
  double largest = 0;
  for (int j = 0; j < n; ++j) {
    const double want = scalar_poisson(21, static_cast<std::uint32_t>(j), 3, 1, means[static_cast<size_t>(j)]);
    const double got = out[static_cast<size_t>(j)];
    if (got != want && differ < 5) INFO("mean " << means[static_cast<size_t>(j)] << " path " << j << ": SIMD " << got << " scalar " << want);
    differ += got != want;
    if (means[static_cast<size_t>(j)] < 12) largest = std::max(largest, want);
  }
  INFO("largest inversion count " << largest << "; SIMD variant " << std::string(pmm::simd_variant_name(pmm::simd_variant())));
  CHECK(differ == 0);
  CHECK(largest >= 25);  // the search ran far past most lanes' stop
}

namespace {

// Which PTRS trial accepts the draw of this stream (1, 2, ... ; 0 past the lgamma table's end or for 20 trials):
// the scalar trials of poisson_ptrs() spelled out, so that the test below knows which lanes took which way.
int ptrs_trials(std::uint64_t seed, std::uint32_t path, std::uint32_t step, std::uint32_t coord, double mean) {
  pmm::UniformStream u(seed, path, step, pmm::Stream::kPoisson, coord);
  const pmm::PtrsParams c = pmm::ptrs_params(std::sqrt(mean));
  for (int trial = 1; trial <= 20; ++trial) {
    const double U = u.next() - 0.5, V = u.next();
    const double us = pmm::ptrs_us(U), k = pmm::ptrs_k(c, mean, U, us);
    if (pmm::ptrs_squeeze(c, us, V)) return trial;
    if (pmm::ptrs_refuse(k, us, V)) continue;
    if (k >= 1024) return 0;
    if (pmm::ptrs_log_accept(std::log(V), std::log(c.invalpha), std::log(pmm::ptrs_hat(c, us)), mean, k,
                             std::log(mean), std::lgamma(k + 1)))
      return trial;
  }
  return 0;
}

}  // namespace

TEST_CASE("random: poisson_lanes' second and third PTRS trials (lanes gathered across blocks) give poisson_draw's counts") {
  // Thousands of PTRS lanes, strided and from an odd first path, among inversion lanes: the lanes refused by their
  // first trial queue up across blocks (more than 64 at a time) for the gathered second trial, those refused there
  // for the gathered third (full batches of 64 and the call's last few), and what that refuses for gathered trials
  // on blocks 3, 4, ...
  const int n = 12001, stride = 2;
  const std::uint32_t path0 = 777, step = 12, coord = 4;
  std::vector<double> means(static_cast<size_t>(n * stride), -7.0), out(means.size(), -7.0);
  for (int j = 0; j < n; ++j) means[static_cast<size_t>(j * stride)] = j % 5 == 0 ? 3.5 : 12.0 + 0.37 * (j % 700);
  pmm::poisson_lanes(9, path0, step, coord, n, means.data(), stride, out.data());
  int differ = 0, second = 0, third = 0, later = 0;
  for (int j = 0; j < n; ++j) {
    const double m = means[static_cast<size_t>(j * stride)];
    const std::uint32_t path = path0 + static_cast<std::uint32_t>(j);
    const double want = scalar_poisson(9, path, step, coord, m), got = out[static_cast<size_t>(j * stride)];
    if (got != want) INFO("mean " << m << " path " << path << ": SIMD " << got << " scalar " << want);
    differ += got != want;
    if (m >= 12) {
      const int trial = ptrs_trials(9, path, step, coord, m);
      second += trial == 2;
      third += trial == 3;
      later += trial > 3;
    }
  }
  INFO(second << " lanes accepted at the second trial, " << third << " at the third, " << later << " later");
  CHECK(second > 1000);  // many full gathered blocks of 64
  CHECK(third > 2 * 64);
  CHECK(later > 20);
  CHECK(differ == 0);
  for (size_t i = 1; i < out.size(); i += stride) CHECK(out[i] == -7.0);
}

namespace {
// Which trial of gamma_draw accepts, counted from its first block (0: none of the first 50), and whether the exact
// test decided it (Marsaglia-Tsang: past the squeeze and its bounds; GS: past its bounds).
std::pair<int, bool> gamma_attempts(std::uint64_t seed, std::uint32_t path, std::uint32_t step, std::uint32_t coord,
                                    double shape) {
  pmm::UniformStream u(seed, path, step, pmm::Stream::kGamma, coord);
  const pmm::GammaMtParams mt = pmm::gamma_mt_params(shape);
  const pmm::GammaGsParams gs = pmm::gamma_gs_params(shape);
  for (int attempt = 1; attempt <= 50; ++attempt) {
    const double u1 = u.next(), w = u.next();
    double g = 0;
    if (shape < 1.0) {
      if (!pmm::gamma_gs_trial(gs, u1, w, g)) continue;
      const bool low = pmm::gamma_gs_low(gs, u1);
      const double y = g * gs.inv_t;
      return {attempt, low ? !pmm::gamma_gs_low_accepted(g, w) : !pmm::gamma_gs_high_accepted(gs.a, y, w)};
    }
    if (!pmm::gamma_mt_trial(mt, u1, w, g)) continue;
    const double x = pmm::normal_quantile(u1), v = 1.0 + mt.c * x;
    return {attempt, !(w < pmm::gamma_mt_squeeze(x)) && !pmm::gamma_mt_surely_accepted(mt, x, v, w)};
  }
  return {0, false};
}
}  // namespace

TEST_CASE("random: gamma_lanes' second trial (lanes gathered across blocks) gives gamma_draw's values") {
  // 160,001 strided lanes from an odd first path, shapes below and above 1 (and 0): the lanes refused by their first
  // trial queue up across blocks for the gathered trial on block 1; those it refuses queue for block 2 (full batches
  // of 64, then the call's last few), and what block 2 refuses for gathered trials on blocks 3, 4, ...
  const int n = 160001, stride = 2;
  const std::uint32_t path0 = 555, step = 7, coord = 3;
  const std::vector<double> levels = {0.3, 1.0, 0.02, 2.5, 0.7, 0.0, 1e-4, 1e-3};
  std::vector<double> shapes(static_cast<size_t>(n * stride), -7.0), out(shapes.size(), -7.0);
  for (int j = 0; j < n; ++j) shapes[static_cast<size_t>(j * stride)] = levels[static_cast<size_t>(j % 8)];
  pmm::gamma_lanes(13, path0, step, coord, n, shapes.data(), stride, out.data());
  int first_exp = 0, second = 0, second_exp = 0, third = 0, later = 0, never = 0, beyond = 0;
  double worst = 0;
  for (int j = 0; j < n; ++j) {
    const double s = shapes[static_cast<size_t>(j * stride)];
    const std::uint32_t path = path0 + static_cast<std::uint32_t>(j);
    const double want = scalar_gamma(13, path, step, coord, s), got = out[static_cast<size_t>(j * stride)];
    const double rel = want == 0 ? std::abs(got) : std::abs(got - want) / want;
    beyond += !(rel < gamma_tolerance(s));
    worst = std::max(worst, rel / gamma_tolerance(s));
    if (s > 0) {
      const auto [attempts, by_exp] = gamma_attempts(13, path, step, coord, s);
      first_exp += attempts == 1 && by_exp;
      second += attempts == 2;
      second_exp += attempts == 2 && by_exp;
      third += attempts == 3;
      later += attempts > 3;
      never += attempts == 0;
    }
  }
  INFO(first_exp << " lanes accepted by the first trial's exp test; " << second << " at the second trial ("
                 << second_exp << " by its exp test), " << third << " at the third, " << later << " later; "
                 << "largest |SIMD - scalar| / tolerance " << worst << " ("
                 << beyond << " lanes above 1)");
  CHECK(first_exp > 300);  // the exact tests in SIMD
  CHECK(second > 300);     // several full gathered blocks of 64
  CHECK(second_exp > 5);
  CHECK(third + later > 100);  // refused twice: gathered blocks on block 2, then the last ones
  CHECK(later > 2);
  CHECK(never == 0);
  CHECK(beyond * 20000 < n);  // the exp test's amplified ulps (gamma_tolerance): rare, and never far
  CHECK(worst < 10);
  for (size_t i = 1; i < out.size(); i += stride) CHECK(out[i] == -7.0);
}

TEST_CASE("random: normal_quantile (AS 241) inverts the normal CDF to ~1e-16 over every uniform uniform_open gives") {
  // Phi(x) = erfc(-x / sqrt 2) / 2 (libm, relative error ~1e-16 in both tails): the implied error in x,
  // (Phi(Q(p)) - p) / phi(Q(p)), against Q's own scale, on the central rational, both tail rationals (r <= 5 and
  // min(p, 1 - p) < e^-25) and the uniforms' extremes 2^-54 and 1 - 2^-53.
  std::vector<double> ps = {0x1.0p-54, 1e-16, 1e-13, 1.3887e-11, 1.3889e-11, 1e-8,
                            1e-3, 0.01, 0.074999, 0.075, 0.075001, 0.3, 0.5, 0.6, 0.925, 0.925001, 0.99, 1 - 1e-9,
                            1 - 0x1.0p-53};
  for (int i = 1; i < 2000; ++i) ps.push_back(i / 2000.0);
  for (int e = 1; e <= 54; ++e) ps.push_back(std::ldexp(0.7, -e));
  double worst = 0;
  for (double p : ps) {
    const double x = pmm::normal_quantile(p);
    const double phi = std::exp(-0.5 * x * x) / std::sqrt(2 * M_PI);
    const double cdf = 0.5 * std::erfc(-x / std::sqrt(2.0));
    // Relative to the smaller tail area: the lower tail through Phi, the upper through 1 - Phi = erfc(x / sqrt 2) / 2.
    const double err = p < 0.5 ? (cdf - p) / phi : ((1 - p) - 0.5 * std::erfc(x / std::sqrt(2.0))) / phi;
    const double rel = std::abs(err) / std::max(1.0, std::abs(x));
    if (!(rel < 1e-14)) INFO("p " << p << " Q(p) " << x << " implied error " << err);
    worst = std::max(worst, rel);
    CHECK(rel < 1e-14);
    CHECK((p < 0.5 ? x < 0 : (p > 0.5 ? x > 0 : x == 0)));
  }
  INFO("largest implied relative error " << worst);
  CHECK(pmm::normal_quantile(0.975) == doctest::Approx(1.959963984540054).epsilon(1e-15));
  CHECK(pmm::normal_quantile(1e-10) == doctest::Approx(-6.361340902404056).epsilon(1e-14));
  for (int i = 1; i < 200; ++i) {
    const double p = i / 400.0;  // symmetry, up to the rounding of 1 - p (an ulp of 1, times dQ/dp <= 40 here)
    CHECK(std::abs(pmm::normal_quantile(1 - p) + pmm::normal_quantile(p)) <= 1e-14);
  }
}

TEST_CASE("random: GS's bounds hold and only short-cut its exact tests' decisions") {
  // Low trials: 1 - x + x^2/2 - x^3/6 <= e^{-x} <= 1 - x + x^2/2 on a grid of x in [0, 0.82]; high trials: 1 / (1 + e
  // (y - 1)) <= y^{-e} <= (y + 1) / (y + 1 + 2 e (y - 1)) on a grid of y in [1, 60] at e = 1 - a; a decision by a
  // bound is the exact test's on a grid of w; and on Philox trials the bounds leave few trials to the exact tests.
  for (double a : {1e-6, 0.001, 0.05, 0.3, 0.5, 0.7, 0.9, 0.999999}) {
    const pmm::GammaGsParams p = pmm::gamma_gs_params(a);
    long wrong = 0, decided = 0, total = 0;
    for (int i = 0; i <= 8200; ++i) {
      const double x = i * 1e-4;
      for (int k = 1; k < 200; ++k) {
        const double w = k / 200.0 + i * 1e-9;
        const bool acc = pmm::gamma_gs_low_accepted(x, w), ref = pmm::gamma_gs_low_refused(x, w);
        const bool exact = w <= std::exp(-x);
        wrong += (acc && !exact) || (ref && exact) || (acc && ref);
        decided += acc || ref;
        ++total;
      }
    }
    for (int i = 0; i <= 5900; ++i) {
      const double y = 1.0 + i * 1e-2;
      for (int k = 1; k < 200; ++k) {
        const double w = k / 200.0 + i * 1e-9;
        const bool acc = pmm::gamma_gs_high_accepted(a, y, w), ref = pmm::gamma_gs_high_refused(a, y, w);
        const bool exact = w <= std::pow(y, a - 1.0);
        wrong += (acc && !exact) || (ref && exact) || (acc && ref);
        decided += acc || ref;
        ++total;
      }
    }
    INFO("a " << a << ": " << decided << " of " << total << " grid points decided by a bound");
    CHECK(wrong == 0);
    CHECK(decided > total * 7 / 10);
    // The share of the trials that take an exact test: 0.5-4% up to a = 0.5, 8% at 0.9.
    long exact_tests = 0;
    const long n = 100000;
    for (std::uint32_t path = 0; path < n; ++path) {
      pmm::UniformStream s(23, path, 0, pmm::Stream::kUser, 0);
      const double u = s.next(), w = s.next();
      const bool low = pmm::gamma_gs_low(p, u);
      const double L = std::log(pmm::gamma_gs_log_arg(p, u));
      const double lx = pmm::gamma_gs_low_log_x(p, L);
      const double x = low ? (lx < pmm::kGammaLogZero ? 0.0 : std::exp(lx)) : pmm::gamma_gs_high_x(p, L);
      const double y = x * p.inv_t;
      exact_tests += low ? !pmm::gamma_gs_low_accepted(x, w) && !pmm::gamma_gs_low_refused(x, w)
                         : !pmm::gamma_gs_high_accepted(a, y, w) && !pmm::gamma_gs_high_refused(a, y, w);
    }
    INFO("a " << a << ": " << exact_tests << " of " << n << " trials take the exact test");
    CHECK(exact_tests < n * 10 / 100);
  }
}

TEST_CASE("random: the Marsaglia-Tsang bounds of e hold and only short-cut the exp test's decisions") {
  // 1 - b/min(1, v) <= e <= M/(M + b) (b = x^4/(108 d), M = max(1, v)^4) for e = exp(min(h, 0)) as the trial computes
  // it, on a grid of x over every normal AS 241 gives (|x| <= 8.3) with v > 0, at A from 1 to 1000; a decision by a
  // bound is the exp test's on a grid of w; and on Philox trials the bounds leave few trials to the exp test (8% of
  // them without the bounds): 3.8% at A = 1, 0.85% at A = 3, 0.12% at A = 10.
  for (double A : {1.0, 1.0001, 1.05, 1.5, 1.9, 3.0, 10.0, 23.0, 1000.0}) {
    const pmm::GammaMtParams p = pmm::gamma_mt_params(A);
    long wrong = 0, outside = 0, decided = 0;
    for (int i = -8300; i <= 8300; ++i) {
      const double x = i * 1e-3, v = 1.0 + p.c * x;
      if (!(v > 0)) continue;
      const double V = v * v * v, e = std::exp(pmm::gamma_mt_log_bound(p, x, V, std::log(V)));
      const double b = x * x * x * x * p.q, M = std::pow(std::max(1.0, v), 4.0);
      // A relative slack of 4 ulps for e's own rounding (h is a difference of terms of size d V).
      outside += 1.0 - b / std::min(1.0, v) > e * (1 + 1e-15) || M / (M + b) < e * (1 - 1e-15);
      for (int k = 1; k < 200; ++k) {
        const double w = k / 200.0 + i * 1e-9;  // a grid that moves with x
        if (w < pmm::gamma_mt_squeeze(x)) continue;
        const bool refused = pmm::gamma_mt_surely_refused(p, x, v, w);
        const bool accepted = pmm::gamma_mt_surely_accepted(p, x, v, w);
        wrong += (refused && w < e) || (accepted && !(w < e)) || (refused && accepted);
        decided += refused || accepted;
      }
    }
    INFO("A " << A << ": " << decided << " grid points past the squeeze decided by a bound");
    CHECK(outside == 0);
    CHECK(wrong == 0);
  }
  for (const auto& [A, share] : {std::pair{1.0, 0.045}, std::pair{3.0, 0.012}, std::pair{10.0, 0.002}}) {
    const pmm::GammaMtParams p = pmm::gamma_mt_params(A);
    long exp_tests = 0, past_squeeze = 0;
    const long n = 200000;
    for (std::uint32_t path = 0; path < n; ++path) {
      pmm::UniformStream s(23, path, 0, pmm::Stream::kUser, 0);
      const double x = pmm::normal_quantile(s.next()), w = s.next(), v = 1.0 + p.c * x;
      if (!(v > 0) || w < pmm::gamma_mt_squeeze(x)) continue;
      ++past_squeeze;
      exp_tests += !pmm::gamma_mt_surely_refused(p, x, v, w) && !pmm::gamma_mt_surely_accepted(p, x, v, w);
    }
    INFO("A " << A << ": " << exp_tests << " of " << n << " trials take the exp test, " << past_squeeze
              << " get past the squeeze");
    CHECK(past_squeeze > n * 7 / 100);
    CHECK(exp_tests < n * share);
  }
}

TEST_CASE("random: gamma_draw with the bounds gives the draws of the plain Marsaglia-Tsang loop (shape >= 1)") {
  // The loop without the bounds (squeeze, else the exp test), on the same stream: the same value for every path,
  // bit for bit (the bounds decide only where the exp test would decide the same).
  const auto plain = [](pmm::UniformStream& u, double shape) {
    const pmm::GammaMtParams p = pmm::gamma_mt_params(shape);
    for (;;) {
      const double x = pmm::normal_quantile(u.next()), w = u.next(), v = 1.0 + p.c * x;
      if (!(v > 0)) continue;
      const double V = v * v * v;
      if (w < pmm::gamma_mt_squeeze(x) || w < std::exp(pmm::gamma_mt_log_bound(p, x, V, std::log(V)))) return p.d * V;
    }
  };
  long differ = 0;
  for (double shape : {1.0, 1.3, 3.0, 22.9, 400.0})
    for (std::uint32_t path = 0; path < 40000; ++path) {
      pmm::UniformStream a(29, path, 3, pmm::Stream::kGamma, 1), b(29, path, 3, pmm::Stream::kGamma, 1);
      differ += pmm::gamma_draw(a, shape) != plain(b, shape);
    }
  CHECK(differ == 0);
}

TEST_CASE("random: GS (shape < 1) gives the draws of its plain loop, the exact tests alone") {
  // The loop without the bounds, on the same stream: the same value for every path, bit for bit.
  const auto plain = [](pmm::UniformStream& u, double a) {
    const pmm::GammaGsParams p = pmm::gamma_gs_params(a);
    for (;;) {
      const double v = u.next(), w = u.next();
      const bool low = pmm::gamma_gs_low(p, v);
      const double L = std::log(pmm::gamma_gs_log_arg(p, v)), lx = pmm::gamma_gs_low_log_x(p, L);
      const double x = low ? (lx < pmm::kGammaLogZero ? 0.0 : std::exp(lx)) : pmm::gamma_gs_high_x(p, L);
      if (pmm::gamma_gs_exact(p, low, x, w)) return x;
    }
  };
  long differ = 0;
  for (double shape : {1e-5, 0.002, 0.1, 0.5, 0.93, 0.9999})
    for (std::uint32_t path = 0; path < 40000; ++path) {
      pmm::UniformStream a(31, path, 3, pmm::Stream::kGamma, 1), b(31, path, 3, pmm::Stream::kGamma, 1);
      differ += pmm::gamma_draw(a, shape) != plain(b, shape);
    }
  CHECK(differ == 0);
}

TEST_CASE("random: small Gamma shapes: the law by KS and E log G = digamma(shape), 0 below e^-708 with its mass") {
  // From shape 0.05 on no draw is below e^-708 (probability e^-35): KS against the Gamma CDF and the mean of log G
  // (which tests the law far into its lower tail) against digamma(shape), scalar and SIMD.
  const int n = 200000;
  for (double shape : {0.05, 0.2, 0.7, 0.97}) {
    std::vector<double> shapes(n, shape), simd(n);
    pmm::gamma_lanes(47, 0, 3, 1, n, shapes.data(), 1, simd.data());
    std::vector<double> logs = gamma_draws_of_paths(47, 3, 1, shape, n);
    const boost::math::gamma_distribution<> law(shape, 1.0);
    const auto cdf = [&](double x) { return x <= 0 ? 0.0 : boost::math::cdf(law, x); };
    CHECK(pmm_test::ks_test(logs, cdf).p_value > pmm_test::kMinP);
    CHECK(pmm_test::ks_test(simd, cdf).p_value > pmm_test::kMinP);
    for (double& g : logs) g = std::log(g);
    const double z = (pmm_test::mean(logs) - boost::math::digamma(shape)) / std::sqrt(boost::math::trigamma(shape) / n);
    INFO("shape " << shape << " mean log G " << pmm_test::mean(logs) << " digamma " << boost::math::digamma(shape));
    CHECK(pmm_test::z_p_value(z) > pmm_test::kMinP);
  }
  // Below: the draw is 0 where it would be below e^-708, with probability P(shape, e^-708) (the regularised lower
  // incomplete gamma); the others follow the law conditioned on G > e^-708 (KS), scalar and SIMD alike.
  for (double shape : {5e-5, 4e-4, 0.001, 0.003, 0.01}) {
    const double c = std::exp(-708.0), p0 = boost::math::gamma_p(shape, c);
    std::vector<double> shapes(n, shape), simd(n);
    pmm::gamma_lanes(53, 0, 4, 2, n, shapes.data(), 1, simd.data());
    const std::vector<double> scalar = gamma_draws_of_paths(53, 4, 2, shape, n);
    std::vector<double> rest;
    long zeros = 0, mismatch = 0;
    for (int i = 0; i < n; ++i) {
      const double g = scalar[static_cast<size_t>(i)], s = simd[static_cast<size_t>(i)];
      zeros += g == 0;
      mismatch += !(g == 0 ? s == 0 : std::abs(s - g) <= gamma_tolerance(shape) * g);
      if (g > 0) rest.push_back(g);
    }
    const double z0 = (zeros - n * p0) / std::sqrt(n * p0 * (1 - p0));
    INFO("shape " << shape << ": " << zeros << " zeros (expected " << n * p0 << ")");
    CHECK(mismatch == 0);
    CHECK(pmm_test::z_p_value(z0) > pmm_test::kMinP);
    const auto conditional = [&](double x) {
      return x <= c ? 0.0 : (boost::math::gamma_p(shape, x) - p0) / (1.0 - p0);
    };
    CHECK(pmm_test::ks_test(rest, conditional).p_value > pmm_test::kMinP);
  }
}

TEST_CASE("random: gamma_lanes (SIMD) gives gamma_draw's values up to libmvec rounding, every shape branch") {
  const std::vector<double> levels = {0.0, -1.0, 1e-12, 5e-5, 0.01, 0.3, 0.999, 1.0, 1.0000001, 2.5, 4.5, 30.0, 1e6};
  int compared = 0, exact = 0;
  double worst = 0;
  for (const auto& [path0, n, stride] : {std::tuple{0u, 203, 1}, std::tuple{77u, 65, 2}, std::tuple{3u, 9, 1}}) {
    for (std::uint32_t step : {0u, 9u, 400u}) {
      const std::uint32_t coord = step % 2;
      std::vector<double> shapes(static_cast<size_t>(n * stride), 0.0), out(shapes.size(), -7.0);
      for (int j = 0; j < n; ++j)
        shapes[static_cast<size_t>(j * stride)] = levels[static_cast<size_t>((j * 5 + step) % levels.size())];
      pmm::gamma_lanes(11, path0, step, coord, n, shapes.data(), stride, out.data());
      for (int j = 0; j < n; ++j) {
        const double s = shapes[static_cast<size_t>(j * stride)];
        const double want = scalar_gamma(11, path0 + static_cast<std::uint32_t>(j), step, coord, s);
        const double got = out[static_cast<size_t>(j * stride)];
        const double rel = want == 0 ? std::abs(got) : std::abs(got - want) / want;
        if (!(rel < gamma_tolerance(s))) INFO("shape " << s << " path " << path0 + j << ": SIMD " << got << " scalar " << want);
        worst = std::max(worst, rel / gamma_tolerance(s));
        exact += got == want;
        ++compared;
      }
    }
  }
  INFO("largest |SIMD - scalar| / tolerance " << worst << ", " << exact << " of " << compared << " bitwise equal");
  CHECK(compared > 800);
  CHECK(worst < 1);
  // PhiloxNoise::gamma_draws is gamma_lanes per coordinate and agrees with the base-class scalar loop.
  const pmm::PhiloxNoise noise(5);
  const pmm::StepInfo s{3, 10, 0.1, 0.2};
  pmm::Batch shapes(2, 70), fast, slow;
  for (pmm::Index j = 0; j < 70; ++j) {
    shapes(0, j) = 0.05 * static_cast<double>(j + 1);
    shapes(1, j) = 3.0;
  }
  noise.gamma_draws(s, 40, shapes, fast);
  noise.pmm::NoiseSource::gamma_draws(s, 40, shapes, slow);
  REQUIRE(fast.rows() == 2);
  REQUIRE(fast.cols() == 70);
  CHECK(((fast - slow).array().abs() <= 1e-12 * slow.array().abs()).all());
}

TEST_CASE("random: Gamma draws of one shape are the draws of a row of that shape, bit for bit") {
  // Each regime of gamma_row (GS below 1, with most draws 0 at 0.0004; Marsaglia-Tsang from 1), rows that end in a
  // partial block (padding lanes) and coordinates of a strided chunk (dim 3).
  for (double shape : {0.0004, 0.0013, 0.011, 0.6, 1.0, 2.5, 40.0}) {
    for (pmm::Index n : {1, 63, 64, 65, 200, 1000}) {
      for (pmm::Index stride : {1, 3}) {
        INFO("shape " << shape << ", n " << n << ", stride " << stride);
        const std::vector<double> row(static_cast<size_t>(n * stride), shape);
        std::vector<double> a(row.size(), -7.0), b(row.size(), -7.0);
        pmm::gamma_lanes(11, 5, 2, 1, n, row.data(), stride, a.data());
        pmm::gamma_lanes_one_shape(11, 5, 2, 1, n, shape, stride, b.data());
        bool same = true;
        for (size_t i = 0; i < a.size(); ++i) same = same && (std::memcmp(&a[i], &b[i], sizeof(double)) == 0);
        CHECK(same);
        for (pmm::Index j = 0; j < n; ++j) CHECK(b[static_cast<size_t>(j * stride)] >= 0.0);  // every slot written
      }
    }
  }
  // Through the noise sources: PhiloxNoise's one-shape draws, the base class's (a batch of shapes), gamma_draws.
  const pmm::PhiloxNoise noise(9);
  const pmm::StepInfo s{4, 10, 0.4, 0.5};
  for (double shape : {0.0009, 0.02, 3.0}) {
    pmm::Batch shapes, fast, base, rows;
    shapes.setConstant(3, 130, shape);
    noise.gamma_draws_one_shape(s, 17, shape, 3, 130, fast);
    noise.pmm::NoiseSource::gamma_draws_one_shape(s, 17, shape, 3, 130, base);
    noise.gamma_draws(s, 17, shapes, rows);
    REQUIRE(fast.rows() == 3);
    REQUIRE(fast.cols() == 130);
    CHECK((fast == rows).all());
    CHECK((fast == base).all());
  }
}

TEST_CASE("random: Poisson and Gamma rows give the same bits drawn whole or in pieces of any length") {
  // A lane's draw depends on the seed and its counters alone: not on how many lanes a call takes, so not on how many
  // lanes its gathered trials hold (8-lane vectors, from 1 to 64 lanes; a piece of a few lanes takes short batches
  // only, and its lanes refused twice go on to gathered trials on blocks 3, 4, ... as the whole row's do). Shapes and
  // means with many refused trials (GS refuses ~21% at 0.5, PTRS ~20%), and rows of mixed shapes, through the pieces
  // 1..97 of a fixed pseudo-random sequence.
  const int n = 6000;
  const std::uint32_t path0 = 31, step = 5, coord = 2;
  std::vector<double> shapes(n), means(n);
  for (int j = 0; j < n; ++j) {
    shapes[static_cast<size_t>(j)] = j % 3 == 0 ? 0.5 : (j % 3 == 1 ? 1.3 : 0.05);
    means[static_cast<size_t>(j)] = j % 4 == 0 ? 4.0 : 12.0 + 0.9 * (j % 50);
  }
  const auto pieces = [&](auto draw, std::vector<double>& out) {
    std::uint32_t state = 12345;
    for (int j0 = 0; j0 < n;) {
      state = state * 1664525u + 1013904223u;
      const int len = std::min(n - j0, 1 + static_cast<int>((state >> 8) % 97));
      draw(j0, len, out.data() + j0);
      j0 += len;
    }
  };
  const auto differ = [&](const std::vector<double>& a, const std::vector<double>& b) {
    int d = 0;
    for (size_t k = 0; k < a.size(); ++k) d += std::memcmp(&a[k], &b[k], sizeof(double)) != 0;
    return d;
  };
  std::vector<double> whole(n), split(n, -7.0);
  for (double shape : {0.5, 0.05, 2.0}) {
    pmm::gamma_lanes_one_shape(3, path0, step, coord, n, shape, 1, whole.data());
    pieces([&](int j0, int len, double* o) {
      pmm::gamma_lanes_one_shape(3, path0 + static_cast<std::uint32_t>(j0), step, coord, len, shape, 1, o);
    }, split);
    CHECK_MESSAGE(differ(whole, split) == 0, "shape " << shape);
  }
  pmm::gamma_lanes(3, path0, step, coord, n, shapes.data(), 1, whole.data());
  pieces([&](int j0, int len, double* o) {
    pmm::gamma_lanes(3, path0 + static_cast<std::uint32_t>(j0), step, coord, len, shapes.data() + j0, 1, o);
  }, split);
  CHECK_MESSAGE(differ(whole, split) == 0, "mixed shapes");
  pmm::poisson_lanes(3, path0, step, coord, n, means.data(), 1, whole.data());
  pieces([&](int j0, int len, double* o) {
    pmm::poisson_lanes(3, path0 + static_cast<std::uint32_t>(j0), step, coord, len, means.data() + j0, 1, o);
  }, split);
  CHECK_MESSAGE(differ(whole, split) == 0, "Poisson means 4 and 12-56");
}

TEST_CASE("random: the SIMD samplers follow their laws (Poisson chi-square and moments, Gamma KS)") {
  const int n = 20000;
  std::vector<double> means(n), draws(n);
  // 1000: PTRS with k on both sides of the lgamma table's end (1024 - 1000 = 0.76 sd).
  for (double lambda : {0.3, 5.0, 11.9, 12.1, 50.0, 1000.0, 1e4}) {
    std::fill(means.begin(), means.end(), lambda);
    pmm::poisson_lanes(31, 0, 0, 0, n, means.data(), 1, draws.data());
    INFO("lambda = " << lambda);
    const double z_mean = (pmm_test::mean(draws) - lambda) / std::sqrt(lambda / n);
    const double z_var = (pmm_test::variance(draws) - lambda) / std::sqrt((lambda + 2 * lambda * lambda) / n);
    CHECK(pmm_test::z_p_value(z_mean) > pmm_test::kMinP);
    CHECK(pmm_test::z_p_value(z_var) > pmm_test::kMinP);
    const boost::math::poisson_distribution<> law(lambda);
    const int kmin = std::max(0, static_cast<int>(lambda - 8 * std::sqrt(lambda) - 10));
    const int kmax = static_cast<int>(lambda + 8 * std::sqrt(lambda) + 10);
    std::vector<double> observed(static_cast<size_t>(kmax - kmin + 1), 0.0), probs(observed.size());
    bool integers = true;
    for (double k : draws) {
      integers = integers && k >= 0 && k == std::floor(k);
      observed[static_cast<size_t>(std::clamp(static_cast<int>(k), kmin, kmax) - kmin)] += 1;
    }
    CHECK(integers);
    probs[0] = kmin == 0 ? boost::math::pdf(law, 0) : boost::math::cdf(law, kmin);
    for (int k = kmin + 1; k < kmax; ++k) probs[static_cast<size_t>(k - kmin)] = boost::math::pdf(law, k);
    probs.back() = boost::math::cdf(boost::math::complement(law, kmax - 1));
    const auto gof = pmm_test::chi_square_gof(observed, probs);
    INFO("chi-square " << gof.statistic << " df " << gof.df << " p " << gof.p_value);
    CHECK(gof.df >= 1);
    CHECK(gof.p_value > pmm_test::kMinP);
  }
  for (double shape : {0.05, 0.3, 1.0, 4.5, 40.0}) {
    std::fill(means.begin(), means.end(), shape);
    pmm::gamma_lanes(41, 0, 0, 0, n, means.data(), 1, draws.data());
    const boost::math::gamma_distribution<> law(shape, 1.0);
    const auto ks = pmm_test::ks_test(draws, [&](double x) { return x <= 0 ? 0.0 : boost::math::cdf(law, x); });
    INFO("shape " << shape << " KS D = " << ks.statistic << " p = " << ks.p_value);
    CHECK(ks.p_value > pmm_test::kMinP);
    CHECK(pmm_test::z_p_value((pmm_test::mean(draws) - shape) / std::sqrt(shape / n)) > pmm_test::kMinP);
  }
}
