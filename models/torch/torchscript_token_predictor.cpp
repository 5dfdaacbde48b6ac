// TorchScript token predictor and its loader (load_token_predictor.hpp): masked sequences -> mu [n, C, V] ->
// module.forward(mu, t) -> probabilities [n, C, V]; metadata (event_shape, process, schedule, vocabulary) is read
// from the module, the vocabulary also from the pmm-train report next to the file.
#include <pmm/models/torch/torchscript_token_predictor.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/cuda.h>

#include <pmm/models/torch/load_token_predictor.hpp>
#include <pmm/models/torch/torch_common.hpp>
#include <pmm/core/error.hpp>

namespace pmm {
namespace {


std::string in_quotes(const std::string& s) { return "'" + s + "'"; }

}  // namespace

TorchScriptTokenPredictor::TorchScriptTokenPredictor(torch::jit::Module module, const std::string& device, int length,
                                                     int vocab, std::string source)
    : module_(std::move(module)), device_(parse_torch_device(device)), C_(length), V_(vocab), source_(std::move(source)) {
  require(C_ >= 1 && V_ >= 2, source_, fmt::format("needs length >= 1 and vocabulary >= 2, got [{}, {}]", C_, V_));
  module_.to(device_);
  module_.eval();
}

torch::Tensor TorchScriptTokenPredictor::one_hot_mu(const int* tokens, std::int64_t n, int length, int vocab) {
  auto mu = torch::zeros({n, length, vocab}, torch::kFloat32);
  float* p = mu.data_ptr<float>();
  const float uniform = 1.0f / static_cast<float>(vocab);
  for (std::int64_t i = 0; i < n * length; ++i) {
    const int tok = tokens[i];
    float* row = p + i * vocab;
    if (tok >= vocab)
      std::fill(row, row + vocab, uniform);
    else
      row[tok] = 1.0f;
  }
  return mu;
}

void TorchScriptTokenPredictor::predict_rows(const std::vector<int>& tokens, const std::vector<double>& t,
                                             const std::vector<Index>&, std::vector<double>& probs) const {
  torch::NoGradGuard no_grad;
  const std::int64_t n = static_cast<std::int64_t>(t.size());
  if (n == 0) return;
  auto mu = one_hot_mu(tokens.data(), n, C_, V_).to(device_);
  auto tt = torch::from_blob(const_cast<double*>(t.data()), {n}, torch::kFloat64).to(torch::kFloat32).to(device_);
  torch::Tensor g;
  try {
    g = module_.forward({mu, tt}).toTensor();
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: forward(mu [{}, {}, {}], t [{}]) failed: {}", source_, n, C_, V_, n,
                            first_line(e.what())));
  }
  if (g.dim() != 3 || g.size(0) != n || g.size(1) != C_ || g.size(2) != V_)
    throw Error(fmt::format("{}: forward(mu [{}, {}, {}], t [{}]) returned {}, expected [{}, {}, {}]", source_, n, C_,
                            V_, n, c10::str(g.sizes()), n, C_, V_));
  auto cpu = g.to(torch::kCPU, torch::kFloat64).contiguous();
  const size_t count = static_cast<size_t>(n) * C_ * V_;
  if (probs.size() < count) probs.resize(count);
  std::copy(cpu.data_ptr<double>(), cpu.data_ptr<double>() + count, probs.data());
}

void TorchScriptTokenPredictor::check_signature() const {
  std::vector<int> masked(static_cast<size_t>(2 * C_), V_);
  std::vector<double> probs;
  predict_rows(masked, {0.5, 0.5}, {0, 1}, probs);
  for (double p : probs)
    require(std::isfinite(p) && p >= 0, source_, "forward returned a negative or non-finite probability");
}

std::string TorchScriptTokenPredictor::describe() const {
  std::string s = fmt::format("torchscript-tokens({}, length={}, vocab={}", source_, C_, V_);
  if (module_.hasattr("schedule") && module_.attr("schedule").isString())
    s += ", schedule=" + module_.attr("schedule").toStringRef();
  return s + ", device=" + device_.str() + ")";
}

