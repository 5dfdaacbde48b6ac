// Brownian tree: W(m) = (W(a) + W(b))/2 + sqrt(h)/2 z_node on [a, b] of width h, W(1) = z_0, linear below depth D.
// Poisson tree, per rate layer l: total n ~ Poisson(H R); points below rate q R by halving the layer's rate tree
// (Binomial(n, 1/2) per node); those m points split down the clock tree by Binomial(m, 1/2). Every draw inverts one
// Philox uniform keyed on (path, node, layer, coordinate), so C(x; r) is a pure function, monotone in x and r.
#include <pmm/solvers/shared_noise.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include <pmm/core/error.hpp>
#include <pmm/random/distributions.hpp>
#include <pmm/random/random.hpp>

namespace pmm {
namespace {

struct UniformPair {
  double u1, u2;
};

UniformPair node_uniforms(const Philox::key_type& key, std::uint64_t path, std::uint32_t node, std::uint32_t block,
                          std::uint32_t stream, std::uint32_t coord) {
  const auto r = Philox()(philox_counter(path, node, block, static_cast<Stream>(stream), coord), key);
  return {uniform_open(r[0], r[1]), uniform_open(r[2], r[3])};
}

// dim standard normals of node `node`: Box-Muller pairs of the Philox blocks (path, node, coordinate pair, stream).
// Up to 6 coordinates the pairs are computed one by one with libm; above, in SIMD blocks of 8 pairs with libmvec
// (philox_normal_pairs: 5x faster at dim 784, but 2x slower than scalar for 1-3 pairs). The two agree to a few ulps
// (tested), so a coordinate's normal may differ in its last bits between dim <= 6 and dim > 6.
constexpr Index kScalarNodePairs = 3;
void node_normals(std::uint64_t seed, std::uint64_t path, std::uint32_t node, Index dim, double* z) {
  const Index pairs = (dim + 1) / 2;
  if (pairs <= kScalarNodePairs) {
    const auto key = philox_key(seed);
    Philox philox;
    for (Index p = 0; p < pairs; ++p) {
      const auto r = philox(
          philox_counter(path, node, static_cast<std::uint32_t>(p), static_cast<Stream>(kBrownianTreeStream), 0), key);
      const double rad = std::sqrt(-2.0 * std::log(uniform_open(r[0], r[1])));
      const double ang = 2.0 * M_PI * uniform_open(r[2], r[3]);
      z[2 * p] = rad * std::cos(ang);
      if (2 * p + 1 < dim) z[2 * p + 1] = rad * std::sin(ang);
    }
    return;
  }
  thread_local std::vector<double> buf;
  buf.resize(static_cast<size_t>(2 * pairs));
  philox_normal_pairs(seed, static_cast<std::uint32_t>(path), node, 0, kBrownianTreeStream << 24, pairs, buf.data());
  std::copy(buf.begin(), buf.begin() + dim, z);
}

// The quantile of a unimodal law on [lo, hi] from its mode k0, given only the pmf ratios up(k) = pmf(k + 1)/pmf(k)
// and down(k) = pmf(k - 1)/pmf(k): both tails are summed relative to pmf(k0) = 1 until their terms fall below 1e-17
// of the total (they keep decreasing away from the mode), so the normalisation is exact to round-off.
template <class Up, class Down>
std::int64_t unimodal_quantile(std::int64_t lo, std::int64_t hi, std::int64_t k0, double u, Up up, Down down) {
  double lower = 1.0, term = 1.0;
  for (std::int64_t j = k0; j > lo; --j) {
    term *= down(j);
    lower += term;
    if (term < 1e-17 * lower) break;
  }
  double upper = 0.0;
  term = 1.0;
  for (std::int64_t j = k0; j < hi; ++j) {
    term *= up(j);
    upper += term;
    if (term < 1e-17 * (lower + upper)) break;
  }
  const double target = u * (lower + upper);
  std::int64_t k = k0;
  double cdf = lower, pmf = 1.0;
  if (target <= cdf) {
    while (k > lo) {
      const double below = cdf - pmf;  // CDF(k - 1)
      if (below < target) break;
      cdf = below;
      pmf *= down(k);
      --k;
    }
    return k;
  }
  while (cdf < target && k < hi) {
    pmf *= up(k);
    ++k;
    cdf += pmf;
    if (pmf == 0.0) break;
  }
  return k;
}

// C(2m, m) / 4^m. Large m: the asymptotic series 1/sqrt(pi m) (1 - 1/(8m) + 1/(128m^2) + 5/(1024m^3) - 21/(32768m^4)),
// whose next term is below 1e-15 relative for m >= 1000 (lgamma differences lose ~1e-10 there); small m: lgamma.
// For odd n = 2m + 1 the mode's pmf is this times (2m + 1)/(2m + 2).
double central_binomial_half(std::int64_t m) {
  const double md = static_cast<double>(m);
  if (m >= 1000) {
    const double x = 1.0 / md;
    return (1 - x / 8 + x * x / 128 + 5 * x * x * x / 1024 - 21 * x * x * x * x / 32768) / std::sqrt(M_PI * md);
  }
  return std::exp(std::lgamma(2 * md + 1) - 2 * std::lgamma(md + 1) - 2 * md * M_LN2);
}

std::atomic<std::uint64_t> next_noise_id{1};

// W(t0) of the last batch a thread handled, so that the next step of that batch starts from it.
struct BrownianCache {
  std::uint64_t owner = 0;
  Index path0 = -1, n = 0, dim = 0;
  double t = -1;
  std::vector<double> w;
};
thread_local BrownianCache brownian_cache;

}  // namespace

// ---- quantiles ----

std::int64_t binomial_quantile(std::int64_t n, double p, double u) {
  if (n <= 0 || !(p > 0)) return 0;
  if (p >= 1) return n;
  const double nd = static_cast<double>(n);
  const std::int64_t k0 = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor((nd + 1) * p)), 0, n);
  const double odds = p / (1 - p);
  return unimodal_quantile(
      0, n, k0, u, [&](std::int64_t k) { return static_cast<double>(n - k) / static_cast<double>(k + 1) * odds; },
      [&](std::int64_t k) { return static_cast<double>(k) / static_cast<double>(n - k + 1) / odds; });
}

