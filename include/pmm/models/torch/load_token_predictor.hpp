// Loading a TorchScript token predictor g_c(mu, t) (the Dirichlet-Categorical posterior mean) as a
// pmm::TokenPredictor, from a header free of LibTorch types so that apps compiled without <torch/...> can call it
// (PMM_HAVE_TORCH decides whether it is linked). Module signature: forward(mu: Tensor[B, L, V], t: Tensor[B]) ->
// Tensor[B, L, V] (float32 probabilities; mu rows one-hot for revealed tokens, uniform 1/V for masked ones).
#pragma once
#include <string>

#include <pmm/models/token_predictor.hpp>

namespace pmm {

struct TokenModelInfo {
  int length = 0, vocab = 0;      // L and V from the module's event_shape [L, V]
  std::string vocabulary;         // symbols of ids 0..V-1 when known, else empty
  std::string vocabulary_source;  // where it came from: "module attribute 'vocabulary'" or a train.json path
  std::string schedule;           // the module's `schedule` attribute (a core schedule spec), empty when absent
  std::string process;            // the module's `process` attribute, empty when absent
};

struct TokenModel {
  TokenPredictorPtr predictor;
  TokenModelInfo info;
};

// device: "cpu", "cuda" or "cuda:N". The module must have an event_shape attribute [L, V] (V >= 2) and, when it has
// a process attribute, be "categorical". The vocabulary is the module's `vocabulary` string attribute, else
// data.vocab of a pmm-train report train.json in the file's folder (pmm-train's text vocabulary is the sorted set of
// characters of the training text). A trial forward on a [2, L, V] fully masked batch at t = 0.5 checks the
// signature and the output shape. Failures throw pmm::Error naming `option`, the file and what was expected.
TokenModel load_torchscript_token_model(const std::string& path, const std::string& device,
                                        const std::string& option = "--model");

// Checks a loaded model against the sampler's sequence length and alphabet (symbols of ids 0..V-1): a length that
// differs is an error naming length_option, a vocabulary (or its size) that differs one naming alphabet_option;
// both messages name the file and say which value would fit.
void check_token_model(const TokenModelInfo& info, const std::string& path, int length, const std::string& symbols,
                       const std::string& length_option = "--length",
                       const std::string& alphabet_option = "--alphabet");

}  // namespace pmm
