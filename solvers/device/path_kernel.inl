// Path kernels, one source for every Thrust system: thrust::for_each over path indices with a functor that walks
// its path through the whole grid in registers and global scratch, calling the process traits (processes/*.hpp)
// and the solvers' per-element updates (solvers/*.hpp) -- the same functions the CPU steppers call -- and drawing
// from the same counter streams (random/). Included by paths_cpp.cpp (g++, THRUST_DEVICE_SYSTEM_CPP) and
// paths_cuda.cu (nvcc), each inside its own namespace, with PMM_RUN_PATHS naming the entry point.
#include <thrust/device_vector.h>
#include <thrust/execution_policy.h>
#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>
#ifdef THRUST_CUB_WRAPPED_NAMESPACE
namespace thrust = THRUST_NS_QUALIFIER;  // the build's own Thrust (paths_cpp.cpp says why)
#endif

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <pmm/models/oracles/softmax_cutoff.hpp>
#include <pmm/processes/gamma_poisson.hpp>
#include <pmm/processes/inverse_gamma_gamma.hpp>
#include <pmm/processes/normal.hpp>
#include <pmm/random/distributions.hpp>
#include <pmm/solvers/euler_maruyama.hpp>
#include <pmm/solvers/exact_step.hpp>
#include <pmm/solvers/heun.hpp>
#include <pmm/solvers/tau_leap.hpp>

#include "path_job.hpp"

namespace pmm::device {
namespace {

// g(mu, t) = x_path. T: the state's number type (double, or float in the float32 kernels).
struct GivenXPredictor {
  const double* x;
  template <class Law, class T>
  PMM_HD void operator()(const Law&, std::int64_t path, int dim, const T*, double, T* g) const {
    for (int d = 0; d < dim; ++d) g[d] = T(x[path * dim + d]);
  }
};

// Finite-set oracle: g = sum_i r_i x_i, r = softmax(log w_i + loglik_i(mu, F)) as models/oracles/finite_set.cpp
// (Normal: (b + F) x_i . mu - F |x_i|^2 / 2; Gamma-Poisson: sum_d N_d log x_id - F x_id with N = mu (beta2 + F) -
// beta1, atoms with x_id = 0 excluded when N_d >= 1/2 unless every atom is; Inverse-Gamma-Gamma: -sum_d Y_d / x_id +
// F log x_id with Y = max(mu (beta1 + F - 1) - beta2, 0), models/oracles/inverse_gamma_finite_set.cpp). Two passes:
// max, then weighted sums, in the state's number type T (the float32 kernels: Normal only).
struct FiniteSetPredictor {
  const double* points;
  const double* log_w;
  int K;

