// pmm::TokenPredictor over a torch::jit::Module: the only place where token batches (ids [n, C], mask id V) become
// the network's mu tensor [n, C, V] (one-hot rows for revealed tokens, 1/V rows for masked ones, float32) and its
// output probabilities come back as float64. Not concurrent (one module); rows carry their own times.
#pragma once
#include <string>
#include <vector>

#include <torch/script.h>

#include <pmm/models/token_predictor.hpp>

namespace pmm {

class TorchScriptTokenPredictor final : public TokenPredictor {
 public:
  // module: moved to device and set to eval. source names the file (or "<memory>") in messages.
  TorchScriptTokenPredictor(torch::jit::Module module, const std::string& device, int length, int vocab,
                            std::string source);
  int vocab() const override { return V_; }
  int length() const override { return C_; }
  void predict_rows(const std::vector<int>& tokens, const std::vector<double>& t, const std::vector<Index>& path,
                    std::vector<double>& probs) const override;
  bool concurrent() const override { return false; }
  Index preferred_batch() const override { return 256; }
  std::string describe() const override;

  // mu tensor [n, C, V] float32 on the CPU for token rows (ids in [0, V], V = masked).
  static torch::Tensor one_hot_mu(const int* tokens, std::int64_t n, int length, int vocab);
  // Throws pmm::Error naming the source when forward fails or returns the wrong shape.
  void check_signature() const;

 private:
  mutable torch::jit::Module module_;
  torch::Device device_;
  int C_, V_;
  std::string source_;
};

// Symbols of ids 0..V-1: the module's `vocabulary` string attribute, else data.vocab of the pmm-train report
// train.json in path's folder, else "" (source receives where it came from).
std::string module_vocabulary(const torch::jit::Module& m, const std::string& path, std::string* source = nullptr);

}  // namespace pmm
