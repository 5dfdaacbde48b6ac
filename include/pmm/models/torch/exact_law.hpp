// Training draws with no path simulation: t from U(0,1) or importance-sampled with density
// q(t) = f(t) / ((k + F(t)) log(1 + F(1)/k)) ("log-precision"), loss weight w(t)/q(t) with w = f (continuous
// loss) or F (reweighted loss), and mu(t) from its exact law given x (Normal: c x + sqrt(v) eps; Gamma-Poisson:
// (beta1 + Poisson(x F))/(beta2 + F); Inverse-Gamma-Gamma: (beta2 + Gamma(F, scale x))/(beta1 + F - 1);
// Categorical: each position still masked with probability exp(-F)). Draws are keyed on (seed, step, sample).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <pmm/core/batch.hpp>
#include <pmm/processes/schedule.hpp>

namespace pmm {

enum class TrainProcess { kNormal, kGammaPoisson, kInverseGammaGamma, kCategorical };
// "normal", "gamma-poisson", "inverse-gamma-gamma", "categorical"; throws pmm::Error naming option.
TrainProcess parse_train_process(const std::string& name, const std::string& option = "--process");
std::string train_process_name(TrainProcess p);

enum class TimeSampling { kUniform, kLogPrecision };
enum class LossWeight { kRate, kIntegral };  // w(t) = f(t) or F(t)
TimeSampling parse_time_sampling(const std::string& name, const std::string& option = "--time-sampling");
LossWeight parse_loss_weight(const std::string& name, const std::string& option = "--loss-weight");

struct LawParams {
  TrainProcess process = TrainProcess::kNormal;
  double b = 2.0;      // Normal prior precision
  double beta1 = 0.1;  // Gamma-Poisson prior shape; Inverse-Gamma-Gamma prior shape (must be > 1)
  double beta2 = 2.0;  // Gamma-Poisson prior rate; Inverse-Gamma-Gamma prior scale
  SchedulePtr schedule;
  std::int64_t vocab = 0;  // Categorical only
  // Offset k of the precision: b, beta2, beta1 - 1, 1 (Categorical).
  double kappa() const;
  // Throws pmm::Error naming the parameter when out of range.
  void validate() const;
};

// t with F(t) = target, by bisection on [0, 1] (F is nondecreasing).
double inverse_F(const Schedule& s, double target);

struct TimeDraw {
  double t = 0, weight = 0;  // weight = w(t)/q(t), so E[weight * loss(t)] = int_0^1 w(t) loss(t) dt
};
TimeDraw draw_time(const LawParams& p, TimeSampling sampling, LossWeight weight, double u);

// One training batch: x given as dim x B (tokens: L x B token ids stored as doubles), drawn mu (same layout;
// Categorical: (L * V) x B, one-hot or uniform 1/V), times, weights, and masks (Categorical: L x B, 1 = masked).
struct ExactDraw {
  Batch mu;
  std::vector<double> t, weight;
  Batch masked;
};
// Column j uses the Philox stream keyed on (seed, sample = first_sample + j, step); the same integers give the
// same draw, so a data-parallel shard starting at global sample first_sample draws what the whole batch would.
ExactDraw draw_exact(const LawParams& p, TimeSampling sampling, LossWeight weight, const Batch& x,
                     std::uint64_t seed, std::uint32_t step, std::uint64_t first_sample = 0);
// Same, at given times (weights = 1): for tests and held-out sets.
ExactDraw draw_exact_at(const LawParams& p, const Batch& x, const std::vector<double>& t, std::uint64_t seed,
                        std::uint32_t step);

// Uniform indices into a data set of n rows for samples first_sample .. first_sample + B - 1 of a step, each keyed
// on (seed, sample, step).
std::vector<std::int64_t> draw_indices(std::int64_t n, std::int64_t B, std::uint64_t seed, std::uint32_t step,
                                       std::uint64_t first_sample = 0);

}  // namespace pmm