std::int64_t binomial_half_quantile(std::int64_t n, double u) {
  if (n <= 0) return 0;
  std::int64_t k;
  double pmf, cdf;
  if (n <= 32) {
    k = 0;
    pmf = std::ldexp(1.0, -static_cast<int>(n));
    cdf = pmf;
  } else {
    // Mode n/2 (rounded down); by symmetry CDF(mode) = 1/2 for odd n and 1/2 + pmf(mode)/2 for even n.
    k = n / 2;
    pmf = central_binomial_half(k) * (n % 2 ? static_cast<double>(n) / static_cast<double>(n + 1) : 1.0);
    cdf = n % 2 ? 0.5 : 0.5 + 0.5 * pmf;
    while (k > 0 && cdf - pmf >= u) {
      cdf -= pmf;
      pmf *= static_cast<double>(k) / static_cast<double>(n - k + 1);
      --k;
    }
  }
  while (cdf < u && k < n) {
    pmf *= static_cast<double>(n - k) / static_cast<double>(k + 1);
    ++k;
    cdf += pmf;
    if (pmf == 0.0) break;
  }
  return k;
}

// ---- Brownian tree ----

BrownianTree::BrownianTree(std::uint64_t seed, int depth) : seed_(seed), depth_(depth) {
  require(depth >= 1 && depth <= 30, "depth", fmt::format("Brownian tree depth must be in [1, 30], got {}", depth));
}

