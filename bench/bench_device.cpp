// pmm-bench-device: path kernels on a device (cuda, thrust-omp, thrust-cpp) against the CPU core, and the
// in-kernel Philox-normal throughput (the roofline of a Normal SDE step: one normal per path-step).
// Normal process, exponential schedule, x given (no predictor cost), float64 and float32 kernels (backend
// "<device>-f32": --precision f32). Prints CSV:
//   backend,solver,paths,steps,seconds,path_steps_per_s
// Usage: pmm-bench-device [--device cuda] [--paths 4194304] [--steps 1000] [--repeat 3] [--cpu-paths 65536]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <pmm/device/device.hpp>
#include <pmm/processes/schedule.hpp>
#include <pmm/random/noise.hpp>

namespace {

std::vector<double> uniform(int n) {
  std::vector<double> g(n + 1);
  for (int i = 0; i <= n; ++i) g[i] = static_cast<double>(i) / n;
  return g;
}

}  // namespace

int main(int argc, char** argv) {
  std::string device = "cuda";
  long long paths = 1 << 22, cpu_paths = 1 << 16;
  int steps = 1000, repeat = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--device") device = v;
    else if (k == "--paths") paths = std::atoll(v.c_str());
    else if (k == "--cpu-paths") cpu_paths = std::atoll(v.c_str());
    else if (k == "--steps") steps = std::atoi(v.c_str());
    else if (k == "--repeat") repeat = std::atoi(v.c_str());
    else {
      std::fprintf(stderr, "pmm-bench-device: error: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  try {
    const pmm::DeviceSpec dev = pmm::parse_device(device, "--device");
    pmm::DeviceSpec dev32 = dev;
    dev32.precision = pmm::Precision::kF32;
    pmm::NormalProcess p;
    p.schedule = pmm::exponential_schedule();
    pmm::IntegrateOptions opt;
    opt.grid = uniform(steps);
    opt.threads = 2;
    std::printf("backend,solver,paths,steps,seconds,path_steps_per_s\n");
    for (const std::string solver : {"euler-maruyama", "heun", "exact"}) {
      pmm::DevicePredictor dp;
      dp.x = pmm::Batch::Constant(1, paths, 0.7);
      double best = 1e300;
      for (int r = 0; r < repeat; ++r)
        best = std::min(best, pmm::device_solve(p, solver, dp, 1, paths, opt, dev).seconds);
      std::printf("%s,%s,%lld,%d,%.6f,%.4g\n", device.c_str(), solver.c_str(), paths, steps, best,
                  double(paths) * steps / best);
      double best32 = 1e300;
      for (int r = 0; r < repeat; ++r)
        best32 = std::min(best32, pmm::device_solve(p, solver, dp, 1, paths, opt, dev32).seconds);
      std::printf("%s-f32,%s,%lld,%d,%.6f,%.4g\n", device.c_str(), solver.c_str(), paths, steps, best32,
                  double(paths) * steps / best32);
      // The CPU core on the same problem (fewer paths; throughput is per path-step).
      const pmm::GivenX gx(pmm::Batch::Constant(1, cpu_paths, 0.7));
      const auto r = pmm::solve(p, solver, gx, pmm::PhiloxNoise(1), cpu_paths, opt);
      std::printf("cpu-2-threads,%s,%lld,%d,%.6f,%.4g\n", solver.c_str(), cpu_paths, steps, r.seconds,
                  double(cpu_paths) * steps / r.seconds);
      std::fflush(stdout);
    }
    double best = 1e300;
    for (int r = 0; r < repeat; ++r) best = std::min(best, pmm::device_normals_roofline(1, paths, steps, dev));
    std::printf("%s,philox-normals-roofline,%lld,%d,%.6f,%.4g\n", device.c_str(), paths, steps, best,
                double(paths) * steps / best);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pmm-bench-device: error: %s\n", e.what());
    return 2;
  }
  return 0;
}
