// Probability-flow ODE of the Normal PMM process (same marginals as the SDE, deterministic):
//   dmu/dt = (f/2) [ (g - 2 mu)/(b + F) + mu/F ],  or in the clock lambda = log F:  dmu/dlambda = (F (g - 2 mu)/(b + F) + mu)/2.
// Singular at F = 0, so it starts at t_start after one exact stochastic step from mu(0) = 0 (Algorithm 1 with
// x := g(0, 0)). Boost.Odeint is used only behind ode_solve() (probability_flow.cpp is the one file including it).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <pmm/models/predictor.hpp>
#include <pmm/processes/normal.hpp>
#include <pmm/solvers/integrate.hpp>
#include <pmm/solvers/solution.hpp>
#include <pmm/random/noise.hpp>

namespace pmm {

enum class OdeMethod {
  kDopri5,  // adaptive Dormand-Prince 5(4), error per step <= atol + rtol |y| in the RMS norm (as scipy's RK45)
  kRk4,     // classical Runge-Kutta, fixed steps, 4 evaluations per step, order 4
  kHeun,    // explicit trapezoidal rule, fixed steps, 2 evaluations per step, order 2
};
std::vector<std::string> ode_methods();  // {"dopri5", "rk4", "heun"}
// Throws pmm::Error naming option for an unknown name.
OdeMethod parse_ode_method(const std::string& name, const std::string& option = "--ode-method");
std::string ode_method_name(OdeMethod method);
// Order of the method's solution error (dopri5: 5).
int ode_method_order(OdeMethod method);

struct OdeSolveOptions {
  OdeMethod method = OdeMethod::kDopri5;
  double rtol = 1e-5, atol = 1e-5;  // dopri5
  int steps = 50;                   // rk4, heun: equal steps in the integration variable
  double first_step = 0;            // dopri5: initial trial step; 0: (s1 - s0)/100
  std::int64_t max_steps = 100000;  // dopri5: accepted + rejected steps before giving up
};

struct OdeSolveResult {
  std::int64_t evaluations = 0;  // calls of rhs
  std::int64_t accepted = 0, rejected = 0;
};

// dy/ds = rhs(s, y): rhs writes dyds (resized to y.size() by the caller).
using OdeRhs = std::function<void(double s, const std::vector<double>& y, std::vector<double>& dyds)>;

// The one door to Boost.Odeint: integrates y from s0 to s1 in place. Checks first (y non-empty and finite, s0 < s1
// finite, rtol/atol > 0 finite, steps >= 1, max_steps >= 1) and throws pmm::Error "ode_solve: <argument>: ...";
// failures of the integration (rhs returning NaN or infinity, step size underflow, too many steps) become
// pmm::Error "ode_solve: ..." naming s where it happened.
OdeSolveResult ode_solve(const OdeRhs& rhs, std::vector<double>& y, double s0, double s1,
                         const OdeSolveOptions& options);

// Which variable the ODE is integrated in; the flow and its fixed points are the same, the step placement is not.
enum class OdeClock {
  kTime,          // t itself, as the equation is written (measured the better default on gmm2d: docs/sweep.md)
  kLogPrecision,  // lambda = log F(t): smooth at small F (mu ~ sqrt(F)), but spends half its range where F < 2
};
std::vector<std::string> ode_clocks();  // {"time", "log-precision"}
OdeClock parse_ode_clock(const std::string& name, const std::string& option = "--ode-clock");
std::string ode_clock_name(OdeClock clock);

struct ProbabilityFlowOptions {
  OdeSolveOptions ode;
  OdeClock clock = OdeClock::kTime;
  // The exact stochastic first step runs over [0, t_start] with F(t_start) = start_precision (relative law error at
  // t_start about start_precision Var(x): freezing x := E[x] drops the c^2 Cov(x) = F^2/(b+F)^2 Cov(x) term).
  double start_precision = 1e-3;
  int threads = 1;
  Index chunk = 256;     // paths per ODE system: adaptive steps are shared by a chunk (RMS error over it)
  bool denoise = false;  // output g(mu(1), 1) (one more evaluation)
  std::function<void(std::int64_t)> progress;  // paths just finished
  // Global index of the first path (as IntegrateOptions::first_path). The adaptive steps are shared within a chunk,
  // so a split job reproduces the one-call result only when each block starts at a multiple of the chunk.
  Index first_path = 0;
};


// Solves t in [0, 1] with F(t) = value by bisection (F nondecreasing, F(0) = 0 < value <= F(1)).
double schedule_time_of_precision(const Schedule& schedule, double value);

// Where the flow starts and ends, from the process and options (validated: throws pmm::Error naming "schedule",
// "b" or "start_precision"): the exact first step covers [0, t_start], F_start = F(t_start); the ODE then runs in its
// clock from s0 to s1 (time: t_start .. 1; log-precision: log F_start .. log F(1)).
struct FlowSpan {
  OdeClock clock = OdeClock::kTime;
  double t_start = 0, F_start = 0;
  double s0 = 0, s1 = 1;
  double lambda0 = 0, lambda1 = 0;  // log F_start, log F(1)
};
FlowSpan flow_span(const NormalProcess& process, const ProbabilityFlowOptions& options);

// The flow's right-hand side at clock value s as dmu/ds = scale_g g(mu, t) + scale_mu mu: time clock
// (f/2)/(b + F) and (f/2)(1/F - 2/(b + F)); log-precision clock F/(2 (b + F)) and 1/2 - F/(b + F). The CPU flow and
// the device kernels (which get these per stage from the host) both use it.
struct FlowCoefficients {
  double t = 0;  // where g is evaluated
  double scale_g = 0, scale_mu = 0;
};
FlowCoefficients flow_coefficients(const NormalProcess& process, const FlowSpan& span, double s);

// Start of fixed step i of `steps` equal steps over [s0, s1] (the last one starts at s1 - h, so it ends at s1).
inline double ode_fixed_step_start(double s0, double s1, int steps, int i) {
  const double h = (s1 - s0) / steps;
  return i + 1 == steps ? s1 - h : s0 + i * h;
}

// Samples paths: mu(t_start) from the exact step with noise.normals over the step [0, t_start] (index 0 of a 1-step
// grid), then the ODE to t = 1. The noise of path j depends on (seed, j) only; results depend on chunk (the adaptive
// step sizes are shared within a chunk) but not on threads. Throws pmm::Error naming the bad option.
// The result (solution.hpp): final, nfe_mean/nfe_max (chunks may differ), rejected dopri5 steps, t_start.
Solution probability_flow(const NormalProcess& process, const Predictor& pred, const NoiseSource& noise, Index paths,
                          const ProbabilityFlowOptions& options);

}  // namespace pmm
