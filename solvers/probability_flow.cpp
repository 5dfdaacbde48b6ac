// Probability-flow ODE dmu/dt = (f/2)[(g - 2 mu)/(b + F) + mu/F] (dmu/dlambda = (F (g - 2 mu)/(b + F) + mu)/2 with
// lambda = log F) from mu(t_start) = F0/(b + F0) g(0, 0) + sqrt(F0)/(b + F0) xi, F0 = F(t_start).
// The only translation unit that includes Boost.Odeint: dopri5 (controlled, RMS error norm), RK4, and Heun as the
// explicit generic RK with tableau c = (0, 1), a21 = 1, b = (1/2, 1/2).
#include <pmm/solvers/probability_flow.hpp>
#include <pmm/solvers/driver.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <mutex>
#include <thread>

#include <boost/array.hpp>
#include <boost/fusion/container/generation/make_vector.hpp>
#include <boost/numeric/odeint.hpp>
#include <fmt/format.h>

#include <pmm/core/parallel.hpp>
#include <pmm/core/error.hpp>

namespace pmm {
namespace {

namespace odeint = boost::numeric::odeint;
using State = std::vector<double>;

// range_algebra whose "infinity norm" is the root mean square: the step-size controller then bounds the RMS of
// err_i / (atol + rtol |y_i|) over the state, so a batch of paths takes the same steps whatever its size.
struct RmsAlgebra : odeint::range_algebra {
  template <class S>
  static double norm_inf(const S& s) {
    double sum = 0;
    std::size_t n = 0;
    for (const auto& v : s) {
      sum += static_cast<double>(v) * static_cast<double>(v);
      ++n;
    }
    return n ? std::sqrt(sum / static_cast<double>(n)) : 0.0;
  }
};

struct NonFinite {
  double s;
};

struct HeunA1 : boost::array<double, 1> {
  HeunA1() { (*this)[0] = 1.0; }
};
struct HeunB : boost::array<double, 2> {
  HeunB() {
    (*this)[0] = 0.5;
    (*this)[1] = 0.5;
  }
};
struct HeunC : boost::array<double, 2> {
  HeunC() {
    (*this)[0] = 0.0;
    (*this)[1] = 1.0;
  }
};
using HeunStepper = odeint::explicit_generic_rk<2, 2, State, double, State, double, odeint::range_algebra>;

template <class Stepper, class System>
void fixed_steps(Stepper& stepper, System& sys, State& y, double s0, double s1, int steps) {
  const double h = (s1 - s0) / steps;
  for (int i = 0; i < steps; ++i) stepper.do_step(sys, y, ode_fixed_step_start(s0, s1, steps, i), h);
}

bool all_finite(const State& y) {
  return std::all_of(y.begin(), y.end(), [](double v) { return std::isfinite(v); });
}

}  // namespace

std::vector<std::string> ode_methods() { return {"dopri5", "rk4", "heun"}; }

OdeMethod parse_ode_method(const std::string& name, const std::string& option) {
  if (name == "dopri5") return OdeMethod::kDopri5;
  if (name == "rk4") return OdeMethod::kRk4;
  if (name == "heun") return OdeMethod::kHeun;
  throw Error(option + ": unknown ODE method '" + name + "' (expected dopri5, rk4 or heun)");
}

std::string ode_method_name(OdeMethod method) {
  switch (method) {
    case OdeMethod::kDopri5: return "dopri5";
    case OdeMethod::kRk4: return "rk4";
    case OdeMethod::kHeun: return "heun";
  }
  return "?";
}

int ode_method_order(OdeMethod method) {
  switch (method) {
    case OdeMethod::kDopri5: return 5;
    case OdeMethod::kRk4: return 4;
    case OdeMethod::kHeun: return 2;
  }
  return 0;
}

std::vector<std::string> ode_clocks() { return {"time", "log-precision"}; }

OdeClock parse_ode_clock(const std::string& name, const std::string& option) {
  if (name == "log-precision") return OdeClock::kLogPrecision;
  if (name == "time") return OdeClock::kTime;
  throw Error(option + ": unknown ODE clock '" + name + "' (expected time or log-precision)");
}

std::string ode_clock_name(OdeClock clock) { return clock == OdeClock::kTime ? "time" : "log-precision"; }

OdeSolveResult ode_solve(const OdeRhs& rhs, std::vector<double>& y, double s0, double s1,
                         const OdeSolveOptions& o) {
  const std::string fn = "ode_solve: ";
  require(static_cast<bool>(rhs), fn + "rhs", "must be callable");
  require(!y.empty(), fn + "y", "must not be empty");
  require(all_finite(y), fn + "y", "must be finite (found NaN or infinity)");
  require(std::isfinite(s0) && std::isfinite(s1), fn + "s0, s1", fmt::format("must be finite, got {}, {}", s0, s1));
  require(s0 < s1, fn + "s1", fmt::format("must be > s0 = {}, got {}", s0, s1));
  if (o.method == OdeMethod::kDopri5) {
    require(std::isfinite(o.rtol) && o.rtol > 0, fn + "rtol", fmt::format("must be finite and > 0, got {}", o.rtol));
    require(std::isfinite(o.atol) && o.atol > 0, fn + "atol", fmt::format("must be finite and > 0, got {}", o.atol));
    require(std::isfinite(o.first_step) && o.first_step >= 0, fn + "first_step",
            fmt::format("must be finite and >= 0, got {}", o.first_step));
    require(o.max_steps >= 1, fn + "max_steps", fmt::format("must be >= 1, got {}", o.max_steps));
  } else {
    require(o.steps >= 1, fn + "steps", fmt::format("must be >= 1, got {}", o.steps));
  }

  OdeSolveResult res;
  auto sys = [&](const State& x, State& dxds, double s) {
    dxds.resize(x.size());
    rhs(s, x, dxds);
    ++res.evaluations;
    if (!all_finite(dxds)) throw NonFinite{s};
  };
  try {
    switch (o.method) {
      case OdeMethod::kRk4: {
        odeint::runge_kutta4<State, double, State, double, odeint::range_algebra> stepper;
        fixed_steps(stepper, sys, y, s0, s1, o.steps);
        res.accepted = o.steps;
        break;
      }
      case OdeMethod::kHeun: {
        HeunStepper stepper(boost::fusion::make_vector(HeunA1()), HeunB(), HeunC());
        fixed_steps(stepper, sys, y, s0, s1, o.steps);
        res.accepted = o.steps;
        break;
      }
      case OdeMethod::kDopri5: {
        using Dopri = odeint::runge_kutta_dopri5<State, double, State, double, RmsAlgebra>;
        using Checker = odeint::default_error_checker<double, RmsAlgebra, odeint::default_operations>;
        odeint::controlled_runge_kutta<Dopri, Checker> stepper(Checker(o.atol, o.rtol));
        double s = s0, dt = o.first_step > 0 ? o.first_step : (s1 - s0) / 100;
        const double span = s1 - s0;
        while (s < s1) {
          const bool last = dt >= s1 - s;
          if (last) dt = s1 - s;
          const double before = s;
          if (stepper.try_step(sys, y, s, dt) == odeint::success) {
            ++res.accepted;
            if (last) s = s1;
          } else {
            ++res.rejected;
          }
          if (res.accepted + res.rejected > o.max_steps)
            throw Error(ErrorKind::kDidNotConverge, fn + "max_steps",
                  fmt::format("{} steps reached at s = {} of [{}, {}] (rtol {}, atol {}): loosen the tolerances or "
                              "raise max_steps",
                              o.max_steps, before, s0, s1, o.rtol, o.atol));
          if (!(dt > 1e-14 * span))
            throw Error(ErrorKind::kDidNotConverge, fn + "step size",
                  fmt::format("underflow at s = {} (step {} in [{}, {}]): the solution is not smooth there", s, dt,
                              s0, s1));
        }
        break;
      }
    }
  } catch (const NonFinite& e) {
    throw Error(fn + fmt::format("rhs returned a non-finite value at s = {} (integrating [{}, {}])", e.s, s0, s1));
  } catch (const odeint::odeint_error& e) {
    throw Error(ErrorKind::kDidNotConverge, "", fn + "Boost.Odeint failed: " + e.what());
  }
  require(all_finite(y), fn + "y", fmt::format("became non-finite while integrating [{}, {}]", s0, s1));
  return res;
}

double schedule_time_of_precision(const Schedule& schedule, double value) {
  const double top = schedule.F(1.0);
  require(std::isfinite(value) && value > 0 && value <= top, "precision",
          fmt::format("must be in (0, F(1) = {}], got {}", top, value));
  if (value >= top) return 1.0;
  double lo = 0, hi = 1;
  for (int it = 0; it < 200 && hi - lo > 0; ++it) {
    const double mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    (schedule.F(mid) < value ? lo : hi) = mid;
  }
  return hi;
}

FlowSpan flow_span(const NormalProcess& process, const ProbabilityFlowOptions& opt) {
  require(static_cast<bool>(process.schedule), "schedule", "the process has no schedule");
  require(process.b > 0 && std::isfinite(process.b), "b", fmt::format("prior precision must be > 0, got {}", process.b));
  const Schedule& sc = *process.schedule;
  const double F1 = sc.F(1.0);
  require(std::isfinite(opt.start_precision) && opt.start_precision > 0 && opt.start_precision < F1,
          "start_precision", fmt::format("must be in (0, F(1) = {}), got {}", F1, opt.start_precision));
  require(sc.F(0.0) == 0.0, "schedule", "F(0) must be 0");
  FlowSpan span;
  span.clock = opt.clock;
  span.t_start = schedule_time_of_precision(sc, opt.start_precision);
  span.F_start = sc.F(span.t_start);
  span.lambda0 = std::log(span.F_start);
  span.lambda1 = std::log(F1);
  const bool log_clock = opt.clock == OdeClock::kLogPrecision;
  span.s0 = log_clock ? span.lambda0 : span.t_start;
  span.s1 = log_clock ? span.lambda1 : 1.0;
  return span;
}

FlowCoefficients flow_coefficients(const NormalProcess& process, const FlowSpan& span, double s) {
  const Schedule& sc = *process.schedule;
  const double b = process.b;
  FlowCoefficients c;
  if (span.clock == OdeClock::kLogPrecision) {
    const double F = std::exp(s);
    c.t = s >= span.lambda1 ? 1.0 : (s <= span.lambda0 ? span.t_start : schedule_time_of_precision(sc, F));
    // (F (g - 2 mu)/(b + F) + mu) / 2
    c.scale_g = 0.5 * F / (b + F);
    c.scale_mu = 0.5 - F / (b + F);
  } else {
    c.t = s;
    const double F = sc.F(s);
    const double f = sc.f(s);
    // (f/2) [(g - 2 mu)/(b + F) + mu/F]
    c.scale_g = 0.5 * f / (b + F);
    c.scale_mu = 0.5 * f * (1.0 / F - 2.0 / (b + F));
  }
  return c;
}

Solution probability_flow(const NormalProcess& process, const Predictor& pred, const NoiseSource& noise, Index paths,
                          const ProbabilityFlowOptions& opt) {
  require(paths >= 1 && paths < (Index(1) << 32), "paths", fmt::format("must be in [1, 2^32), got {}", paths));
  require(opt.threads >= 1, "threads", fmt::format("must be >= 1, got {}", opt.threads));
  require(opt.chunk >= 1, "chunk", fmt::format("must be >= 1, got {}", opt.chunk));
  require(opt.first_path >= 0 && opt.first_path + paths <= (Index(1) << 32), "first_path",
          fmt::format("first_path + paths must lie in [0, 2^32], got {} + {}", opt.first_path, paths));
  const FlowSpan span = flow_span(process, opt);
  const Index dim = pred.dim();
  require(dim >= 1, "predictor", "has dimension 0");
  const double t_start = span.t_start, F_start = span.F_start, s0 = span.s0, s1 = span.s1;

  const ChunkPlan plan = plan_chunks(paths, opt.chunk, opt.threads, pred);
  const Index chunk = plan.chunk, n_chunks = plan.n_chunks;

  Solution res;
  res.paths = paths;
  res.final.resize(dim, paths);
  res.t_start = t_start;
  std::vector<std::int64_t> nfe(static_cast<size_t>(n_chunks), 0), rejected(static_cast<size_t>(n_chunks), 0);
  res.seconds = drive_chunks(paths, plan, [&](Index c, Index p0, Index n) {
    const Index g0 = opt.first_path + p0;  // global index of the chunk's first path: the key of its draws
    Batch mu, g, xi;
    // Exact stochastic first step over [0, t_start] with x := g(0, 0).
    mu.setZero(dim, n);
    g.resize(dim, n);
    xi.resize(dim, n);
    pred.predict(mu, 0.0, g0, g);
    noise.normals(StepInfo{0, 1, 0.0, t_start}, g0, xi);
    const auto tr = process.transition(0.0, F_start);
    mu = tr.gain * g + tr.scale * xi;

    State y(mu.data(), mu.data() + mu.size());
    auto rhs = [&](double s, const State& x, State& dx) {
      const FlowCoefficients k = flow_coefficients(process, span, s);
      std::copy(x.begin(), x.end(), mu.data());
      pred.predict(mu, k.t, g0, g);
      Eigen::Map<Eigen::ArrayXd> d(dx.data(), static_cast<Index>(dx.size()));
      d = k.scale_g * Eigen::Map<const Eigen::ArrayXd>(g.data(), g.size()) +
          k.scale_mu * Eigen::Map<const Eigen::ArrayXd>(mu.data(), mu.size());
    };
    const OdeSolveResult r = ode_solve(rhs, y, s0, s1, opt.ode);
    std::copy(y.begin(), y.end(), mu.data());
    std::int64_t evals = 1 + r.evaluations;
    if (opt.denoise) {
      pred.predict(mu, 1.0, g0, g);
      mu = g;
      ++evals;
    }
    res.final.middleCols(p0, n) = mu;
    nfe[static_cast<size_t>(c)] = evals;
    rejected[static_cast<size_t>(c)] = r.rejected;
    if (opt.progress) opt.progress(n);
  });

  double weighted = 0;
  for (Index c = 0; c < n_chunks; ++c) {
    const Index n = std::min(chunk, paths - c * chunk);
    weighted += static_cast<double>(nfe[static_cast<size_t>(c)]) * static_cast<double>(n);
    res.nfe_max = std::max(res.nfe_max, nfe[static_cast<size_t>(c)]);
    res.rejected += rejected[static_cast<size_t>(c)];
  }
  res.nfe_mean = weighted / static_cast<double>(paths);
  return res;
}

}  // namespace pmm
