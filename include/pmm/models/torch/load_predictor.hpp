// Loading a TorchScript predictor g(mu, t) as a pmm::Predictor, from a header free of LibTorch types so that
// apps compiled without <torch/...> can call it (define PMM_HAVE_TORCH decides whether it is linked).
// The module's documented signature: forward(mu: Tensor[B, ...], t: Tensor[B]) -> Tensor[B, ...], float32.
#pragma once
#include <string>

#include <pmm/models/predictor.hpp>

namespace pmm {

// device: "cpu", "cuda" or "cuda:N". expected_dim: number of coordinates the solver's state has (0: take it
// from the module). The event shape is the module's `event_shape` attribute (List[int]) when it has one,
// otherwise [expected_dim]. A trial forward on a [2, ...] zero batch at t = 0.5 checks the signature and the
// output shape; any failure throws pmm::Error naming the file and what was expected.
PredictorPtr load_torchscript_predictor(const std::string& path, const std::string& device, Index expected_dim);

// LibTorch intra-op threads (torch::set_num_threads), for apps that do not include LibTorch headers.
void set_torch_threads(int threads);

}  // namespace pmm
