// Shared noise for order fits on nested grids. Brownian: one path per (seed, path, coordinate) on a fine uniform
// grid of 2^K cells; a coarse step [t0, t1] (both multiples of 2^-K) gets (W(t1) - W(t0))/sqrt(t1 - t0), the sum of
// the fine increments, so every grid sees the same path. Poisson: the random time change N = Pi(Lambda) with Pi a
// unit-rate Poisson process per (path, coordinate): a step of mean m returns Pi(Lambda + m) - Pi(Lambda), so counts
// on every grid come from the same Pi (coupling of Rathinam et al. / Anderson for tau-leaping).
#pragma once
#include <cstdint>
#include <vector>

#include <pmm/random/noise.hpp>

namespace pmm::check {

class NestedBrownianNoise final : public NoiseSource {
 public:
  // log2_cells: K, 1 <= K <= 24. Steps whose ends are not multiples of 2^-K throw pmm::Error.
  NestedBrownianNoise(std::uint64_t seed, int log2_cells);
  void normals(const StepInfo& step, Index path0, Batch& out) const override;
  double poisson(const StepInfo& step, Index path, Index coord, double mean) const override;  // throws
  std::uint64_t seed() const override { return seed_; }
  // The fine increment xi_k ~ N(0, 1) of cell k (W over the cell is xi_k 2^{-K/2}).
  double fine(Index path, std::uint32_t cell, Index coord) const;

 private:
  std::uint32_t cell_of(double t) const;
  std::uint64_t seed_;
  int log2_cells_;
  std::uint32_t cells_;
};

// One object per run over a grid: the internal clocks Lambda start at 0 on step 0 of each (path, coordinate).
// poisson() must be called once per step in step order for each (path, coordinate), as every stepper does; a step
// index with its top bit set (tau-leap-midpoint's half-step count) counts the same Pi's arrivals without consuming them;
// paths run on different threads touch disjoint state.
class TimeChangePoissonNoise final : public NoiseSource {
 public:
  TimeChangePoissonNoise(std::uint64_t seed, Index paths, Index dim);
  void normals(const StepInfo& step, Index path0, Batch& out) const override;  // throws
  double poisson(const StepInfo& step, Index path, Index coord, double mean) const override;
  std::uint64_t seed() const override { return seed_; }
  // E_j ~ Exp(1), the j-th gap between arrivals of Pi for (path, coordinate): T_j = E_0 + ... + E_j.
  double arrival_gap(Index path, Index coord, std::uint32_t j) const;

 private:
  struct Clock {
    double lambda = 0;      // internal time consumed
    double next = 0;        // next arrival time of Pi
    std::uint32_t j = 0;    // index of that arrival
  };
  std::uint64_t seed_;
  Index paths_, dim_;
  mutable std::vector<Clock> clocks_;
};

}  // namespace pmm::check
