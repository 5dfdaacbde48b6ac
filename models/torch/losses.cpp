// PMM losses as Bregman divergences (see losses.hpp); constants free of g are kept so that the loss is >= 0
// and is 0 exactly at g = x, which makes loss curves comparable across data sets.
#include <pmm/models/torch/losses.hpp>

#include <pmm/core/error.hpp>

namespace pmm {

torch::Tensor per_sample_loss(TrainProcess process, const torch::Tensor& g, const torch::Tensor& x,
                              const torch::Tensor& masked) {
  switch (process) {
    case TrainProcess::kNormal:
      return (x - g).pow(2).flatten(1).sum(1);
    case TrainProcess::kGammaPoisson: {
      const auto gc = g.clamp_min(1e-30);
      return (gc - x + torch::xlogy(x, x) - x * gc.log()).flatten(1).sum(1);
    }
    case TrainProcess::kInverseGammaGamma: {
      const auto gc = g.clamp_min(1e-30);
      const auto r = x / gc;
      return (r - r.log() - 1.0).flatten(1).sum(1);
    }
    case TrainProcess::kCategorical: {
      require(masked.defined(), "per_sample_loss", "categorical loss needs the mask");
      const auto lp = g.gather(-1, x.to(torch::kLong).unsqueeze(-1)).squeeze(-1);
      return -(lp * masked).sum(1);
    }
  }
  throw Error("per_sample_loss: unknown process");
}

torch::Tensor weighted_loss(TrainProcess process, const torch::Tensor& g, const torch::Tensor& x,
                            const torch::Tensor& weight, const torch::Tensor& masked) {
  return (weight * per_sample_loss(process, g, x, masked)).mean();
}

}  // namespace pmm
