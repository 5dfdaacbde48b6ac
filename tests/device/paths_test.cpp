// The device path kernels built for Thrust's CPP system (the same source nvcc builds for CUDA) against the CPU
// core, seed for seed, for every registered SDE (process, solver) pair: given x and with a finite-set oracle,
// with trajectories and the final denoise. Normals differ by libmvec vs libm rounding only (~1e-16), so states
// agree within 1e-12; Poisson and Gamma draws read the same uniforms, so jump counts are identical (checked
// through mu, which is (beta1 + N)/(beta2 + F): a count off by one moves mu by 1/(beta2 + F) >> 1e-12).
// The fixed-step probability-flow ODE (dmu/dt = (f/2)[(g - 2 mu)/(b + F) + mu/F], ode-rk4 and ode-heun) likewise
// against probability_flow(): deterministic after its first exact step, so within 1e-12 as well. The float32 Normal
// SDE kernels (--precision f32) against the float64 ones within 1e-4.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include <pmm/device/device.hpp>
#include <pmm/models/oracles/oracle.hpp>
#include <pmm/processes/schedule.hpp>
#include <pmm/random/noise.hpp>
#include <pmm/solvers/registry.hpp>

namespace {

using pmm::Batch;
using pmm::Index;

std::vector<double> grid(int n) {
  std::vector<double> g(n + 1);
  for (int i = 0; i <= n; ++i) g[i] = static_cast<double>(i) / n;
  g[n] = 1.0;
  return g;
}

pmm::AnyProcess make(const std::string& name) {
  const auto sc = pmm::exponential_schedule();
  if (name == "normal") {
    pmm::NormalProcess p;
    p.schedule = sc;
    return p;
  }
  if (name == "gamma-poisson") {
    pmm::GammaPoissonProcess p;
    p.schedule = sc;
    return p;
  }
  pmm::InverseGammaGammaProcess p;
  p.schedule = sc;
  return p;
}

// Atoms with a zero coordinate for Gamma-Poisson, so the oracle's exclusion rule is exercised too.
Batch atoms(const std::string& process) {
  Batch pts(2, 3);
  if (process == "normal")
    pts << -1.0, 0.5, 2.0, 0.3, -0.7, 1.1;
  else if (process == "gamma-poisson")
    pts << 0.0, 2.0, 5.0, 1.5, 0.0, 3.0;
  else  // inverse-gamma-gamma: Gamma scales > 0
    pts << 0.5, 2.0, 5.0, 1.5, 0.7, 3.0;
  return pts;
}

double max_diff(const Batch& a, const Batch& b) { return (a - b).abs().maxCoeff(); }

// The systems to compare with the CPU: the two CPU builds of the kernels, and cuda where a GPU is present.
std::vector<std::string> device_systems() {
  std::vector<std::string> systems = {"thrust-cpp", "thrust-omp"};
  std::string why;
  if (pmm::cuda_available(&why))
    systems.push_back("cuda");
  else
    MESSAGE("SKIPPED the cuda system: " << why);
  return systems;
}

// One predictor for both back ends: g = x given (path j takes atom j mod 3, or x = 0), or the finite-set oracle of
// the atoms with weights w.
enum class Given { kOracle, kAtoms, kZero };
struct Predictors {
  pmm::DevicePredictor device;
  std::shared_ptr<const pmm::Predictor> cpu;
};
Predictors predictors(const pmm::AnyProcess& process, const Batch& pts, const Eigen::VectorXd& w, Index paths,
                      Given given) {
  Predictors out;
  if (given == Given::kOracle) {
    out.device.kind = pmm::DevicePredictor::Kind::kFiniteSet;
    out.device.points = pts;
    out.device.weights = w;
    out.cpu = std::visit([&](const auto& p) -> std::shared_ptr<const pmm::Predictor> {
      return pmm::finite_set_oracle(p, pts, w);
    }, process);
    return out;
  }
  Batch x = Batch::Zero(pts.rows(), paths);
  if (given == Given::kAtoms)
    for (Index j = 0; j < paths; ++j) x.col(j) = pts.col(j % pts.cols());
  out.device.kind = pmm::DevicePredictor::Kind::kGivenX;
  out.device.x = x;
  out.cpu = std::make_shared<pmm::GivenX>(x);
  return out;
}

}  // namespace