void BrownianTree::value(std::uint64_t path, double t, Index dim, double* out, double* scratch) const {
  if (!(t > 0)) {
    std::fill(out, out + dim, 0.0);
    return;
  }
  double *wa = scratch, *wb = scratch + dim, *z = scratch + 2 * dim;
  std::fill(wa, wa + dim, 0.0);
  node_normals(seed_, path, 0, dim, wb);  // W(1)
  double a = 0.0, h = 1.0;
  std::uint32_t k = 0;
  for (int d = 0; d < depth_; ++d) {
    node_normals(seed_, path, (1u << d) + k, dim, z);
    const double scale = 0.5 * std::sqrt(h);
    const bool right = t >= a + 0.5 * h;
    double* w = right ? wa : wb;  // the end that moves to the midpoint
    for (Index i = 0; i < dim; ++i) w[i] = 0.5 * (wa[i] + wb[i]) + scale * z[i];
    if (right) a += 0.5 * h;
    k = 2 * k + (right ? 1u : 0u);
    h *= 0.5;
  }
  const double frac = std::clamp((t - a) / h, 0.0, 1.0);
  for (Index i = 0; i < dim; ++i) out[i] = wa[i] + frac * (wb[i] - wa[i]);
}

void BrownianTree::value(std::uint64_t path, double t, Index dim, double* out) const {
  std::vector<double> scratch(static_cast<size_t>(4 * dim));
  value(path, t, dim, out, scratch.data());
}

void BrownianTree::increment(std::uint64_t path, double t0, double t1, Index dim, double* out) const {
  if (!(t1 > t0)) {
    std::fill(out, out + dim, 0.0);
    return;
  }
  std::vector<double> scratch(static_cast<size_t>(5 * dim));
  double* w0 = scratch.data() + 4 * dim;
  value(path, t0, dim, w0, scratch.data());
  value(path, t1, dim, out, scratch.data());
  for (Index i = 0; i < dim; ++i) out[i] -= w0[i];
}

// ---- Poisson tree ----

PoissonTree::PoissonTree(std::uint64_t seed, double horizon, double layer_height, int depth, int rate_depth)
    : seed_(seed), horizon_(horizon), layer_(layer_height), depth_(depth), rate_depth_(rate_depth) {
  require(std::isfinite(horizon) && horizon > 0, "horizon",
          fmt::format("Poisson tree horizon must be finite and > 0, got {}", horizon));
  require(std::isfinite(layer_height) && layer_height > 0, "layer_height",
          fmt::format("Poisson tree layer height must be finite and > 0, got {}", layer_height));
  require(depth >= 1 && depth <= 30, "depth", fmt::format("Poisson tree depth must be in [1, 30], got {}", depth));
  require(rate_depth >= 1 && rate_depth <= 30, "rate_depth",
          fmt::format("Poisson tree rate depth must be in [1, 30], got {}", rate_depth));
}

std::int64_t PoissonTree::layer_points(std::uint64_t path, std::uint32_t coord, std::uint32_t layer, double q) const {
  UniformStream root(seed_, path, layer, static_cast<Stream>(kPoissonRootStream), coord);
  std::int64_t n = static_cast<std::int64_t>(poisson_draw(root, horizon_ * layer_));
  if (q >= 1) return n;
  // Descend the layer's rate axis [0, 1) to the leaf holding q, counting the points below q.
  const auto key = philox_key(seed_);
  std::int64_t below = 0;
  double a = 0.0, h = 1.0;
  std::uint32_t k = 0;
  for (int d = 0; d < rate_depth_ && n > 0; ++d) {
    const auto u = node_uniforms(key, path, (1u << d) + k, layer, kPoissonRateStream, coord);
    const std::int64_t left = binomial_half_quantile(n, u.u1);
    if (q >= a + 0.5 * h) {
      below += left;
      n -= left;
      a += 0.5 * h;
      k = 2 * k + 1;
    } else {
      n = left;
      k = 2 * k;
    }
    h *= 0.5;
  }
  if (n == 0) return below;
  const auto u = node_uniforms(key, path, (1u << rate_depth_) + k, layer, kPoissonRateStream, coord);
  return below + binomial_quantile(n, std::clamp((q - a) / h, 0.0, 1.0), u.u1);
}