std::string module_vocabulary(const torch::jit::Module& m, const std::string& path, std::string* source) {
  if (m.hasattr("vocabulary") && m.attr("vocabulary").isString()) {
    if (source) *source = "module attribute 'vocabulary'";
    return m.attr("vocabulary").toStringRef();
  }
  // pmm-train writes its report beside the model: data.vocab is the sorted set of training characters.
  const auto report = std::filesystem::path(path).parent_path() / "train.json";
  std::ifstream in(report);
  if (!in) return "";
  try {
    const auto j = nlohmann::json::parse(in);
    if (j.contains("data") && j["data"].contains("vocab") && j["data"]["vocab"].is_string()) {
      if (source) *source = report.string();
      return j["data"]["vocab"].get<std::string>();
    }
  } catch (const std::exception&) {
    // Not a pmm-train report: the vocabulary stays unknown and only its size can be checked.
  }
  return "";
}

TokenModel load_torchscript_token_model(const std::string& path, const std::string& device,
                                        const std::string& option) {
  torch::jit::Module m;
  try {
    m = torch::jit::load(path);
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: {}: not a loadable TorchScript module ({})", option, path, first_line(e.what())));
  }
  require(m.find_method("forward").has_value(), option, path + ": the module has no forward(mu, t) method");
  TokenModelInfo info;
  if (m.hasattr("process") && m.attr("process").isString()) info.process = m.attr("process").toStringRef();
  require(info.process.empty() || info.process == "categorical", option,
          fmt::format("{}: a {} predictor; the dirichlet-categorical process needs one trained with "
                      "pmm-train --process categorical",
                      path, info.process));
  std::vector<std::int64_t> shape;
  if (m.hasattr("event_shape") && m.attr("event_shape").isIntList()) shape = m.attr("event_shape").toIntVector();
  require(shape.size() == 2 && shape[0] >= 1 && shape[1] >= 2, option,
          path + ": needs an event_shape attribute [L, V] (sequence length, vocabulary >= 2)");
  info.length = static_cast<int>(shape[0]);
  info.vocab = static_cast<int>(shape[1]);
  if (m.hasattr("schedule") && m.attr("schedule").isString()) info.schedule = m.attr("schedule").toStringRef();
  info.vocabulary = module_vocabulary(m, path, &info.vocabulary_source);
  require(info.vocabulary.empty() || static_cast<int>(info.vocabulary.size()) == info.vocab, option,
          fmt::format("{}: vocabulary {} from {} has {} symbols, event_shape says {}", path, in_quotes(info.vocabulary),
                      info.vocabulary_source, info.vocabulary.size(), info.vocab));
  auto pred = std::make_shared<TorchScriptTokenPredictor>(std::move(m), device, info.length, info.vocab, path);
  pred->check_signature();
  return {pred, info};
}

void check_token_model(const TokenModelInfo& info, const std::string& path, int length, const std::string& symbols,
                       const std::string& length_option, const std::string& alphabet_option) {
  require(length == info.length, length_option,
          fmt::format("{} models sequences of length {} (event_shape [{}, {}]), got {}; use {} {}", path,
                      info.length, info.length, info.vocab, length, length_option, info.length));
  if (!info.vocabulary.empty()) {
    require(symbols == info.vocabulary, alphabet_option,
            fmt::format("{} was trained on the vocabulary {} (ids 0..{}, from {}), the alphabet is {}; use {} "
                        "\"chars:{}\"",
                        path, in_quotes(info.vocabulary), info.vocab - 1, info.vocabulary_source, in_quotes(symbols),
                        alphabet_option, info.vocabulary));
  } else {
    require(static_cast<int>(symbols.size()) == info.vocab, alphabet_option,
            fmt::format("{} has a vocabulary of {} tokens (event_shape [{}, {}]), the alphabet has {} symbols", path,
                        info.vocab, info.length, info.vocab, symbols.size()));
  }
}

}  // namespace pmm
