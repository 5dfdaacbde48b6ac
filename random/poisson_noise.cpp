// Poisson counts and Gamma draws of the noise sources: PhiloxNoise keys the count of (path, coordinate) over a step
// on the UniformStream (seed; path, step, kPoisson, coordinate) and the Gamma(shape, 1) draw on (seed; path, step,
// kGamma, coordinate); a chunk's draws come from the SIMD samplers (poisson_lanes, gamma_lanes), the per-draw
// poisson() and the base-class loops from the scalar poisson_draw() / gamma_draw() of distributions.hpp.
#include <cstdint>

#include <pmm/random/distributions.hpp>
#include <pmm/random/noise.hpp>

namespace pmm {

void NoiseSource::poisson_counts(const StepInfo& step, Index path0, const Batch& means, Batch& out) const {
  out.resize(means.rows(), means.cols());
  for (Index j = 0; j < means.cols(); ++j)
    for (Index d = 0; d < means.rows(); ++d) out(d, j) = poisson(step, path0 + j, d, means(d, j));
}

void NoiseSource::gamma_draws(const StepInfo& step, Index path0, const Batch& shapes, Batch& out) const {
  out.resize(shapes.rows(), shapes.cols());
  for (Index j = 0; j < shapes.cols(); ++j)
    for (Index d = 0; d < shapes.rows(); ++d) {
      UniformStream u(seed(), static_cast<std::uint64_t>(path0 + j), step.index, Stream::kGamma,
                      static_cast<std::uint32_t>(d));
      out(d, j) = gamma_draw(u, shapes(d, j));
    }
}

void NoiseSource::gamma_draws_one_shape(const StepInfo& step, Index path0, double shape, Index dim, Index n,
                                        Batch& out) const {
  Batch shapes;
  shapes.setConstant(dim, n, shape);
  gamma_draws(step, path0, shapes, out);
}

double PhiloxNoise::poisson(const StepInfo& step, Index path, Index coord, double mean) const {
  UniformStream u(seed_, static_cast<std::uint64_t>(path), step.index, Stream::kPoisson,
                  static_cast<std::uint32_t>(coord));
  return poisson_draw(u, mean);
}

namespace {
// out = in's shape; row d of out from lanes(seed, path0, step, d, n, row d of in, stride dim, row d of out).
void by_coordinate(LanesFn lanes, std::uint64_t seed, const StepInfo& step, Index path0, const Batch& in, Batch& out) {
  const Index dim = in.rows(), n = in.cols();
  out.resize(dim, n);
  for (Index d = 0; d < dim; ++d)
    lanes(seed, static_cast<std::uint32_t>(path0), step.index, static_cast<std::uint32_t>(d), n, in.data() + d, dim,
          out.data() + d);
}
}  // namespace

void PhiloxNoise::poisson_counts(const StepInfo& step, Index path0, const Batch& means, Batch& out) const {
  by_coordinate(poisson_lanes, seed_, step, path0, means, out);
}

void PhiloxNoise::gamma_draws(const StepInfo& step, Index path0, const Batch& shapes, Batch& out) const {
  by_coordinate(gamma_lanes, seed_, step, path0, shapes, out);
}

void PhiloxNoise::gamma_draws_one_shape(const StepInfo& step, Index path0, double shape, Index dim, Index n,
                                        Batch& out) const {
  out.resize(dim, n);
  for (Index d = 0; d < dim; ++d)
    gamma_lanes_one_shape(seed_, static_cast<std::uint32_t>(path0), step.index, static_cast<std::uint32_t>(d), n, shape,
                          dim, out.data() + d);
}

}  // namespace pmm
