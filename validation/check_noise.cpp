// Nested noise for order fits: fine Brownian cells summed over coarse steps, sum_k xi_k / sqrt(cells per step), and
// Poisson counts Pi(Lambda + m) - Pi(Lambda) of one unit-rate process per (path, coordinate), arrivals
// T_j = T_{j-1} + E_j with E_j = -log U_j keyed on (path, j, coordinate).
#include "validation/check_noise.hpp"

#include <cmath>

#include <fmt/format.h>

#include <pmm/core/error.hpp>
#include "validation/check_support.hpp"

namespace pmm::check {

NestedBrownianNoise::NestedBrownianNoise(std::uint64_t seed, int log2_cells)
    : seed_(seed), log2_cells_(log2_cells) {
  require(log2_cells >= 1 && log2_cells <= 24, "nested noise", fmt::format("log2 cells must be in [1, 24], got {}", log2_cells));
  cells_ = 1u << log2_cells;
}

std::uint32_t NestedBrownianNoise::cell_of(double t) const {
  const double x = t * cells_;
  const double r = std::round(x);
  require(std::abs(x - r) < 1e-9 && r >= 0 && r <= cells_, "nested noise",
          fmt::format("grid point {} is not a multiple of 2^-{}", t, log2_cells_));
  return static_cast<std::uint32_t>(r);
}

double NestedBrownianNoise::fine(Index path, std::uint32_t cell, Index coord) const {
  const auto r = Philox()(philox_counter(static_cast<std::uint64_t>(path), cell, static_cast<std::uint32_t>(coord / 2),
                                         kCheckNormal, 0),
                          philox_key(seed_));
  const double u1 = uniform_open(r[0], r[1]), u2 = uniform_open(r[2], r[3]);
  const double rad = std::sqrt(-2.0 * std::log(u1)), ang = 2.0 * M_PI * u2;
  return coord % 2 == 0 ? rad * std::cos(ang) : rad * std::sin(ang);
}

void NestedBrownianNoise::normals(const StepInfo& step, Index path0, Batch& out) const {
  const std::uint32_t k0 = cell_of(step.t0), k1 = cell_of(step.t1);
  require(k1 > k0, "nested noise", fmt::format("step [{}, {}] is shorter than one fine cell", step.t0, step.t1));
  const double scale = 1.0 / std::sqrt(static_cast<double>(k1 - k0));
  for (Index j = 0; j < out.cols(); ++j)
    for (Index d = 0; d < out.rows(); ++d) {
      double s = 0;
      for (std::uint32_t k = k0; k < k1; ++k) s += fine(path0 + j, k, d);
      out(d, j) = s * scale;
    }
}

double NestedBrownianNoise::poisson(const StepInfo&, Index, Index, double) const {
  throw Error("nested noise: Brownian noise has no Poisson counts (use TimeChangePoissonNoise)");
}

TimeChangePoissonNoise::TimeChangePoissonNoise(std::uint64_t seed, Index paths, Index dim)
    : seed_(seed), paths_(paths), dim_(dim) {
  require(paths >= 1 && dim >= 1, "time-change noise", "needs paths and dim >= 1");
  clocks_.resize(static_cast<size_t>(paths * dim));
}

double TimeChangePoissonNoise::arrival_gap(Index path, Index coord, std::uint32_t j) const {
  return -std::log(draws(seed_, path, j, kCheckPoisson, static_cast<std::uint32_t>(coord)).next());
}

void TimeChangePoissonNoise::normals(const StepInfo&, Index, Batch&) const {
  throw Error("time-change noise: Poisson noise has no normals (use NestedBrownianNoise)");
}

double TimeChangePoissonNoise::poisson(const StepInfo& step, Index path, Index coord, double mean) const {
  require(path >= 0 && path < paths_ && coord >= 0 && coord < dim_, "time-change noise",
          fmt::format("path {} coordinate {} outside {} x {}", path, coord, paths_, dim_));
  Clock& c = clocks_[static_cast<size_t>(path * dim_ + coord)];
  const bool peek = (step.index & kHalfStepFlag) != 0;  // tau-leap-midpoint's half-step count (solvers/tau_leap.hpp)
  if ((step.index & ~kHalfStepFlag) == 0) c = Clock{0.0, arrival_gap(path, coord, 0), 0};  // idempotent
  if (peek) {  // arrivals of the same Pi in [lambda, lambda + mean), without consuming them
    const double until = c.lambda + std::max(mean, 0.0);
    double count = 0, next = c.next;
    for (std::uint32_t j = c.j; next <= until;) next += arrival_gap(path, coord, ++j), count += 1;
    return count;
  }
  const double until = c.lambda + std::max(mean, 0.0);
  double count = 0;
  while (c.next <= until) {
    count += 1;
    ++c.j;
    c.next += arrival_gap(path, coord, c.j);
  }
  c.lambda = until;
  return count;
}

}  // namespace pmm::check
