// device_solve(): validates the request, lays the run out as a PathJob (per-step schedule values computed once on
// the host) and hands it to the CUDA or the CPP-system build of the path kernels.
#include <pmm/device/device.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "path_job.hpp"

#if defined(PMM_HAVE_CUDA)
#include <cuda_runtime_api.h>
#endif

namespace pmm {

DeviceSpec parse_device(const std::string& spec, const std::string& what) {
  if (spec == "cpu") return {DeviceKind::kCpu, 0};
  if (spec == "thrust-cpp") return {DeviceKind::kThrustCpp, 0};
  if (spec == "thrust-omp") return {DeviceKind::kThrustOmp, 0};
  if (spec == "cuda") return {DeviceKind::kCuda, 0};
  if (spec.rfind("cuda:", 0) == 0) {
    const std::string n = spec.substr(5);
    require(!n.empty() && n.size() < 4 && std::all_of(n.begin(), n.end(), ::isdigit), what,
            "expected cuda:N with N a device number, got '" + spec + "'");
    return {DeviceKind::kCuda, std::stoi(n)};
  }
  throw Error(ErrorKind::kInvalidArgument, what, "unknown device '" + spec + "' (expected cpu, cuda, cuda:N, thrust-cpp or thrust-omp)");
}

std::string device_name(const DeviceSpec& d) {
  switch (d.kind) {
    case DeviceKind::kCpu: return "cpu";
    case DeviceKind::kThrustCpp: return "thrust-cpp";
    case DeviceKind::kThrustOmp: return "thrust-omp";
    case DeviceKind::kCuda: return "cuda:" + std::to_string(d.index);
  }
  return "?";
}

Precision parse_precision(const std::string& spec, const std::string& what) {
  if (spec == "f64") return Precision::kF64;
  if (spec == "f32") return Precision::kF32;
  throw Error(ErrorKind::kInvalidArgument, what, "unknown precision '" + spec + "' (expected f64 or f32)");
}

std::string precision_name(Precision p) { return p == Precision::kF32 ? "f32" : "f64"; }

bool thrust_available() {
#if defined(PMM_HAVE_THRUST)
  return true;
#else
  return false;
#endif
}

bool cuda_available(std::string* why) {
#if defined(PMM_HAVE_CUDA)
  int n = 0;
  const cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess || n == 0) {
    if (why) *why = e != cudaSuccess ? cudaGetErrorString(e) : "no CUDA device found";
    return false;
  }
  return true;
#else
  if (why) *why = "pmm was built without CUDA (no nvcc found at configure time, or PMM_WITH_CUDA=OFF)";
  return false;
#endif
}

void require_device(const DeviceSpec& d, const std::string& what) {
  if (d.kind == DeviceKind::kCuda) {
    std::string why;
    const bool ok = cuda_available(&why);  // before the message is built: argument order is unspecified
    require(ok, what, "cuda is not available: " + why);
  } else if (d.kind != DeviceKind::kCpu) {
    require(thrust_available(), what, device_name(d) + " is not available: the Thrust path kernels were not built");
#if !defined(PMM_HAVE_THRUST_OMP)
    require(d.kind != DeviceKind::kThrustOmp, what, "thrust-omp is not available: pmm was built without OpenMP");
#endif
  }
}

namespace device {
#if !defined(PMM_HAVE_THRUST)
std::int64_t run_paths_cpp(const PathJob&) {
  throw Error(ErrorKind::kInvalidArgument, "device", "the Thrust path kernels were not built (Thrust not found)");
}
#endif
#if !defined(PMM_HAVE_THRUST_OMP)
std::int64_t run_paths_omp(const PathJob&) {
  throw Error(ErrorKind::kInvalidArgument, "device", "the OpenMP build of the path kernels was not built (no OpenMP)");
}
#endif
#if !defined(PMM_HAVE_CUDA)
std::int64_t run_paths_cuda(const PathJob&, int) {
  std::string why;
  cuda_available(&why);
  throw Error(ErrorKind::kInvalidArgument, "device", "cuda is not available: " + why);
}
#endif
}  // namespace device

