// Small pieces shared by the LibTorch files: device parsing with pmm::Error, the first line of an exception
// message, and the EMA update of the trainers: ema <- d ema + (1 - d) param, d = min(decay, (1 + k)/(10 + k)).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

namespace pmm {

// "cpu", "cuda", "cuda:N"; throws pmm::Error naming option for anything else or a CUDA device LibTorch cannot see.
torch::Device parse_torch_device(const std::string& device, const std::string& option = "--device");
std::string first_line(const std::string& s);
// One EMA step after optimizer step k (0-based), with the usual warm-up of the decay.
void update_ema(std::vector<torch::Tensor>& ema, const std::vector<torch::Tensor>& params, double decay, std::int64_t k);

}  // namespace pmm
