// pmm::Predictor over a torch::jit::Module: g(mu, t) = module.forward(mu [B, event_shape], t [B]) in float32 on
// the module's device, converted back to the dim x B double batch the solvers use. Not concurrent (one module).
#pragma once
#include <string>
#include <vector>

#include <torch/script.h>

#include <pmm/models/predictor.hpp>

namespace pmm {

class TorchScriptPredictor final : public Predictor {
 public:
  // module: moved to device and set to eval. source names the file (or "<memory>") in messages.
  TorchScriptPredictor(torch::jit::Module module, const std::string& device, std::vector<std::int64_t> event_shape,
                       std::string source);
  Index dim() const override { return dim_; }
  void predict(const Batch& mu, double t, Index path0, Batch& out) const override;
  bool concurrent() const override { return false; }
  // CPU: 4096 paths (a [4096, 256] float32 activation is 4 MiB, below the 32 MiB malloc keeps in the heap, see
  // keep_freed_tensor_memory()); a GPU wants the largest batch.
  Index preferred_batch() const override { return device_.is_cpu() ? 4096 : 65536; }
  std::string describe() const override;
  const std::vector<std::int64_t>& event_shape() const { return event_shape_; }
  // Throws pmm::Error naming the source when forward fails or returns the wrong shape.
  void check_signature() const;

 private:
  mutable torch::jit::Module module_;  // as loaded: attributes for describe()
  mutable torch::jit::Module frozen_;  // torch::jit::freeze(module_) (module_ when it cannot be frozen): forward
  mutable torch::Tensor in_, t_;       // float32 input buffers [B, event_shape], [B], reused while B is the same
  torch::Device device_;
  std::vector<std::int64_t> event_shape_;
  Index dim_;
  std::string source_;
};

// event_shape attribute of a module, or {} when it has none.
std::vector<std::int64_t> module_event_shape(const torch::jit::Module& m);

}  // namespace pmm