double device_normals_roofline(std::uint64_t seed, Index paths, int steps, const DeviceSpec& dev) {
  require(dev.kind != DeviceKind::kCpu, "device", "needs a device (cuda, thrust-omp or thrust-cpp)");
  require(paths >= 1 && steps >= 1, "paths", "paths and steps must be >= 1");
  device::PathJob job;
  job.roofline = true;
  job.paths = paths;
  job.n_steps = steps;
  job.seed = seed;
  double first = 0;
  job.out = &first;
  require_device(dev);
  const auto start = std::chrono::steady_clock::now();
  if (dev.kind == DeviceKind::kCuda) {
    device::run_paths_cuda(job, dev.index);
  } else if (dev.kind == DeviceKind::kThrustOmp) {
    device::run_paths_omp(job);
  } else {
    device::run_paths_cpp(job);
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

namespace {

// The solvers with a path kernel; the ODE ones for the normal process only.
constexpr std::pair<const char*, device::SolverId> kDeviceSolvers[] = {
    {"exact", device::SolverId::kExact},
    {"euler-maruyama", device::SolverId::kEulerMaruyama},
    {"heun", device::SolverId::kHeun},
    {"tau-leap", device::SolverId::kTauLeap},
    {"tau-leap-midpoint", device::SolverId::kTauLeapMidpoint},
    {"ode-rk4", device::SolverId::kOdeRk4},
    {"ode-heun", device::SolverId::kOdeHeun}};

bool has_kernel(const std::string& solver, device::SolverId* id) {
  for (const auto& [name, sid] : kDeviceSolvers)
    if (solver == name) {
      if (id) *id = sid;
      return true;
    }
  return false;
}

// The stage table of the fixed-step flow: per step, per stage, (F(t), scale_g, scale_mu) at s + c_i h, the stage
// times Boost.Odeint uses on the CPU (Heun c = (0, 1), RK4 c = (0, 1/2, 1/2, 1)).
std::vector<device::FlowStage> flow_stages(const NormalProcess& p, const FlowSpan& span, int n_steps, bool rk4) {
  static const double kC4[] = {0.0, 0.5, 0.5, 1.0}, kC2[] = {0.0, 1.0};
  const double* c = rk4 ? kC4 : kC2;
  const int per = rk4 ? 4 : 2;
  const double h = (span.s1 - span.s0) / n_steps;
  std::vector<device::FlowStage> out;
  out.reserve(static_cast<size_t>(n_steps) * per);
  for (int i = 0; i < n_steps; ++i) {
    const double s = ode_fixed_step_start(span.s0, span.s1, n_steps, i);
    for (int k = 0; k < per; ++k) {
      const FlowCoefficients fc = flow_coefficients(p, span, s + c[k] * h);
      out.push_back({p.schedule->F(fc.t), fc.scale_g, fc.scale_mu});
    }
  }
  return out;
}

}  // namespace

bool device_supports(const std::string& process, const std::string& solver) {
  if (!has_kernel(solver, nullptr)) return false;
  if (is_ode_solver(solver)) return process == "normal";
  for (const auto& e : solver_registry())
    if (e.process == process && e.solver == solver && e.family == SolverFamily::kSde) return true;
  return false;
}

Solution device_solve(const AnyProcess& process, const std::string& solver, const DevicePredictor& pred,
                      std::uint64_t seed, Index paths, const IntegrateOptions& opt, const DeviceSpec& dev,
                      const ProbabilityFlowOptions& flow) {
  require(dev.kind != DeviceKind::kCpu, "device", "device_solve needs a device (cuda or thrust-cpp); use solve() for cpu");
  require_device(dev);
  const std::string pname = process_name(process);
  const bool ode = is_ode_solver(solver);
  if (ode) {
    require(pname == "normal", "solver",
            "'" + solver + "' (the probability-flow ODE) fits the normal process only, not " + pname);
    require(solver != "ode", "solver",
            "'ode' (adaptive dopri5) runs on the CPU only; on the device use ode-rk4 or ode-heun (fixed steps)");
    require(opt.save_every <= 0, "save_every", "the probability-flow ODE keeps no trajectory");
    require(opt.initial == nullptr, "initial", "the probability-flow ODE starts from its own exact first step");
  } else {
    check_solver(pname, solver);
  }
  require(dev.precision == Precision::kF64 || (pname == "normal" && !ode), "precision",
          "f32 kernels exist for the normal process's SDE solvers (exact, euler-maruyama, heun) only, not '" + solver +
              "' on " + pname);
  const Index dim = pred.dim();
  check_request(paths, dim, opt);
  require(opt.first_path == 0, "first_path", "the device path kernels start at path 0 (no path offset yet)");

  device::PathJob job;
  job.f32 = dev.precision == Precision::kF32;
  const Schedule* schedule = nullptr;
  std::visit(
      [&](const auto& p) {
        using P = std::decay_t<decltype(p)>;
        p.check("prior");
        schedule = p.schedule.get();
        if constexpr (std::is_same_v<P, NormalProcess>) {
          job.process = device::ProcessId::kNormal;
          job.p1 = p.b;
        } else if constexpr (std::is_same_v<P, GammaPoissonProcess>) {
          job.process = device::ProcessId::kGammaPoisson;
          job.p1 = p.beta1;
          job.p2 = p.beta2;
        } else {
          job.process = device::ProcessId::kInverseGammaGamma;
          job.p1 = p.beta1;
          job.p2 = p.beta2;
        }
      },
      process);
  require(schedule != nullptr, "schedule", "the process has no schedule");
  require(has_kernel(solver, &job.solver), "solver", "'" + solver + "' has no device kernel");

  const int n_steps = static_cast<int>(opt.grid.size()) - 1;
  Solution res;
  res.paths = paths;
  res.final.resize(dim, paths);
  std::vector<StepCoefficients> steps;
  std::vector<int> saves;
  std::vector<device::FlowStage> stages;
  if (ode) {
    const auto& normal = std::get<NormalProcess>(process);
    const FlowSpan span = flow_span(normal, flow);
    stages = flow_stages(normal, span, n_steps, job.solver == device::SolverId::kOdeRk4);
    const auto tr = normal.transition(0.0, span.F_start);
    job.flow = stages.data();
    job.flow_h = (span.s1 - span.s0) / n_steps;
    job.flow_gain = tr.gain;
    job.flow_scale = tr.scale;
    job.flow_F_end = schedule->F(1.0);
    res.t_start = span.t_start;
  } else {
    steps = grid_coefficients(*schedule, opt.grid);
    saves = save_steps(n_steps, opt.save_every);
    for (int s : saves) res.save_times.push_back(opt.grid[s]);
    res.trajectory.resize(saves.size() * static_cast<size_t>(paths * dim));
  }

  Eigen::VectorXd log_w;
  if (pred.kind == DevicePredictor::Kind::kGivenX) {
    require(pred.x.cols() == paths, "x", fmt::format("has {} columns for {} paths", pred.x.cols(), paths));
    job.x = pred.x.data();
  } else {
    const Index K = pred.points.cols();
    require(K >= 1 && pred.points.allFinite(), "target", "needs at least one finite point");
    if (job.process == device::ProcessId::kGammaPoisson)
      require((pred.points >= 0).all(), "target", "points must be >= 0 (Poisson rates)");
    if (job.process == device::ProcessId::kInverseGammaGamma)
      require((pred.points > 0).all(), "target", "points must be > 0 (Gamma scales)");
    Eigen::VectorXd w = pred.weights.size() ? pred.weights : Eigen::VectorXd::Ones(K);
    require(w.size() == K && (w.array() >= 0).all() && w.sum() > 0, "weights",
            fmt::format("need {} non-negative weights with a positive sum", K));
    log_w = (w / w.sum()).array().log().matrix();
    job.finite_set = true;
    job.points = pred.points.data();
    job.log_weights = log_w.data();
    job.n_points = static_cast<int>(K);
  }
  job.steps = steps.data();
  job.n_steps = n_steps;
  job.dim = static_cast<int>(dim);
  job.paths = paths;
  job.seed = seed;
  job.initial = opt.initial ? opt.initial->data() : nullptr;
  job.save_steps = saves.data();
  job.n_saves = static_cast<int>(saves.size());
  job.trajectory = res.trajectory.data();
  job.denoise = opt.denoise;
  job.out = res.final.data();

  const auto start = std::chrono::steady_clock::now();
  const std::int64_t nfe = dev.kind == DeviceKind::kCuda        ? device::run_paths_cuda(job, dev.index)
                           : dev.kind == DeviceKind::kThrustOmp ? device::run_paths_omp(job)
                                                                : device::run_paths_cpp(job);
  require(nfe >= 0, "device", "'" + solver + "' on the " + pname + " process has no device kernel");
  res.nfe_max = nfe;
  res.nfe_mean = static_cast<double>(nfe);
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return res;
}

}  // namespace pmm
