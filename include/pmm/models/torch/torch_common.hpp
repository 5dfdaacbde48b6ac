// Small pieces shared by the LibTorch files: device parsing with pmm::Error, the first line of an exception
// message, the EMA update of the trainers: ema <- d ema + (1 - d) param, d = min(decay, (1 + k)/(10 + k)), and the
// malloc policy that keeps freed tensor memory in the process.
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
// Process-wide, once (glibc only; elsewhere a no-op): blocks up to 32 MiB come from the heap instead of mmap and
// freed memory stays in the process (mallopt M_MMAP_THRESHOLD 32 MiB, M_TRIM_THRESHOLD 1 GiB). LibTorch's CPU
// allocator is plain malloc: without this every op's output of a large batch is mmapped, page-faulted in (zeroed
// by the kernel) and unmapped again, 60-75% of a network forward's CPU time in perf (docs/benchmarks.md, issue
// 18). The price: the process keeps its peak heap until exit. Called by the CPU predictor and pmm-train's trainer.
void keep_freed_tensor_memory();

}  // namespace pmm
