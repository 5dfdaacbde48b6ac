// Poisson counts of the noise sources: PhiloxNoise keys the count of (path, coordinate) over a step on the
// UniformStream (seed; path, step, kPoisson, coordinate); a chunk's first uniform pairs come from SIMD Philox
// blocks (philox_uniform_pairs), the rest, when a rejection sampler needs more, from the same stream's block 1 on.
// Kept out of noise.cpp, which is built with -ffast-math: the samplers here run with strict IEEE semantics.
#include <cstdint>
#include <vector>

#include <pmm/random/distributions.hpp>
#include <pmm/random/noise.hpp>

namespace pmm {

void NoiseSource::poisson_counts(const StepInfo& step, Index path0, const Batch& means, Batch& out) const {
  out.resize(means.rows(), means.cols());
  for (Index j = 0; j < means.cols(); ++j)
    for (Index d = 0; d < means.rows(); ++d) out(d, j) = poisson(step, path0 + j, d, means(d, j));
}

double PhiloxNoise::poisson(const StepInfo& step, Index path, Index coord, double mean) const {
  UniformStream u(seed_, static_cast<std::uint64_t>(path), step.index, Stream::kPoisson,
                  static_cast<std::uint32_t>(coord));
  return poisson_draw(u, mean);
}

void PhiloxNoise::poisson_counts(const StepInfo& step, Index path0, const Batch& means, Batch& out) const {
  const Index dim = means.rows(), n = means.cols();
  out.resize(dim, n);
  thread_local std::vector<double> u1, u2;
  u1.resize(static_cast<size_t>(n));
  u2.resize(static_cast<size_t>(n));
  for (Index d = 0; d < dim; ++d) {
    const auto c3 = (static_cast<std::uint32_t>(Stream::kPoisson) << 24) | (static_cast<std::uint32_t>(d) & 0xFFFFFFu);
    philox_uniform_pairs(seed_, static_cast<std::uint32_t>(path0), step.index, 0, c3, n, u1.data(), u2.data());
    for (Index j = 0; j < n; ++j) {
      UniformStream u(seed_, static_cast<std::uint64_t>(path0 + j), step.index, Stream::kPoisson,
                      static_cast<std::uint32_t>(d), u1[static_cast<size_t>(j)], u2[static_cast<size_t>(j)]);
      out(d, j) = poisson_draw(u, means(d, j));
    }
  }
}

}  // namespace pmm
