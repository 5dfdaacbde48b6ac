// Exact-law training draws: see exact_law.hpp for the laws. Everything is a pure function of
// (seed, step, sample index) through Philox streams, which is what makes --resume reproduce a run.
#include <pmm/models/torch/exact_law.hpp>

#include <cmath>

#include <fmt/format.h>

#include <pmm/core/error.hpp>
#include <pmm/random/distributions.hpp>
#include <pmm/random/random.hpp>

namespace pmm {
namespace {

constexpr Stream kTimeStream = static_cast<Stream>(static_cast<std::uint32_t>(Stream::kUser) + 4);
constexpr Stream kIndexStream = static_cast<Stream>(static_cast<std::uint32_t>(Stream::kUser) + 5);
constexpr Stream kLawStream = static_cast<Stream>(static_cast<std::uint32_t>(Stream::kUser) + 6);

// Column j of the batch is global sample `sample` of the step: its streams are keyed on that index, so a shard of
// a batch (data-parallel training) draws exactly what the whole batch draws for the same samples.
void fill_column(const LawParams& p, const Batch& x, Index j, std::uint64_t sample, double t, std::uint64_t seed,
                 std::uint32_t step, ExactDraw& d) {
  const double A = p.schedule->F(t);
  const Index dim = x.rows();
  switch (p.process) {
    case TrainProcess::kNormal: {
      const double c = A / (p.b + A), sd = std::sqrt(A) / (p.b + A);
      UniformStream u(seed, sample, step, kLawStream, 0);
      for (Index i = 0; i < dim; ++i) d.mu(i, j) = c * x(i, j) + sd * normal_draw(u);
      break;
    }
    case TrainProcess::kGammaPoisson: {
      for (Index i = 0; i < dim; ++i) {
        UniformStream u(seed, sample, step, kLawStream, static_cast<std::uint32_t>(i));
        d.mu(i, j) = (p.beta1 + poisson_draw(u, x(i, j) * A)) / (p.beta2 + A);
      }
      break;
    }
    case TrainProcess::kInverseGammaGamma: {
      for (Index i = 0; i < dim; ++i) {
        UniformStream u(seed, sample, step, kLawStream, static_cast<std::uint32_t>(i));
        const double Y = A > 0 ? x(i, j) * gamma_draw(u, A) : 0.0;
        d.mu(i, j) = (p.beta2 + Y) / (p.beta1 + A - 1.0);
      }
      break;
    }
    case TrainProcess::kCategorical: {
      const double keep_masked = std::exp(-A), V = static_cast<double>(p.vocab);
      UniformStream u(seed, sample, step, kLawStream, 0);
      for (Index c = 0; c < dim; ++c) {
        const bool masked = u.next() < keep_masked;
        d.masked(c, j) = masked ? 1.0 : 0.0;
        const Index tok = static_cast<Index>(x(c, j));
        for (Index v = 0; v < p.vocab; ++v)
          d.mu(c * p.vocab + v, j) = masked ? 1.0 / V : (v == tok ? 1.0 : 0.0);
      }
      break;
    }
  }
}

void check_x(const LawParams& p, const Batch& x) {
  // Plain tests and a throw, not require(): its message would be formatted for every element of every batch.
  for (Index j = 0; j < x.cols(); ++j)
    for (Index i = 0; i < x.rows(); ++i) {
      const double v = x(i, j);
      switch (p.process) {
        case TrainProcess::kNormal:
          if (!std::isfinite(v))
            throw Error(ErrorKind::kInvalidArgument, "data",
                        fmt::format("values must be finite, got {} (sample {}, coordinate {})", v, j, i));
          break;
        case TrainProcess::kGammaPoisson:
          if (!(std::isfinite(v) && v >= 0))
            throw Error(ErrorKind::kInvalidArgument, "data",
                        fmt::format("gamma-poisson needs x >= 0, got {} (sample {}, coordinate {})", v, j, i));
          break;
        case TrainProcess::kInverseGammaGamma:
          if (!(std::isfinite(v) && v > 0))
            throw Error(ErrorKind::kInvalidArgument, "data",
                        fmt::format("inverse-gamma-gamma needs x > 0, got {} (sample {}, coordinate {})", v, j, i));
          break;
        case TrainProcess::kCategorical:
          if (!(v >= 0 && v < static_cast<double>(p.vocab) && v == std::floor(v)))
            throw Error(ErrorKind::kInvalidArgument, "data",
                        fmt::format("tokens must be integers in [0, {}), got {} (sample {}, position {})", p.vocab,
                                    v, j, i));
          break;
      }
    }
}

ExactDraw allocate(const LawParams& p, const Batch& x) {
  ExactDraw d;
  const Index rows = p.process == TrainProcess::kCategorical ? x.rows() * p.vocab : x.rows();
  d.mu.resize(rows, x.cols());
  if (p.process == TrainProcess::kCategorical) d.masked.setZero(x.rows(), x.cols());
  d.t.resize(static_cast<size_t>(x.cols()));
  d.weight.resize(static_cast<size_t>(x.cols()));
  return d;
}

}  // namespace

TrainProcess parse_train_process(const std::string& name, const std::string& option) {
  if (name == "normal") return TrainProcess::kNormal;
  if (name == "gamma-poisson") return TrainProcess::kGammaPoisson;
  if (name == "inverse-gamma-gamma") return TrainProcess::kInverseGammaGamma;
  if (name == "categorical" || name == "dirichlet-categorical") return TrainProcess::kCategorical;
  throw Error(option + ": unknown process '" + name +
              "' (expected normal, gamma-poisson, inverse-gamma-gamma or categorical)");
}

std::string train_process_name(TrainProcess p) {
  switch (p) {
    case TrainProcess::kNormal: return "normal";
    case TrainProcess::kGammaPoisson: return "gamma-poisson";
    case TrainProcess::kInverseGammaGamma: return "inverse-gamma-gamma";
    case TrainProcess::kCategorical: return "categorical";
  }
  return "?";
}

TimeSampling parse_time_sampling(const std::string& name, const std::string& option) {
  if (name == "uniform") return TimeSampling::kUniform;
  if (name == "log-precision") return TimeSampling::kLogPrecision;
  throw Error(option + ": expected uniform or log-precision, got '" + name + "'");
}

LossWeight parse_loss_weight(const std::string& name, const std::string& option) {
  if (name == "f") return LossWeight::kRate;
  if (name == "F") return LossWeight::kIntegral;
  throw Error(option + ": expected f (continuous-time loss) or F (reweighted loss), got '" + name + "'");
}

double LawParams::kappa() const {
  switch (process) {
    case TrainProcess::kNormal: return b;
    case TrainProcess::kGammaPoisson: return beta2;
    case TrainProcess::kInverseGammaGamma: return beta1 - 1.0;
    case TrainProcess::kCategorical: return 1.0;
  }
  return 1.0;
}

void LawParams::validate() const {
  require(schedule != nullptr, "--schedule", "missing");
  require(schedule->F(1.0) > 0, "--schedule", "F(1) must be > 0");
  switch (process) {
    case TrainProcess::kNormal: require(b > 0 && std::isfinite(b), "--b", fmt::format("must be > 0, got {}", b)); break;
    case TrainProcess::kGammaPoisson:
      require(beta1 > 0, "--beta1", fmt::format("must be > 0, got {}", beta1));
      require(beta2 > 0, "--beta2", fmt::format("must be > 0, got {}", beta2));
      break;
    case TrainProcess::kInverseGammaGamma:
      require(beta1 > 1, "--beta1", fmt::format("inverse-gamma-gamma needs a prior shape > 1 (finite prior mean), got {}", beta1));
      require(beta2 > 0, "--beta2", fmt::format("must be > 0, got {}", beta2));
      break;
    case TrainProcess::kCategorical:
      require(vocab >= 2, "vocab", fmt::format("must be >= 2, got {}", vocab));
      break;
  }
}

double inverse_F(const Schedule& s, double target) {
  double lo = 0, hi = 1;
  if (target <= s.F(0)) return 0;
  if (target >= s.F(1)) return 1;
  for (int i = 0; i < 60; ++i) {
    const double mid = 0.5 * (lo + hi);
    (s.F(mid) < target ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

TimeDraw draw_time(const LawParams& p, TimeSampling sampling, LossWeight weight, double u) {
  const Schedule& s = *p.schedule;
  TimeDraw d;
  if (sampling == TimeSampling::kUniform) {
    d.t = u;
    d.weight = weight == LossWeight::kRate ? s.f(u) : s.F(u);
    return d;
  }
  const double k = p.kappa(), L = std::log1p(s.F(1) / k);
  d.t = inverse_F(s, k * std::expm1(u * L));
  const double F = s.F(d.t), f = s.f(d.t);
  // w/q with q = f / ((k + F) L): for w = f this is (k + F) L.
  d.weight = weight == LossWeight::kRate ? (k + F) * L : (f > 0 ? F * (k + F) * L / f : 0.0);
  return d;
}

ExactDraw draw_exact(const LawParams& p, TimeSampling sampling, LossWeight weight, const Batch& x,
                     std::uint64_t seed, std::uint32_t step, std::uint64_t first_sample) {
  p.validate();
  check_x(p, x);
  ExactDraw d = allocate(p, x);
  for (Index j = 0; j < x.cols(); ++j) {
    const std::uint64_t sample = first_sample + static_cast<std::uint64_t>(j);
    UniformStream u(seed, sample, step, kTimeStream, 0);
    const TimeDraw td = draw_time(p, sampling, weight, u.next());
    d.t[static_cast<size_t>(j)] = td.t;
    d.weight[static_cast<size_t>(j)] = td.weight;
    fill_column(p, x, j, sample, td.t, seed, step, d);
  }
  return d;
}

ExactDraw draw_exact_at(const LawParams& p, const Batch& x, const std::vector<double>& t, std::uint64_t seed,
                        std::uint32_t step) {
  p.validate();
  check_x(p, x);
  require(static_cast<Index>(t.size()) == x.cols(), "t", fmt::format("needs {} times, got {}", x.cols(), t.size()));
  ExactDraw d = allocate(p, x);
  for (Index j = 0; j < x.cols(); ++j) {
    d.t[static_cast<size_t>(j)] = t[static_cast<size_t>(j)];
    d.weight[static_cast<size_t>(j)] = 1.0;
    fill_column(p, x, j, static_cast<std::uint64_t>(j), t[static_cast<size_t>(j)], seed, step, d);
  }
  return d;
}

std::vector<std::int64_t> draw_indices(std::int64_t n, std::int64_t B, std::uint64_t seed, std::uint32_t step,
                                       std::uint64_t first_sample) {
  std::vector<std::int64_t> idx(static_cast<size_t>(B));
  for (std::int64_t j = 0; j < B; ++j) {
    UniformStream u(seed, first_sample + static_cast<std::uint64_t>(j), step, kIndexStream, 0);
    idx[static_cast<size_t>(j)] = std::min<std::int64_t>(n - 1, static_cast<std::int64_t>(u.next() * static_cast<double>(n)));
  }
  return idx;
}

}  // namespace pmm