TEST_CASE("device (thrust-cpp, thrust-omp): every SDE pair equals the CPU core seed for seed") {
  REQUIRE(pmm::thrust_available());
  // cuda in the GPU run (tests/gpu/run.sh): FMA contraction on the device, still < 1e-12
  for (const std::string& system : device_systems()) {
  const pmm::DeviceSpec dev = pmm::parse_device(system);
  const Index paths = 101;  // odd: the last path's normal is the cosine half of an unfinished pair
  for (const auto& e : pmm::solver_registry()) {
    if (e.family != pmm::SolverFamily::kSde) continue;
    const pmm::AnyProcess process = make(e.process);
    for (const bool given : {true, false}) {
      CAPTURE(system);
      CAPTURE(e.process);
      CAPTURE(e.solver);
      CAPTURE(given);
      const Batch pts = atoms(e.process);
      Eigen::VectorXd w(3);
      w << 0.2, 0.5, 0.3;
      pmm::IntegrateOptions opt;
      opt.grid = grid(40);
      opt.save_every = 7;
      opt.threads = 2;
      opt.chunk = 16;  // chunked on the CPU, whole batch on the device
      opt.denoise = !given;
      const Predictors pred = predictors(process, pts, w, paths, given ? Given::kAtoms : Given::kOracle);
      const auto cpu = pmm::solve(process, e.solver, *pred.cpu, pmm::PhiloxNoise(11), paths, opt);
      const auto gpu = pmm::device_solve(process, e.solver, pred.device, 11, paths, opt, dev);
      CHECK(gpu.nfe_max == cpu.nfe_max);
      CHECK(max_diff(gpu.final, cpu.final) < 1e-12);
      REQUIRE(gpu.trajectory.size() == cpu.trajectory.size());
      double worst = 0;
      for (size_t i = 0; i < cpu.trajectory.size(); ++i)
        worst = std::max(worst, std::abs(cpu.trajectory[i] - gpu.trajectory[i]));
      CHECK(worst < 1e-12);
      CHECK(gpu.save_times == cpu.save_times);
    }
  }
  }
}

TEST_CASE("device (thrust-cpp, thrust-omp): the fixed-step probability-flow ODE equals probability_flow() seed for seed") {
  // A wrong first-step draw would move the final state by about sqrt(F_start)/(b + F_start) ~ 0.016 times the flow's
  // growth, far above 1e-12; the x = 0 run below has the draw as its only input, so it checks the draws alone.
  const Index paths = 101;
  const pmm::AnyProcess process = make("normal");
  const Batch pts = atoms("normal");
  Eigen::VectorXd w(3);
  w << 0.2, 0.5, 0.3;
  for (const std::string& system : device_systems()) {
    const pmm::DeviceSpec dev = pmm::parse_device(system);
    for (const std::string solver : {"ode-rk4", "ode-heun"})
      for (const auto clock : {pmm::OdeClock::kTime, pmm::OdeClock::kLogPrecision})
        for (const Given given : {Given::kOracle, Given::kAtoms, Given::kZero}) {
          CAPTURE(system);
          CAPTURE(solver);
          CAPTURE(pmm::ode_clock_name(clock));
          CAPTURE(static_cast<int>(given));
          pmm::IntegrateOptions opt;
          opt.grid = grid(40);
          opt.threads = 2;
          opt.chunk = 16;  // chunked on the CPU, whole batch on the device
          opt.denoise = given == Given::kOracle;
          pmm::ProbabilityFlowOptions flow;
          flow.clock = clock;
          flow.start_precision = 2e-3;
          const Predictors pred = predictors(process, pts, w, paths, given);
          const auto cpu = pmm::solve(process, solver, *pred.cpu, pmm::PhiloxNoise(11), paths, opt, flow);
          const auto gpu = pmm::device_solve(process, solver, pred.device, 11, paths, opt, dev, flow);
          CHECK(gpu.nfe_max == cpu.nfe_max);
          CHECK(gpu.nfe_mean == cpu.nfe_mean);
          CHECK(gpu.t_start == cpu.t_start);
          CHECK(max_diff(gpu.final, cpu.final) < 1e-12);
          CHECK(gpu.trajectory.empty());  // the ODE keeps no trajectory, as on the CPU
          CHECK(gpu.save_times == cpu.save_times);
          CHECK(cpu.final.abs().maxCoeff() > 1e-3);  // not a trivially zero comparison
        }
  }
}

TEST_CASE("device: a run of fewer paths is the whole run's first columns (paths do not depend on the batch)") {
  // The device takes the whole batch at once where the CPU takes chunks; a path's result must depend on the seed
  // and its index alone, so 37 paths give the first 37 columns of 101 bitwise (same system, same kernel).
  const pmm::DeviceSpec dev = pmm::parse_device("thrust-cpp");
  for (const auto& e : pmm::solver_registry()) {
    if (!pmm::device_supports(e.process, e.solver)) continue;
    CAPTURE(e.process);
    CAPTURE(e.solver);
    const pmm::AnyProcess process = make(e.process);
    pmm::DevicePredictor dp;
    dp.kind = pmm::DevicePredictor::Kind::kFiniteSet;
    dp.points = atoms(e.process);
    pmm::IntegrateOptions opt;
    opt.grid = grid(20);
    opt.denoise = true;
    const auto whole = pmm::device_solve(process, e.solver, dp, 5, 101, opt, dev);
    const auto part = pmm::device_solve(process, e.solver, dp, 5, 37, opt, dev);
    CHECK((part.final == whole.final.leftCols(37)).all());
  }
}

