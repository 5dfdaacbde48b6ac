// Shared LibTorch helpers (see torch_common.hpp).
#include <pmm/models/torch/torch_common.hpp>

#include <algorithm>
#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <torch/cuda.h>

#include <pmm/core/error.hpp>

namespace pmm {

torch::Device parse_torch_device(const std::string& device, const std::string& option) {
  try {
    torch::Device d(device);
    require(d.is_cpu() || d.is_cuda(), option, "expected cpu or cuda[:N], got '" + device + "'");
    if (d.is_cuda())
      require(torch::cuda::is_available(), option,
              "cuda requested but LibTorch sees no CUDA device (CPU-only build or no GPU)");
    return d;
  } catch (const c10::Error&) {
    throw Error(option + ": expected cpu or cuda[:N], got '" + device + "'");
  }
}

std::string first_line(const std::string& s) {
  const auto p = s.find('\n');
  return p == std::string::npos ? s : s.substr(0, p);
}

void update_ema(std::vector<torch::Tensor>& ema, const std::vector<torch::Tensor>& params, double decay, std::int64_t k) {
  torch::NoGradGuard no_grad;
  const double kd = static_cast<double>(k);
  const double d = std::min(decay, (1.0 + kd) / (10.0 + kd));
  for (size_t i = 0; i < params.size(); ++i) ema[i].mul_(d).add_(params[i].detach(), 1.0 - d);
}

void keep_freed_tensor_memory() {
  static std::once_flag once;
  std::call_once(once, [] {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's largest accepted value (DEFAULT_MMAP_THRESHOLD_MAX, 64-bit)
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
  });
}

}  // namespace pmm
