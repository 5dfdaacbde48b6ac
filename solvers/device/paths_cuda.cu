// The path kernels built by nvcc for CUDA: the same source as the CPP-system build (path_kernel.inl).
#include <cuda_runtime.h>

#include <string>

#include <pmm/core/error.hpp>

#define PMM_RUN_PATHS run_paths_cuda_impl
#include "path_kernel.inl"

namespace pmm::device {

std::int64_t run_paths_cuda(const PathJob& job, int device_index) {
  const cudaError_t e = cudaSetDevice(device_index);
  if (e != cudaSuccess)
    throw Error(ErrorKind::kInvalidArgument, "device", std::string("cuda:") + std::to_string(device_index) + ": " +
                                                           cudaGetErrorString(e));
  return run_paths_cuda_impl(job);
}

}  // namespace pmm::device