TEST_CASE("device (thrust-cpp): a given initial state starts every SDE pair as on the CPU") {
  // opt.initial replaces the law's initial mean; states near it (x 1.1, 1.2 by path) stay valid for every law.
  const pmm::DeviceSpec dev = pmm::parse_device("thrust-cpp");
  const Index paths = 30, dim = 2;
  for (const auto& e : pmm::solver_registry()) {
    if (e.family != pmm::SolverFamily::kSde) continue;
    CAPTURE(e.process);
    CAPTURE(e.solver);
    const pmm::AnyProcess process = make(e.process);
    const double m0 = std::visit([](const auto& p) { return p.law().initial_mean(); }, process);
    Batch initial(dim, paths);
    for (Index j = 0; j < paths; ++j) initial.col(j).setConstant((m0 == 0.0 ? 0.1 : m0) * (1.0 + 0.1 * (j % 3)));
    const Batch pts = atoms(e.process);
    const auto oracle = std::visit([&](const auto& p) { return pmm::finite_set_oracle(p, pts); }, process);
    pmm::DevicePredictor dp;
    dp.kind = pmm::DevicePredictor::Kind::kFiniteSet;
    dp.points = pts;
    pmm::IntegrateOptions opt;
    opt.grid = grid(25);
    opt.initial = &initial;
    const auto cpu = pmm::solve(process, e.solver, *oracle, pmm::PhiloxNoise(7), paths, opt);
    const auto gpu = pmm::device_solve(process, e.solver, dp, 7, paths, opt, dev);
    CHECK(max_diff(gpu.final, cpu.final) < 1e-12);
  }
}

TEST_CASE("device (thrust-cpp, --precision f32): the float32 Normal SDE kernels agree with float64 to float rounding") {
  // Same uniforms, normals rounded to float (~6e-8 relative), coefficients rounded once, the state rounded at every
  // step. Measured over 40 steps (thrust-cpp/omp): given x 3-4e-7; the oracle 2e-6 (EM) to 1.6e-5 (heun), whose
  // float log-likelihoods (b + F) x.mu lose ~6e-8 (b + F) near t = 1. 1e-4 leaves a factor 6 over the worst and is
  // still 1e4 times below the spread of the samples.
  for (const std::string& system : device_systems()) {
    pmm::DeviceSpec f64 = pmm::parse_device(system), f32 = f64;
    f32.precision = pmm::Precision::kF32;
    const pmm::AnyProcess process = make("normal");
    const Index paths = 101;
    for (const std::string solver : {"exact", "euler-maruyama", "heun"})
      for (const bool given : {true, false}) {
        CAPTURE(system);
        CAPTURE(solver);
        CAPTURE(given);
        const pmm::DevicePredictor dp =
            predictors(process, atoms("normal"), {}, paths, given ? Given::kAtoms : Given::kOracle).device;
        pmm::IntegrateOptions opt;
        opt.grid = grid(40);
        opt.save_every = 10;
        opt.denoise = !given;
        const auto a = pmm::device_solve(process, solver, dp, 3, paths, opt, f64);
        const auto b = pmm::device_solve(process, solver, dp, 3, paths, opt, f32);
        CHECK(b.nfe_max == a.nfe_max);
        REQUIRE(b.trajectory.size() == a.trajectory.size());
        double worst = max_diff(a.final, b.final);
        for (size_t i = 0; i < a.trajectory.size(); ++i) worst = std::max(worst, std::abs(a.trajectory[i] - b.trajectory[i]));
        const std::string what = system + " " + solver + (given ? " given x" : " oracle");
        MESSAGE(what << ": f32 vs f64 worst |diff| " << worst);
        CHECK(worst < 1e-4);
        CHECK(worst > 0.0);  // it did run in float
      }
  }
}

TEST_CASE("device: f32 is refused off the Normal SDE, naming precision") {
  pmm::DeviceSpec dev = pmm::parse_device("thrust-cpp");
  dev.precision = pmm::parse_precision("f32");
  CHECK_THROWS_WITH_AS(pmm::parse_precision("f16"), doctest::Contains("precision: unknown precision 'f16'"), pmm::Error);
  pmm::DevicePredictor dp;
  dp.kind = pmm::DevicePredictor::Kind::kFiniteSet;
  pmm::IntegrateOptions opt;
  opt.grid = grid(8);
  dp.points = atoms("gamma-poisson");
  CHECK_THROWS_WITH_AS(pmm::device_solve(make("gamma-poisson"), "tau-leap", dp, 1, 4, opt, dev),
                       doctest::Contains("precision: f32 kernels exist for the normal process's SDE solvers"), pmm::Error);
  dp.points = atoms("normal");
  CHECK_THROWS_WITH_AS(pmm::device_solve(make("normal"), "ode-rk4", dp, 1, 4, opt, dev),
                       doctest::Contains("precision: "), pmm::Error);
}

