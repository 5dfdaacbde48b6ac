// Networks for g(mu, t), written as TorchScript source compiled by torch::jit so that the trained module IS the
// exported predictor: forward(mu: Tensor[B, ...], t: Tensor[B]) -> Tensor[B, ...]. A head turns the body's output
// h into g: Normal x-pred g = m + s h, eps-pred g = ((b+A)/A) mu - h/sqrt(A), EDM g = s^2 (b+A)/r mu + s/sqrt(r) h
// (r = 1 + A s^2, input mu (b+A)/sqrt(A r)); positive processes g = m softplus(h + 0.5413); tokens: softmax.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <torch/script.h>

#include <pmm/models/torch/exact_law.hpp>
#include <pmm/models/torch/net_config.hpp>

namespace pmm {


struct HeadConfig {
  LawParams law;
  std::string parametrisation = "x";       // normal: x | eps | edm; others: x
  double data_mean = 0.0, data_std = 1.0;  // scalar statistics of the training data
  double data_min = 0.0, data_max = 1.0;   // the training data's range (tokens: 0, 1, the one-hot values)
  std::vector<std::int64_t> event_shape;   // mlp: [D]; unet: [C, H, W]; transformer: [L, V]
  int table_points = 4097;                 // table of log(kappa + F(t)) on a uniform t grid
};

// TorchScript source of the whole module (for docs and debugging).
std::string predictor_source(const NetConfig& net, const HeadConfig& head);
// Registers freshly initialised parameters (seeded by seed), buffers and metadata attributes (event_shape,
// process, parametrisation, schedule, b, beta1, beta2, data_min, data_max), and compiles predictor_source.
torch::jit::Module build_predictor(const NetConfig& net, const HeadConfig& head, std::uint64_t seed);

// Trainable parameters in registration order (the same order every time a module is built from one config).
std::vector<torch::Tensor> module_parameters(const torch::jit::Module& m);

}  // namespace pmm
