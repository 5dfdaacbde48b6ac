// Philox4x32-10 normals: one Philox block per (path, step, coordinate pair) gives two 53-bit
// uniforms (u1, u2) and, by Box-Muller, the two normals sqrt(-2 ln u1) (cos 2 pi u2, sin 2 pi u2).
#include "solvers/noise.hpp"

#include <cmath>
#include <vector>

#include "solvers/distributions.hpp"

namespace pmm {

void fill_normals(std::uint64_t seed, Stream stream, std::uint32_t step, Index path0, Batch& out) {
  const auto key = philox_key(seed);
  const Index dim = out.rows(), n = out.cols();
  const Index blocks = (dim + 1) / 2;
  Philox philox;
  for (Index j = 0; j < n; ++j) {
    double* col = out.col(j).data();
    const std::uint64_t path = static_cast<std::uint64_t>(path0 + j);
    for (Index blk = 0; blk < blocks; ++blk) {
      const auto r = philox(philox_counter(path, step, static_cast<std::uint32_t>(blk), stream, 0), key);
      const double u1 = uniform_open(r[0], r[1]);
      const double u2 = uniform_open(r[2], r[3]);
      const double rad = std::sqrt(-2.0 * std::log(u1));
      const double ang = 2.0 * M_PI * u2;
      col[2 * blk] = rad * std::cos(ang);
      if (2 * blk + 1 < dim) col[2 * blk + 1] = rad * std::sin(ang);
    }
  }
}

void PhiloxNoise::normals(const StepInfo& step, Index path0, Batch& out) const {
  fill_normals(seed_, Stream::kNormal, step.index, path0, out);
}

double PhiloxNoise::poisson(const StepInfo& step, Index path, Index coord, double mean) const {
  UniformStream u(seed_, static_cast<std::uint64_t>(path), step.index, Stream::kPoisson,
                  static_cast<std::uint32_t>(coord));
  return poisson_draw(u, mean);
}

}  // namespace pmm