TEST_CASE("device: every registered pair is on the device except the adaptive ODE and the masked samplers") {
  for (const auto& e : pmm::solver_registry()) {
    CAPTURE(e.process);
    CAPTURE(e.solver);
    const bool expected = e.family == pmm::SolverFamily::kSde || (e.family == pmm::SolverFamily::kOde && e.solver != "ode");
    CHECK(pmm::device_supports(e.process, e.solver) == expected);
  }
  CHECK_FALSE(pmm::device_supports("gamma-poisson", "ode-rk4"));
  CHECK_FALSE(pmm::device_supports("normal", "tau-leap"));
}

TEST_CASE("device: the adaptive ODE, ODE trajectories and the ODE off the normal process are refused by name") {
  const pmm::DeviceSpec dev = pmm::parse_device("thrust-cpp");
  pmm::DevicePredictor dp;
  dp.kind = pmm::DevicePredictor::Kind::kFiniteSet;
  dp.points = atoms("normal");
  pmm::IntegrateOptions opt;
  opt.grid = grid(8);
  auto argument_of = [&](const pmm::AnyProcess& p, const std::string& solver, const pmm::IntegrateOptions& o) {
    try {
      pmm::device_solve(p, solver, dp, 1, 4, o, dev);
    } catch (const pmm::Error& e) {
      return e.argument + ": " + e.detail;
    }
    return std::string("no error");
  };
  CHECK(argument_of(make("normal"), "ode", opt).rfind("solver: 'ode' (adaptive dopri5) runs on the CPU only", 0) == 0);
  CHECK(argument_of(make("gamma-poisson"), "ode-rk4", opt).rfind("solver: ", 0) == 0);
  auto saving = opt;
  saving.save_every = 2;
  CHECK(argument_of(make("normal"), "ode-heun", saving).rfind("save_every: ", 0) == 0);
  pmm::ProbabilityFlowOptions flow;
  flow.start_precision = -1;
  CHECK_THROWS_WITH_AS(pmm::device_solve(make("normal"), "ode-rk4", dp, 1, 4, opt, dev, flow),
                       doctest::Contains("start_precision"), pmm::Error);
}

TEST_CASE("device: the normals of the kernels are the CPU's to rounding, uniforms bitwise") {
  Batch cpu(3, 9);
  pmm::fill_normals(5, pmm::Stream::kNormal, 4, 3, cpu);  // paths 3..11: starts on an odd path
  for (Index j = 0; j < 9; ++j)
    for (Index d = 0; d < 3; ++d)
      CHECK(std::abs(pmm::path_normal(5, 3 + j, 4, static_cast<std::uint32_t>(d)) - cpu(d, j)) < 1e-14);
  std::vector<double> u1(4), u2(4);
  pmm::philox_uniform_pairs(9, 100, 2, 0, (2u << 24) | 1u, 4, u1.data(), u2.data());
  for (int j = 0; j < 4; ++j) {
    pmm::UniformStream u(9, 100 + j, 2, pmm::Stream::kPoisson, 1);
    CHECK(u.next() == u1[j]);
    CHECK(u.next() == u2[j]);
  }
}

TEST_CASE("device: the normal-throughput roofline kernel runs on the CPP system") {
  CHECK(pmm::device_normals_roofline(1, 1000, 10, pmm::parse_device("thrust-cpp")) >= 0.0);
}

TEST_CASE("device: bad requests name the argument; cuda without a GPU says why") {
  CHECK_THROWS_WITH_AS(pmm::parse_device("tpu"), doctest::Contains("device: unknown device 'tpu'"), pmm::Error);
  CHECK_THROWS_AS(pmm::parse_device("cuda:x"), pmm::Error);
  CHECK(pmm::parse_device("cuda:1").index == 1);
  std::string why;
  if (!pmm::cuda_available(&why)) {
    MESSAGE("SKIPPED cuda run: " << why);
    pmm::NormalProcess p;
    p.schedule = pmm::exponential_schedule();
    pmm::DevicePredictor dp;
    dp.x = Batch::Zero(1, 4);
    pmm::IntegrateOptions opt;
    opt.grid = grid(4);
    try {
      pmm::device_solve(p, "euler-maruyama", dp, 1, 4, opt, pmm::parse_device("cuda"));
      FAIL("expected an error");
    } catch (const pmm::Error& e) {
      CHECK(e.argument == "device");
      CHECK(std::string(e.what()).find("cuda is not available") != std::string::npos);
    }
  }
}
