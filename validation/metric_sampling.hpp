// Seeded draws for the randomised metrics (KID subsets, sliced-W2 directions) from std::mt19937_64:
// index by rejection, normal by Box-Muller z = sqrt(-2 ln u1) cos(2 pi u2), subsets by partial
// Fisher-Yates. Not std::*_distribution: those are implementation-defined, these give the same
// numbers for a seed with every standard library.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

namespace pmm::metric_sampling {

// Uniform on {0, ..., n - 1}, n >= 1.
inline std::uint64_t uniform_index(std::mt19937_64& rng, std::uint64_t n) {
  // Reject the top partial block of 2^64 so that every residue is equally likely.
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() -
                              std::numeric_limits<std::uint64_t>::max() % n;
  std::uint64_t r;
  do r = rng();
  while (r >= limit);
  return r % n;
}

// Uniform on (0, 1): 53 random bits, offset by half a unit so log() never sees 0.
inline double uniform_open01(std::mt19937_64& rng) {
  return (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53;
}

inline double standard_normal(std::mt19937_64& rng) {
  const double u1 = uniform_open01(rng), u2 = uniform_open01(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

// k distinct indices from {0, ..., n - 1}, k <= n, in draw order.
inline std::vector<std::int64_t> sample_without_replacement(std::mt19937_64& rng, std::int64_t n,
                                                            std::int64_t k) {
  std::vector<std::int64_t> pool(static_cast<std::size_t>(n));
  std::iota(pool.begin(), pool.end(), std::int64_t{0});
  for (std::int64_t i = 0; i < k; ++i) {
    const auto j = i + static_cast<std::int64_t>(uniform_index(rng, static_cast<std::uint64_t>(n - i)));
    std::swap(pool[static_cast<std::size_t>(i)], pool[static_cast<std::size_t>(j)]);
  }
  pool.resize(static_cast<std::size_t>(k));
  return pool;
}

}  // namespace pmm::metric_sampling