  template <class T>
  PMM_HD T loglik(const NormalLaw& law, const T* mu, double F, int dim, int i, bool*) const {
    T dot = 0, sq = 0;
    for (int d = 0; d < dim; ++d) {
      const T xi = T(points[i * dim + d]);
      dot += xi * mu[d];
      sq += xi * xi;
    }
    return T(law.b + F) * dot - T(0.5 * F) * sq;
  }
  PMM_HD double loglik(const GammaPoissonLaw& law, const double* mu, double F, int dim, int i, bool* excluded) const {
    double s = 0;
    *excluded = false;
    for (int d = 0; d < dim; ++d) {
      double N = mu[d] * (law.beta2 + F) - law.beta1;
      N = (N < 1e-9 && N > -1e-9) ? 0.0 : (N > 0.0 ? N : 0.0);
      const double xi = points[i * dim + d];
      if (xi == 0.0 && N >= 0.5) *excluded = true;
      s += N * std::log(xi > 1e-300 ? xi : 1e-300) - F * xi;
    }
    return s;
  }
  PMM_HD double loglik(const InverseGammaGammaLaw& law, const double* mu, double F, int dim, int i, bool* excluded) const {
    double s = 0;
    *excluded = false;
    for (int d = 0; d < dim; ++d) {
      const double Y = mu[d] * law.denominator(F) - law.beta2;
      const double xi = points[i * dim + d];
      s += -(Y > 0.0 ? Y : 0.0) / xi - F * std::log(xi);
    }
    return s;
  }
  template <class Law, class T>
  PMM_HD void operator()(const Law& law, std::int64_t, int dim, const T* mu, double F, T* g) const {
    // An excluded atom is dropped only when some atom survives (as the CPU oracle does).
    bool any_kept = false;
    for (int i = 0; i < K && !any_kept; ++i) {
      bool ex = false;
      loglik(law, mu, F, dim, i, &ex);
      any_kept = !ex;
    }
    T best = -INFINITY;
    for (int i = 0; i < K; ++i) {
      bool ex = false;
      const T l = T(log_w[i]) + loglik(law, mu, F, dim, i, &ex);
      if (!(ex && any_kept) && l > best) best = l;
    }
    for (int d = 0; d < dim; ++d) g[d] = 0;
    T total = 0;
    for (int i = 0; i < K; ++i) {
      bool ex = false;
      const T l = T(log_w[i]) + loglik(law, mu, F, dim, i, &ex);
      if (ex && any_kept) continue;
      const T r = std::exp(l - best);
      if (r < T(kNegligibleWeight)) continue;  // as softmax_columns (softmax_cutoff.hpp)
      total += r;
      for (int d = 0; d < dim; ++d) g[d] += r * T(points[i * dim + d]);
    }
    for (int d = 0; d < dim; ++d) g[d] /= total;
  }
};

// Real: the state's number type, double, or float for the float32 kernels (--precision f32, Normal SDE only:
// state, scratch and trajectory stored and stepped in float, normals from path_normal_f32).
template <class Law, class Solver, class Pred, class Real = double>
struct PathFunctor {
  Law law;
  Pred pred;
  const StepCoefficients* steps;
  int n_steps, dim;
  std::int64_t paths;
  std::uint64_t seed;
  const double* initial;
  const int* save_steps;
  int n_saves;
  Real* trajectory;
  bool denoise;
  Real* mu_all;   // dim x paths: the state, then the output
  Real* scratch;  // 3 dim x paths: g, g2, tmp

  PMM_HD Real normal(std::int64_t p, std::uint32_t step, int d) const {
    if constexpr (std::is_same_v<Real, float>)
      return path_normal_f32(seed, p, step, static_cast<std::uint32_t>(d));
    else
      return path_normal(seed, p, step, static_cast<std::uint32_t>(d));
  }

  PMM_HD void save(int s, int& next, std::int64_t p, const Real* mu) const {
    if (next < n_saves && save_steps[next] == s) {
      Real* dst = trajectory + (static_cast<std::int64_t>(next) * paths + p) * dim;
      for (int d = 0; d < dim; ++d) dst[d] = mu[d];
      ++next;
    }
  }

