// Loading a TorchScript predictor g(mu, t) as a pmm::Predictor, from a header free of LibTorch types so that
// apps compiled without <torch/...> can call it (define PMM_HAVE_TORCH decides whether it is linked).
// The module's documented signature: forward(mu: Tensor[B, ...], t: Tensor[B]) -> Tensor[B, ...], float32.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <pmm/models/predictor.hpp>

namespace pmm {

// device: "cpu", "cuda" or "cuda:N". expected_dim: number of coordinates the solver's state has (0: take it
// from the module). The event shape is the module's `event_shape` attribute (List[int]) when it has one,
// otherwise [expected_dim]. A trial forward on a [2, ...] zero batch at t = 0.5 checks the signature and the
// output shape; any failure throws pmm::Error naming the file and what was expected.
PredictorPtr load_torchscript_predictor(const std::string& path, const std::string& device, Index expected_dim);

// What a model file says about the run it was trained for: the module attributes pmm-train writes. A field the
// file does not carry (a module from elsewhere, or from an older pmm-train) is empty, or its has_* flag false.
struct ModelInfo {
  std::string process;          // normal | gamma-poisson | inverse-gamma-gamma | categorical
  std::string schedule;         // a core schedule spec, e.g. "exponential:a=0.052,k=13"
  std::string parametrisation;  // x | eps | edm: what the network learnt (its forward always returns x)
  bool has_prior = false;       // b (normal), beta1, beta2 (gamma-poisson, inverse-gamma-gamma)
  double b = 0, beta1 = 0, beta2 = 0;
  std::vector<std::int64_t> event_shape;
  bool has_range = false;  // the training data's smallest and largest value
  double data_min = 0, data_max = 0;
};

// Reads a TorchScript file's attributes (no forward is run). Throws pmm::Error naming option and the file when it
// is not a loadable module.
ModelInfo read_model_info(const std::string& path, const std::string& option = "--model");
// "process=gamma-poisson prior=beta1=0.1,beta2=2 schedule=... param=x event_shape=[2] data range [-3.1, 4.2]",
// the fields the file carries.
std::string describe_model_info(const ModelInfo& info);

// LibTorch intra-op threads (torch::set_num_threads), for apps that do not include LibTorch headers.
void set_torch_threads(int threads);

// "warning: ..." when OpenBLAS runs kernels older than this CPU, naming the OPENBLAS_CORETYPE to start with; empty
// otherwise, with another BLAS, or when OPENBLAS_CORETYPE is set. An OpenBLAS that predates the CPU model falls back
// to its oldest x86-64 kernels: Debian 12's 0.3.21 runs Prescott's (SSE3) on an Emerald Rapids Xeon, where the
// network's matrix products then take ~3.5x as long (docs/benchmarks.md). OpenBLAS picks its kernels when it loads,
// before main, so only the environment of the next start can change them.
std::string blas_kernel_warning();
// The decision: the OpenBLAS core type to advise (SkylakeX with AVX-512F, else Haswell) when core, OpenBLAS's
// openblas_get_corename() (any case), names kernels without AVX2 while the CPU has AVX2; "" otherwise.
std::string blas_core_advice(const std::string& core, bool avx2, bool avx512f);
// Prints "<app>: <blas_kernel_warning()>" to stderr, once a process, where the network ran on the CPU (device
// "cpu") and there is a warning. Apps call it at the end of a run that succeeded (rank 0's under MPI), so that an
// error message stays the one line on stderr.
void warn_slow_blas(const std::string& app, const std::string& device);

}  // namespace pmm
