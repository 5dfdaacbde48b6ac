// The plain description of one device run that the host API (device_api.cpp) hands to a path-kernel build
// (paths_cpp.cpp: Thrust CPP system; paths_omp.cpp: OpenMP system; paths_cuda.cu: CUDA). Raw host pointers and integers only, so the CUDA
// translation unit needs neither Eigen nor the predictor classes.
#pragma once
#include <cstdint>

#include <pmm/processes/step_coefficients.hpp>

namespace pmm::device {

enum class ProcessId { kNormal, kGammaPoisson, kInverseGammaGamma };
enum class SolverId { kExact, kEulerMaruyama, kHeun, kTauLeap, kTauLeapMidpoint, kOdeRk4, kOdeHeun };

// The probability-flow ODE at one Runge-Kutta stage (normal process), from flow_coefficients() on the host:
// dmu/ds = scale_g g(mu, F) + scale_mu mu, with F = F(t) the precision the predictor sees.
struct FlowStage {
  double F, scale_g, scale_mu;
};

struct PathJob {
  ProcessId process;
  SolverId solver;
  double p1 = 0, p2 = 0;                // law parameters: normal b; gamma-poisson / inverse-gamma-gamma beta1, beta2
  const StepCoefficients* steps;        // n_steps entries
  int n_steps = 0;
  int dim = 1;
  std::int64_t paths = 0;
  std::uint64_t seed = 0;
  bool finite_set = false;              // predictor: false = given x (x: dim x paths), true = finite-set oracle
  const double* x = nullptr;
  const double* points = nullptr;       // dim x K, column per atom
  const double* log_weights = nullptr;  // K normalised log weights
  int n_points = 0;
  const double* initial = nullptr;      // dim x paths, or nullptr: the law's initial mean
  const int* save_steps = nullptr;      // increasing step numbers at which mu is saved
  int n_saves = 0;
  double* trajectory = nullptr;         // [n_saves, paths, dim]
  bool denoise = false;
  double* out = nullptr;                // dim x paths
  bool f32 = false;                     // normal SDE only: state, scratch and trajectory in float32, float normals
  bool roofline = false;                // benchmark only: draw path_normal for every (path, step), nothing else
  // Probability-flow ODE (kOdeRk4, kOdeHeun; steps unused): n_steps fixed steps of size flow_h in the flow's clock,
  // n_steps x stages entries; the exact first step mu = gain g(0, 0) + scale xi draws xi on (path, step 0);
  // denoise evaluates g at F = flow_F_end.
  const FlowStage* flow = nullptr;
  double flow_h = 0, flow_gain = 0, flow_scale = 0, flow_F_end = 0;
};

// Each returns the predictor evaluations per path.
std::int64_t run_paths_cpp(const PathJob& job);
std::int64_t run_paths_omp(const PathJob& job);
std::int64_t run_paths_cuda(const PathJob& job, int device_index);

}  // namespace pmm::device
