// The device path kernels built for Thrust's CPP system (the same source nvcc builds for CUDA) against the CPU
// core, seed for seed, for every registered SDE (process, solver) pair: given x and with a finite-set oracle,
// with trajectories and the final denoise. Normals differ by libmvec vs libm rounding only (~1e-16), so states
// agree within 1e-12; Poisson and Gamma draws read the same uniforms, so jump counts are identical (checked
// through mu, which is (beta1 + N)/(beta2 + F): a count off by one moves mu by 1/(beta2 + F) >> 1e-12).
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

}  // namespace

TEST_CASE("device (thrust-cpp, thrust-omp): every SDE pair equals the CPU core seed for seed") {
  REQUIRE(pmm::thrust_available());
  std::vector<std::string> systems = {"thrust-cpp", "thrust-omp"};
  std::string why;
  if (pmm::cuda_available(&why))
    systems.push_back("cuda");  // the GPU run (tests/gpu/run.sh): FMA contraction on the device, still < 1e-12
  else
    MESSAGE("SKIPPED the cuda system: " << why);
  for (const std::string& system : systems) {
  const pmm::DeviceSpec dev = pmm::parse_device(system);
  const Index paths = 101, dim = 2;  // odd: the last path's normal is the cosine half of an unfinished pair
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
      pmm::DevicePredictor dp;
      pmm::OraclePtr oracle;
      std::shared_ptr<pmm::Predictor> gx;
      if (given) {
        Batch x(dim, paths);
        for (Index j = 0; j < paths; ++j) x.col(j) = pts.col(j % 3);
        dp.kind = pmm::DevicePredictor::Kind::kGivenX;
        dp.x = x;
        gx = std::make_shared<pmm::GivenX>(x);
      } else {
        dp.kind = pmm::DevicePredictor::Kind::kFiniteSet;
        dp.points = pts;
        dp.weights = w;
        oracle = std::visit([&](const auto& p) { return pmm::finite_set_oracle(p, pts, w); }, process);
      }
      const pmm::Predictor& pred = given ? static_cast<const pmm::Predictor&>(*gx) : *oracle;
      const pmm::PhiloxNoise noise(11);
      const auto cpu = pmm::solve(process, e.solver, pred, noise, paths, opt);
      const auto gpu = pmm::device_solve(process, e.solver, dp, 11, paths, opt, dev);
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
