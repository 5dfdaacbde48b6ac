// Counter-based random numbers: Random123 Philox4x32-10 with key = seed (64 bits) and
// counter = (path, step, block, stream << 24 | coordinate). A draw depends on these integers only,
// never on threads, batch splits or back end, so any path can be replayed alone.
#pragma once
#include <Random123/philox.h>

#include <pmm/core/hd.hpp>

#include <cmath>
#include <cstdint>

namespace pmm {

enum class Stream : std::uint32_t {
  kNormal = 1,    // standard normals: path field = path / 2, block = coordinate (Box-Muller halves to paths 2k, 2k+1)
  kPoisson = 2,   // per-coordinate sequential uniforms for Poisson draws
  kGamma = 3,     // per-coordinate sequential uniforms for Gamma draws
  kInit = 4,      // initial states and given-x target draws (step = 0)
  kCategorical = 5,
  kUniform = 6,
  kUser = 16,     // first id free for extensions (trees, samplers)
};

// A step index with this bit set keys a scheme's half-step draws (tau-leap-midpoint's half-step count over
// [t0, t_h]) apart from the step's own draws on the same stream; grids therefore have < 2^31 steps.
constexpr std::uint32_t kHalfStepFlag = 0x80000000u;

using Philox = r123::Philox4x32;

PMM_HD inline Philox::ctr_type philox_counter(std::uint64_t path, std::uint32_t step, std::uint32_t block,
                                       Stream stream, std::uint32_t coord) {
  // path < 2^32 and coordinate < 2^24 are checked at the boundary (integrate driver).
  return Philox::ctr_type{{static_cast<std::uint32_t>(path), step, block,
                           (static_cast<std::uint32_t>(stream) << 24) | (coord & 0xFFFFFFu)}};
}

PMM_HD inline Philox::key_type philox_key(std::uint64_t seed) {
  return Philox::key_type{{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
}

// 53-bit uniform in the open interval (0, 1) from two 32-bit words.
// Above 2^52, bits + 0.5 is not representable and rounds to even: bits = 2^53 - 1 would give exactly 1.0,
// so the top value is clamped to the largest double below 1.
PMM_HD inline double uniform_open(std::uint32_t hi, std::uint32_t lo) {
  const std::uint64_t bits = (static_cast<std::uint64_t>(hi) << 21) ^ (static_cast<std::uint64_t>(lo) >> 11);
  const double u = (static_cast<double>(bits & ((1ull << 53) - 1)) + 0.5) * 0x1.0p-53;
  return u < 1.0 ? u : 0x1.fffffffffffffp-1;
}

// A sequential source of uniforms for one (path, step, stream, coordinate): blocks 0, 1, 2, ...
// Rejection samplers (Poisson, Gamma) draw as many as they need; the result is still a pure
// function of the counter fields.
class UniformStream {
 public:
  PMM_HD UniformStream(std::uint64_t seed, std::uint64_t path, std::uint32_t step, Stream stream,
                std::uint32_t coord)
      : key_(philox_key(seed)), path_(path), step_(step), stream_(stream), coord_(coord) {}
  // The same stream with block `block` already computed elsewhere (u0, u1 = its two uniforms, e.g. in SIMD batches)
  // and `used` of them already read (0: the next draw is u0; 2: the next one is block + 1's first).
  PMM_HD UniformStream(std::uint64_t seed, std::uint64_t path, std::uint32_t step, Stream stream, std::uint32_t coord,
                double u0, double u1, std::uint32_t block = 0, int used = 0)
      : key_(philox_key(seed)), path_(path), step_(step), stream_(stream), coord_(coord), block_(block + 1),
        buf_{u0, u1}, used_(used) {}
  PMM_HD double next() {
    if (used_ == 2) refill();
    return buf_[used_++];
  }

 private:
  PMM_HD void refill() {
    const auto r = Philox()(philox_counter(path_, step_, block_++, stream_, coord_), key_);
    buf_[0] = uniform_open(r[0], r[1]);
    buf_[1] = uniform_open(r[2], r[3]);
    used_ = 0;
  }
  Philox::key_type key_;
  std::uint64_t path_;
  std::uint32_t step_;
  Stream stream_;
  std::uint32_t coord_;
  std::uint32_t block_ = 0;
  double buf_[2] = {0, 0};
  int used_ = 2;
};

}  // namespace pmm