  PMM_HD void operator()(std::int64_t p) const {
    Real* mu = mu_all + p * dim;
    Real* g = scratch + p * dim;
    Real* g2 = scratch + (paths + p) * dim;
    Real* tmp = scratch + (2 * paths + p) * dim;
    for (int d = 0; d < dim; ++d) mu[d] = Real(initial ? initial[p * dim + d] : law.initial_mean());
    int next = 0;
    save(0, next, p, mu);
    for (int s = 0; s < n_steps; ++s) {
      const StepCoefficients c = steps[s];
      const auto step = static_cast<std::uint32_t>(s);
      pred(law, p, dim, mu, c.F0, g);
      if constexpr (std::is_same_v<Solver, EulerMaruyama>) {
        const auto k = EulerMaruyama::prepare(law, c);
        for (int d = 0; d < dim; ++d)
          mu[d] = EulerMaruyama::apply(law, k, mu[d], g[d], normal(p, step, d));
      } else if constexpr (std::is_same_v<Solver, Heun>) {
        const auto k = Heun::prepare(law, c);
        for (int d = 0; d < dim; ++d) tmp[d] = Heun::predict(law, k, mu[d], g[d], normal(p, step, d));
        pred(law, p, dim, tmp, c.F1, g2);
        for (int d = 0; d < dim; ++d) mu[d] = Heun::correct(law, k, mu[d], tmp[d], g[d], g2[d], normal(p, step, d));
      } else if constexpr (std::is_same_v<Solver, ExactStep>) {
        const double alpha = c.F1 - c.F0;
        if constexpr (Law::kNoise == NoiseKind::kGaussian) {
          const auto tr = law.transition(c.F0, c.F1);
          for (int d = 0; d < dim; ++d) mu[d] = ExactStep::apply_gaussian(law, tr, mu[d], g[d], normal(p, step, d));
        } else if constexpr (Law::kNoise == NoiseKind::kPoisson) {
          for (int d = 0; d < dim; ++d) {
            UniformStream u(seed, p, step, Stream::kPoisson, d);
            mu[d] = ExactStep::apply_observation(law, c, mu[d], poisson_draw(u, law.jump_mean(g[d], alpha)));
          }
        } else {
          for (int d = 0; d < dim; ++d) {
            UniformStream u(seed, p, step, Stream::kGamma, d);
            mu[d] = ExactStep::apply_observation(law, c, mu[d], law.observation(g[d], gamma_draw(u, alpha)));
          }
        }
      } else {
        // Tau-leaping (plain or midpoint): Poisson counts on the kPoisson stream, mu rebuilt from the count.
        const double* rate = g;
        if constexpr (std::is_same_v<Solver, TauLeapMidpoint>) {
          for (int d = 0; d < dim; ++d) {
            UniformStream half(seed, p, step | kHalfStepFlag, Stream::kPoisson, d);
            const double K = poisson_draw(half, law.jump_mean(g[d], c.Fh - c.F0));
            tmp[d] = TauLeapMidpoint::midpoint_state(law, c, mu[d], K);
          }
          pred(law, p, dim, tmp, c.Fh, g2);
          rate = g2;
        }
        for (int d = 0; d < dim; ++d) {
          UniformStream u(seed, p, step, Stream::kPoisson, d);
          const double count = poisson_draw(u, law.jump_mean(rate[d], c.F1 - c.F0));
          mu[d] = detail::leap_apply(law, c.F0, c.F1, mu[d], count);
        }
      }
      save(s + 1, next, p, mu);
    }
    if (denoise) {
      pred(law, p, dim, mu, steps[n_steps - 1].F1, g);
      for (int d = 0; d < dim; ++d) mu[d] = g[d];
    }
  }
};

// Probability-flow ODE of the Normal process (probability_flow.hpp), one path per call: mu = gain g(0, 0) + scale xi
// (the exact step over [0, t_start]), then fixed explicit Runge-Kutta steps of dmu/ds = scale_g g + scale_mu mu as
// Boost.Odeint takes them for the CPU: k_i = rhs(s + c_i h, mu + h a_i k_{i-1}), mu <- mu + sum_i (h b_i) k_i.
// Both tableaux have a single nonzero a per stage: Heun c = (0, 1), a = (1), b = (1/2, 1/2); RK4 c = (0, 1/2, 1/2, 1),
// a = (1/2, 1/2, 1), b = (1/6, 1/3, 1/3, 1/6). The stages' (F, scale_g, scale_mu) come from the host per step.
template <int kStages, class Pred>
struct FlowFunctor {
  NormalLaw law;
  Pred pred;
  const FlowStage* stages;  // n_steps x kStages
  int n_steps, dim;
  std::int64_t paths;
  std::uint64_t seed;
  double h, gain, scale, F_end;
  bool denoise;
  double* mu_all;   // dim x paths: the state, then the output
  double* scratch;  // 3 dim x paths: stage input, stage slope, sum