std::int64_t PoissonTree::layer_cumulative(std::uint64_t path, std::uint32_t coord, std::uint32_t layer, double x,
                                           std::int64_t m) const {
  if (x >= horizon_ || m == 0) return x >= horizon_ ? m : 0;
  const auto key = philox_key(seed_);
  std::int64_t below = 0;
  double a = 0.0, h = horizon_;
  std::uint32_t k = 0;
  for (int d = 0; d < depth_ && m > 0; ++d) {
    const auto u = node_uniforms(key, path, (1u << d) + k, layer, kPoissonTreeStream, coord);
    const std::int64_t left = binomial_half_quantile(m, u.u1);
    if (x >= a + 0.5 * h) {
      below += left;
      m -= left;
      a += 0.5 * h;
      k = 2 * k + 1;
    } else {
      m = left;
      k = 2 * k;
    }
    h *= 0.5;
  }
  if (m == 0) return below;
  // Leaf: m points at independent uniform positions; those left of x by a monotone inversion.
  const auto u = node_uniforms(key, path, (1u << depth_) + k, layer, kPoissonTreeStream, coord);
  return below + binomial_quantile(m, std::clamp((x - a) / h, 0.0, 1.0), u.u1);
}

std::int64_t PoissonTree::cumulative(std::uint64_t path, Index coord, double x, double rate) const {
  if (!(rate > 0) || !(x > 0)) return 0;
  const double layers = rate / layer_;
  require(layers < 1e6, "rate",
          fmt::format("Poisson tree rate {} needs more than 1e6 layers of height {}: raise the layer height", rate,
                      layer_));
  x = std::min(x, horizon_);
  const auto full = static_cast<std::uint32_t>(std::floor(layers));
  const double q = layers - full;
  const auto c = static_cast<std::uint32_t>(coord);
  std::int64_t total = 0;
  for (std::uint32_t l = 0; l < full; ++l) total += layer_cumulative(path, c, l, x, layer_points(path, c, l, 1.0));
  if (q > 0) total += layer_cumulative(path, c, full, x, layer_points(path, c, full, q));
  return total;
}

// ---- NoiseSource ----

TreeNoise::TreeNoise(std::uint64_t seed, SchedulePtr schedule, TreeNoiseOptions options)
    : schedule_(std::move(schedule)),
      id_(next_noise_id++),
      brownian_(seed, options.brownian_depth),
      poisson_(seed, schedule_ ? schedule_->F(1.0) : 0.0, options.poisson_layer, options.poisson_depth) {}

void TreeNoise::normals(const StepInfo& step, Index path0, Batch& out) const {
  const Index dim = out.rows(), n = out.cols();
  const double dt = step.t1 - step.t0;
  if (!(dt > 0)) {
    out.setZero();
    return;
  }
  BrownianCache& cache = brownian_cache;
  const bool hit = cache.owner == id_ && cache.path0 == path0 && cache.n == n && cache.dim == dim &&
                   cache.t == step.t0;
  std::vector<double> scratch(static_cast<size_t>(4 * dim)), w1(static_cast<size_t>(dim * n));
  if (!hit) {
    cache.w.resize(static_cast<size_t>(dim * n));
    for (Index j = 0; j < n; ++j)
      brownian_.value(static_cast<std::uint64_t>(path0 + j), step.t0, dim, cache.w.data() + j * dim, scratch.data());
  }
  const double scale = 1.0 / std::sqrt(dt);
  for (Index j = 0; j < n; ++j) {
    double* w = w1.data() + j * dim;
    brownian_.value(static_cast<std::uint64_t>(path0 + j), step.t1, dim, w, scratch.data());
    const double* w0 = cache.w.data() + j * dim;
    for (Index i = 0; i < dim; ++i) out(i, j) = (w[i] - w0[i]) * scale;
  }
  cache.owner = id_;
  cache.path0 = path0;
  cache.n = n;
  cache.dim = dim;
  cache.t = step.t1;
  cache.w.swap(w1);
}

double TreeNoise::poisson(const StepInfo& step, Index path, Index coord, double mean) const {
  const double F0 = schedule_->F(step.t0), F1 = schedule_->F(step.t1);
  if (!(mean > 0) || !(F1 > F0)) return 0.0;
  return static_cast<double>(poisson_.count(static_cast<std::uint64_t>(path), coord, F0, F1, mean / (F1 - F0)));
}

}  // namespace pmm
