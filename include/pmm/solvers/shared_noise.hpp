// Noise that is a function of (seed, path, time interval), so runs at different step counts see one path.
// Brownian tree: W(1) ~ N(0, 1), then bridge midpoints W(m) = (W(a) + W(b))/2 + sqrt((b - a)/4) z down to depth D,
// linear between leaves. Poisson tree: a unit-intensity Poisson random measure on [0, H) x [0, inf) (clock x rate),
// counts split binomially down dyadic nodes; count over [a, b) at rate r = C(b; r) - C(a; r) ~ Poisson(r (b - a)).
#pragma once
#include <cstdint>

#include <pmm/core/batch.hpp>
#include <pmm/processes/schedule.hpp>
#include <pmm/random/noise.hpp>

namespace pmm {

// Philox streams of the trees (random.hpp leaves ids from Stream::kUser on to extensions; kUser itself and the
// ids just above it are taken by tests and samplers, so the trees use kUser + 16 ..).
constexpr std::uint32_t kBrownianTreeStream = static_cast<std::uint32_t>(Stream::kUser) + 16;
constexpr std::uint32_t kPoissonTreeStream = static_cast<std::uint32_t>(Stream::kUser) + 17;
constexpr std::uint32_t kPoissonRootStream = static_cast<std::uint32_t>(Stream::kUser) + 18;
constexpr std::uint32_t kPoissonRateStream = static_cast<std::uint32_t>(Stream::kUser) + 19;

// A Brownian motion per (path, coordinate) on [0, 1], exact in law at the dyadic points k 2^-depth and linear
// between them (an increment over [t0, t1] has variance t1 - t0 minus at most 2^-depth / 2). Node (d, k) draws its
// midpoint normal from Philox counter (path, 2^d + k, coordinate / 2, stream), so W is a pure function of
// (seed, path, coordinate, t): the increment over a coarse step equals the sum over the fine steps inside it up to
// floating-point round-off of the subtractions.
class BrownianTree {
 public:
  static constexpr int kDefaultDepth = 28;
  // depth in [1, 30]; throws pmm::Error naming "depth".
  explicit BrownianTree(std::uint64_t seed, int depth = kDefaultDepth);
  // out[0 .. dim) = W(t1) - W(t0) = value(t1) - value(t0) for path, 0 <= t0 <= t1 <= 1 (0 when t1 <= t0).
  void increment(std::uint64_t path, double t0, double t1, Index dim, double* out) const;
  // out[0 .. dim) = W(t); t <= 0 gives 0. The second form uses scratch[0 .. 4 dim) instead of allocating.
  void value(std::uint64_t path, double t, Index dim, double* out) const;
  void value(std::uint64_t path, double t, Index dim, double* out, double* scratch) const;
  std::uint64_t seed() const { return seed_; }
  int depth() const { return depth_; }

 private:
  std::uint64_t seed_;
  int depth_;
};

// A unit-intensity Poisson random measure per (path, coordinate) on [0, horizon) x [0, inf) (clock x rate). The
// rate axis is cut into layers of height layer_height. In layer l the points below rate l h + q h number
// n(q) ~ Poisson(q horizon h), read off a dyadic tree of the layer's rate axis (total Poisson, halves Binomial(n, 1/2));
// those n(q) points then split down a dyadic tree of the clock by Binomial(m, 1/2) to the node holding x, and a
// leaf keeps Binomial(m, fraction) of its points left of x. Every draw inverts one Philox uniform keyed on
// (path, node, layer, coordinate), so C(x; r) is a pure function: counts over adjacent intervals add up exactly
// (integers), and C is nondecreasing in x and in r (common uniforms through quantiles monotone in n and p).
class PoissonTree {
 public:
  static constexpr int kDefaultDepth = 30;      // clock tree: leaves of horizon 2^-30
  static constexpr int kDefaultRateDepth = 24;  // rate tree of a layer: leaves of layer_height 2^-24
  // horizon > 0, layer_height > 0 (finite), depths in [1, 30]; throws pmm::Error naming the argument.
  PoissonTree(std::uint64_t seed, double horizon, double layer_height = 4.0, int depth = kDefaultDepth,
              int rate_depth = kDefaultRateDepth);
  // Points in [0, x) x [0, rate); x is clamped to [0, horizon], rate <= 0 gives 0.
  std::int64_t cumulative(std::uint64_t path, Index coord, double x, double rate) const;
  // Points in [a, b) x [0, rate): Poisson(rate (b - a)) for 0 <= a <= b <= horizon.
  std::int64_t count(std::uint64_t path, Index coord, double a, double b, double rate) const {
    return b > a ? cumulative(path, coord, b, rate) - cumulative(path, coord, a, rate) : 0;
  }
  double horizon() const { return horizon_; }
  double layer_height() const { return layer_; }

 private:
  std::int64_t layer_points(std::uint64_t path, std::uint32_t coord, std::uint32_t layer, double q) const;
  std::int64_t layer_cumulative(std::uint64_t path, std::uint32_t coord, std::uint32_t layer, double x,
                                std::int64_t m) const;
  std::uint64_t seed_;
  double horizon_, layer_;
  int depth_, rate_depth_;
};

struct TreeNoiseOptions {
  int brownian_depth = BrownianTree::kDefaultDepth;
  int poisson_depth = PoissonTree::kDefaultDepth;
  double poisson_layer = 4.0;  // rate-axis layer height (counts per unit of F): cost grows with rate / layer
};

// The NoiseSource of shared-noise runs: normals(step) = (W(t1) - W(t0)) / sqrt(t1 - t0) from the Brownian tree
// (clock t); poisson(step, mean) = points in [F(t0), F(t1)) x [0, mean / (F(t1) - F(t0))) of the Poisson tree
// (clock F, horizon F(1)), so a run with a constant intensity sees exactly one Poisson path at any step count.
class TreeNoise final : public NoiseSource {
 public:
  TreeNoise(std::uint64_t seed, SchedulePtr schedule, TreeNoiseOptions options = {});
  // Consecutive steps of one batch on one thread reuse W(t0) from the previous call (a per-thread cache keyed on
  // this object, path0, batch size and t0), which halves the tree descents; the numbers are the same either way.
  void normals(const StepInfo& step, Index path0, Batch& out) const override;
  double poisson(const StepInfo& step, Index path, Index coord, double mean) const override;
  std::uint64_t seed() const override { return brownian_.seed(); }
  const BrownianTree& brownian() const { return brownian_; }
  const PoissonTree& poisson_tree() const { return poisson_; }

 private:
  SchedulePtr schedule_;
  std::uint64_t id_;
  BrownianTree brownian_;
  PoissonTree poisson_;
};

// Exact inversions used by the Poisson tree (exposed for tests): the smallest k with CDF(k) >= u for u in (0, 1),
// monotone in u, n and p. binomial_quantile searches from the mode with both tails summed relative to the mode
// (O(sd) terms); binomial_half_quantile (p = 1/2) starts from the mode's CDF known by symmetry (O(|k - n/2|) terms).
std::int64_t binomial_quantile(std::int64_t n, double p, double u);
std::int64_t binomial_half_quantile(std::int64_t n, double u);

}  // namespace pmm