  PMM_HD void operator()(std::int64_t p) const {
    double* mu = mu_all + p * dim;
    double* y = scratch + p * dim;
    double* k = scratch + (paths + p) * dim;
    double* acc = scratch + (2 * paths + p) * dim;
    const double a[3] = {kStages == 4 ? 0.5 : 1.0, 0.5, 1.0};
    const double b[4] = {kStages == 4 ? 1.0 / 6 : 0.5, kStages == 4 ? 1.0 / 3 : 0.5, 1.0 / 3, 1.0 / 6};
    for (int d = 0; d < dim; ++d) y[d] = 0.0;
    pred(law, p, dim, y, 0.0, k);
    for (int d = 0; d < dim; ++d) mu[d] = gain * k[d] + scale * path_normal(seed, p, 0, d);
    for (int s = 0; s < n_steps; ++s) {
      for (int i = 0; i < kStages; ++i) {
        const FlowStage c = stages[s * kStages + i];
        if (i == 0)
          for (int d = 0; d < dim; ++d) y[d] = mu[d];
        else
          for (int d = 0; d < dim; ++d) y[d] = mu[d] + (h * a[i - 1]) * k[d];
        pred(law, p, dim, y, c.F, k);
        for (int d = 0; d < dim; ++d) {
          k[d] = c.scale_g * k[d] + c.scale_mu * y[d];
          acc[d] = (i == 0 ? mu[d] : acc[d]) + (h * b[i]) * k[d];
        }
      }
      for (int d = 0; d < dim; ++d) mu[d] = acc[d];
    }
    if (denoise) {
      pred(law, p, dim, mu, F_end, k);
      for (int d = 0; d < dim; ++d) mu[d] = k[d];
    }
  }
};

// The roofline of a Normal SDE step: one counter-based normal per path-step and nothing else (summed so the
// compiler cannot drop the draws).
struct NormalsFunctor {
  std::uint64_t seed;
  int n_steps;
  double* out;
  PMM_HD void operator()(std::int64_t p) const {
    double acc = 0;
    for (int s = 0; s < n_steps; ++s) acc += path_normal(seed, p, static_cast<std::uint32_t>(s), 0);
    out[p] = acc;
  }
};

template <class T>
thrust::device_vector<T> to_device(const T* src, std::size_t n) {
  return src ? thrust::device_vector<T>(src, src + n) : thrust::device_vector<T>();
}
template <class T>
const T* raw_or_null(const thrust::device_vector<T>& v) {
  return v.empty() ? nullptr : thrust::raw_pointer_cast(v.data());
}

// The predictor's data in device memory, and the predictor pointing at it.
template <class Pred>
struct PredictorOnDevice {
  thrust::device_vector<double> x, points, log_w;
  Pred pred;
  PredictorOnDevice(const PathJob& job, const Pred& host) : pred(host) {
    if constexpr (std::is_same_v<Pred, GivenXPredictor>) {
      x = to_device(job.x, static_cast<std::size_t>(job.paths) * job.dim);
      pred.x = raw_or_null(x);
    } else {
      points = to_device(job.points, static_cast<std::size_t>(job.n_points) * job.dim);
      log_w = to_device(job.log_weights, static_cast<std::size_t>(job.n_points));
      pred.points = raw_or_null(points);
      pred.log_w = raw_or_null(log_w);
    }
  }
};

// Device memory of Real to the host's doubles (float32 results widened on the host, after one copy).
template <class Real>
void copy_out(const thrust::device_vector<Real>& from, double* to) {
  if constexpr (std::is_same_v<Real, double>) {
    thrust::copy(from.begin(), from.end(), to);
  } else {
    std::vector<Real> host(from.size());
    thrust::copy(from.begin(), from.end(), host.begin());
    std::copy(host.begin(), host.end(), to);
  }
}

template <class Law, class Solver, class Pred, class Real = double>
std::int64_t launch(const PathJob& job, const Law& law, const Pred& pred_host_ptrs) {
  const std::size_t n = static_cast<std::size_t>(job.paths) * job.dim;
  thrust::device_vector<StepCoefficients> steps(job.steps, job.steps + job.n_steps);
  thrust::device_vector<double> initial = to_device(job.initial, n);
  thrust::device_vector<int> saves = to_device(job.save_steps, static_cast<std::size_t>(job.n_saves));
  thrust::device_vector<Real> traj(static_cast<std::size_t>(job.n_saves) * n);
  thrust::device_vector<Real> mu(n), scratch(3 * n);
  const PredictorOnDevice<Pred> on_device(job, pred_host_ptrs);
  const Pred& pred = on_device.pred;
  PathFunctor<Law, Solver, Pred, Real> f{law, pred, raw_or_null(steps), job.n_steps, job.dim, job.paths, job.seed,
                                   raw_or_null(initial), raw_or_null(saves), job.n_saves,
                                   thrust::raw_pointer_cast(traj.data()), job.denoise,
                                   thrust::raw_pointer_cast(mu.data()), thrust::raw_pointer_cast(scratch.data())};
  thrust::for_each(thrust::device, thrust::counting_iterator<std::int64_t>(0),
                   thrust::counting_iterator<std::int64_t>(job.paths), f);
  copy_out(mu, job.out);  // one copy each from device memory
  if (job.n_saves > 0) copy_out(traj, job.trajectory);
  return static_cast<std::int64_t>(job.n_steps) * Solver::kNfe + (job.denoise ? 1 : 0);
}

template <int kStages, class Pred>
std::int64_t launch_flow(const PathJob& job, const NormalLaw& law, const Pred& pred_host_ptrs) {
  const std::size_t n = static_cast<std::size_t>(job.paths) * job.dim;
  thrust::device_vector<FlowStage> stages(job.flow, job.flow + static_cast<std::size_t>(job.n_steps) * kStages);
  thrust::device_vector<double> mu(n), scratch(3 * n);
  const PredictorOnDevice<Pred> on_device(job, pred_host_ptrs);
  FlowFunctor<kStages, Pred> f{law, on_device.pred, raw_or_null(stages), job.n_steps, job.dim, job.paths, job.seed,
                               job.flow_h, job.flow_gain, job.flow_scale, job.flow_F_end, job.denoise,
                               thrust::raw_pointer_cast(mu.data()), thrust::raw_pointer_cast(scratch.data())};
  thrust::for_each(thrust::device, thrust::counting_iterator<std::int64_t>(0),
                   thrust::counting_iterator<std::int64_t>(job.paths), f);
  thrust::copy(mu.begin(), mu.end(), job.out);
  return 1 + static_cast<std::int64_t>(job.n_steps) * kStages + (job.denoise ? 1 : 0);
}

template <class Law, class Solver, class Real>
std::int64_t with_predictor_as(const PathJob& job, const Law& law) {
  if (job.finite_set) return launch<Law, Solver, FiniteSetPredictor, Real>(job, law, FiniteSetPredictor{nullptr, nullptr, job.n_points});
  return launch<Law, Solver, GivenXPredictor, Real>(job, law, GivenXPredictor{nullptr});
}

// float32 kernels exist for the Normal SDE only (device_solve refuses the rest).
template <class Law, class Solver>
std::int64_t with_predictor(const PathJob& job, const Law& law) {
  if constexpr (std::is_same_v<Law, NormalLaw>)
    if (job.f32) return with_predictor_as<Law, Solver, float>(job, law);
  if (job.f32) return -1;
  return with_predictor_as<Law, Solver, double>(job, law);
}

// The probability-flow ODE exists for the Normal process only.
template <class Law>
std::int64_t with_flow(const PathJob& job, const Law& law) {
  if constexpr (std::is_same_v<Law, NormalLaw>) {
    const bool rk4 = job.solver == SolverId::kOdeRk4;
    if (job.finite_set) {
      const FiniteSetPredictor pred{nullptr, nullptr, job.n_points};
      return rk4 ? launch_flow<4>(job, law, pred) : launch_flow<2>(job, law, pred);
    }
    return rk4 ? launch_flow<4>(job, law, GivenXPredictor{nullptr}) : launch_flow<2>(job, law, GivenXPredictor{nullptr});
  }
  return -1;
}

template <class Law>
std::int64_t with_solver(const PathJob& job, const Law& law) {
  auto run = [&](auto solver) -> std::int64_t {
    using S = decltype(solver);
    if constexpr (S::template fits<Law>()) return with_predictor<Law, S>(job, law);
    return -1;
  };
  switch (job.solver) {
    case SolverId::kExact: return run(ExactStep{});
    case SolverId::kEulerMaruyama: return run(EulerMaruyama{});
    case SolverId::kHeun: return run(Heun{});
    case SolverId::kTauLeap: return run(TauLeap{});
    case SolverId::kTauLeapMidpoint: return run(TauLeapMidpoint{});
    case SolverId::kOdeRk4:
    case SolverId::kOdeHeun: return with_flow(job, law);
  }
  return -1;
}

}  // namespace

std::int64_t PMM_RUN_PATHS(const PathJob& job) {
  if (job.roofline) {
    thrust::device_vector<double> out(static_cast<std::size_t>(job.paths));
    thrust::for_each(thrust::device, thrust::counting_iterator<std::int64_t>(0),
                     thrust::counting_iterator<std::int64_t>(job.paths),
                     NormalsFunctor{job.seed, job.n_steps, thrust::raw_pointer_cast(out.data())});
    thrust::copy(out.begin(), out.begin() + 1, job.out);
    return 0;
  }
  switch (job.process) {
    case ProcessId::kNormal: {
      NormalLaw law;
      law.b = job.p1;
      return with_solver(job, law);
    }
    case ProcessId::kGammaPoisson: {
      GammaPoissonLaw law;
      law.beta1 = job.p1;
      law.beta2 = job.p2;
      return with_solver(job, law);
    }
    case ProcessId::kInverseGammaGamma: {
      InverseGammaGammaLaw law;
      law.beta1 = job.p1;
      law.beta2 = job.p2;
      return with_solver(job, law);
    }
  }
  return -1;
}

}  // namespace pmm::device
