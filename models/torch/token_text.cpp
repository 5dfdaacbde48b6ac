// Text evaluation and the autoregressive baseline (equations in token_text.hpp). The causal transformer is
// TorchScript source generated here, like models/torch/networks.cpp: pre-layer-norm blocks with the same width,
// depth, heads, 4x MLP and rotary positions as pmm-train's transformer, without its time conditioning (adaptive
// layer norm), and a start token; log_probs_ar(x [B, L]) returns log p(x_c | x_<c) for every c in one pass.
#include <pmm/models/torch/token_text.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <fmt/format.h>
#include <torch/types.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adam.h>
#include <torch/script.h>

#include <pmm/models/torch/exact_law.hpp>
#include <pmm/models/torch/torch_common.hpp>
#include <pmm/models/torch/torchscript_token_predictor.hpp>
#include <pmm/core/error.hpp>
#include <pmm/processes/schedule.hpp>

namespace pmm {
namespace {

torch::jit::Module load_module(const std::string& path, const std::string& option) {
  try {
    return torch::jit::load(path);
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: {}: not a loadable TorchScript module ({})", option, path, first_line(e.what())));
  }
}

std::string string_attr(const torch::jit::Module& m, const std::string& name) {
  return m.hasattr(name) && m.attr(name).isString() ? m.attr(name).toStringRef() : std::string();
}

torch::Device text_device(const std::string& device) {
  try {
    torch::Device d(device);
    require(d.is_cpu() || d.is_cuda(), "--device", "expected cpu or cuda[:N], got '" + device + "'");
    return d;
  } catch (const c10::Error&) {
    throw Error("--device: expected cpu or cuda[:N], got '" + device + "'");
  }
}

torch::Tensor window_tensor(const TokenWindows& data, std::int64_t first, std::int64_t rows) {
  auto x = torch::empty({rows, data.length}, torch::kLong);
  auto* p = x.data_ptr<std::int64_t>();
  const int* src = data.tokens.data() + first * data.length;
  for (std::int64_t i = 0; i < rows * data.length; ++i) p[i] = src[i];
  return x;
}

// ---- causal transformer source ----
std::string lin(const std::string& x, const std::string& name) {
  return fmt::format("(torch.matmul({}, self.{}_w.t()) + self.{}_b)", x, name, name);
}

std::string ar_source(const ArConfig& c, std::int64_t V) {
  const std::int64_t L = c.length, d = c.model_dim, H = c.heads, dh = d / H;
  std::ostringstream s;
  s << "def log_probs_ar(self, x: Tensor) -> Tensor:\n";
  s << "    B = x.size(0)\n";
  s << fmt::format("    start = torch.full_like(x[:, :1], {})\n", V);
  s << fmt::format("    prev = torch.cat([start, x[:, :{}]], 1)\n", L - 1);
  s << "    z = torch.embedding(self.tok, prev) + self.pos[None, :, :]\n";
  for (std::int64_t l = 0; l < c.layers; ++l) {
    const std::string p = fmt::format("b{}", l);
    s << fmt::format("    y = torch.layer_norm(z, [{}], self.{}_n1_w, self.{}_n1_b, 1e-5)\n", d, p, p);
    s << "    qkv = " << lin("y", p + "_qkv")
      << fmt::format(".reshape([B, {}, 3, {}, {}]).permute([2, 0, 3, 1, 4])\n", L, H, dh);
    s << fmt::format("    sc = torch.matmul(self.rope(qkv[0]), self.rope(qkv[1]).transpose(-2, -1)) * {:.17g}\n",
                     1.0 / std::sqrt(static_cast<double>(dh)));
    s << "    att = torch.softmax(sc.masked_fill(self.causal, -1e9), -1)\n";
    s << fmt::format("    o = torch.matmul(att, qkv[2]).transpose(1, 2).reshape([B, {}, {}])\n", L, d);
    s << "    z = z + " << lin("o", p + "_o") << "\n";
    s << fmt::format("    y = torch.layer_norm(z, [{}], self.{}_n2_w, self.{}_n2_b, 1e-5)\n", d, p, p);
    s << "    z = z + " << lin("torch.gelu(" + lin("y", p + "_f1") + ")", p + "_f2") << "\n";
  }
  s << fmt::format("    y = torch.layer_norm(z, [{}], self.fin_w, self.fin_b, 1e-5)\n", d);
  s << "    return torch.log_softmax(" << lin("y", "head") << ", -1)\n";
  s << "\ndef forward(self, x: Tensor) -> Tensor:\n    return self.log_probs_ar(x)\n";
  // Rotary positions, as pmm-train's transformer (models/torch/networks.cpp).
  s << "\ndef rope(self, x: Tensor) -> Tensor:\n";
  s << fmt::format("    x1 = x[:, :, :, :{}]\n    x2 = x[:, :, :, {}:]\n", dh / 2, dh / 2);
  s << "    return torch.cat([x1 * self.rope_cos - x2 * self.rope_sin, x1 * self.rope_sin + x2 * self.rope_cos], -1)\n";
  return s.str();
}

torch::jit::Module build_autoregressive(const ArConfig& c, std::uint64_t seed) {
  const std::int64_t V = static_cast<std::int64_t>(c.vocabulary.size()), d = c.model_dim, L = c.length;
  require(V >= 2, "data", "needs at least 2 distinct characters");
  require(L >= 2, "--seq-len", fmt::format("must be >= 2, got {}", L));
  require(c.heads >= 1 && d % c.heads == 0, "--model-dim",
          fmt::format("must be a positive multiple of --heads ({}), got {}", c.heads, d));
  require(c.layers >= 1 && c.layers <= 64, "--layers", fmt::format("must be in [1, 64], got {}", c.layers));
  torch::manual_seed(seed);
  torch::jit::Module m("pmm_autoregressive");
  auto linear = [&](const std::string& name, std::int64_t in, std::int64_t out) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(in));
    m.register_parameter(name + "_w", (torch::rand({out, in}) * 2 - 1) * bound, false);
    m.register_parameter(name + "_b", (torch::rand({out}) * 2 - 1) * bound, false);
  };
  auto norm = [&](const std::string& name) {
    m.register_parameter(name + "_w", torch::ones({d}), false);
    m.register_parameter(name + "_b", torch::zeros({d}), false);
  };
  m.register_parameter("tok", torch::randn({V + 1, d}) * 0.02, false);
  m.register_parameter("pos", torch::randn({L, d}) * 0.02, false);
  for (std::int64_t l = 0; l < c.layers; ++l) {
    const std::string p = fmt::format("b{}", l);
    norm(p + "_n1");
    linear(p + "_qkv", d, 3 * d);
    linear(p + "_o", d, d);
    norm(p + "_n2");
    linear(p + "_f1", d, 4 * d);
    linear(p + "_f2", 4 * d, d);
  }
  norm("fin");
  linear("head", d, V);
  m.register_buffer("causal", torch::triu(torch::ones({L, L}, torch::kBool), 1));
  const std::int64_t dh = d / c.heads;
  require(dh % 2 == 0, "--model-dim", fmt::format("--model-dim / --heads must be even (rotary positions), got {} / {}", d, c.heads));
  auto angle = torch::arange(L, torch::kFloat64).unsqueeze(1) *
               torch::pow(10000.0, -torch::arange(dh / 2, torch::kFloat64) * 2.0 / static_cast<double>(dh)).unsqueeze(0);
  m.register_buffer("rope_cos", torch::cos(angle).to(torch::kFloat32));
  m.register_buffer("rope_sin", torch::sin(angle).to(torch::kFloat32));
  m.register_attribute("event_shape", c10::ListType::ofInts(), c10::List<std::int64_t>({L, V}), false);
  m.register_attribute("process", c10::StringType::get(), std::string("autoregressive"), false);
  m.register_attribute("vocabulary", c10::StringType::get(), c.vocabulary, false);
  m.register_attribute("net_kind", c10::StringType::get(),
                       fmt::format("causal-transformer:model_dim={},layers={},heads={}", d, c.layers, c.heads), false);
  try {
    m.define(ar_source(c, V));
  } catch (const std::exception& e) {
    throw Error(std::string("build_autoregressive: TorchScript compilation failed (a bug): ") + e.what());
  }
  return m;
}

void atomic_save_module(const torch::jit::Module& m, const std::string& path) {
  const std::string tmp = path + ".tmp";
  try {
    m.save(tmp);
  } catch (const std::exception& e) {
    std::remove(tmp.c_str());
    throw Error(fmt::format("--out: cannot write {}: {}", path, first_line(e.what())));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw Error("--out: cannot rename " + tmp + " to " + path);
  }
}

std::int64_t count_parameters(const torch::jit::Module& m) {
  std::int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

void check_windows(const TokenWindows& data, int length, int vocab, const std::string& path) {
  require(data.n >= 1, "--data", "no complete window of the model's length in the data");
  require(data.length == length, "--data",
          fmt::format("windows of {} characters, {} models {}", data.length, path, length));
  for (int t : data.tokens)  // the message only for a token that fails: text8 has 10^8 of them
    if (t < 0 || t >= vocab)
      throw Error(ErrorKind::kInvalidArgument, "--data", fmt::format("token id {} outside [0, {})", t, vocab));
}

}  // namespace

TokenWindows text_windows(const std::string& text, const std::string& vocabulary, int length,
                          std::int64_t max_windows, const std::string& what) {
  require(length >= 1, "--length", fmt::format("must be >= 1, got {}", length));
  require(!vocabulary.empty(), what, "empty vocabulary");
  int id[256];
  std::fill(std::begin(id), std::end(id), -1);
  for (size_t i = 0; i < vocabulary.size(); ++i) id[static_cast<unsigned char>(vocabulary[i])] = static_cast<int>(i);
  TokenWindows w;
  w.length = length;
  w.n = static_cast<std::int64_t>(text.size()) / length;
  if (max_windows > 0) w.n = std::min(w.n, max_windows);
  require(w.n >= 1, what, fmt::format("{} characters, fewer than one window of {}", text.size(), length));
  w.tokens.resize(static_cast<size_t>(w.n * length));
  for (size_t i = 0; i < w.tokens.size(); ++i) {
    const int v = id[static_cast<unsigned char>(text[i])];
    if (v < 0)
      throw Error(fmt::format("{}: character 0x{:02x} at offset {} is not in the vocabulary '{}'", what,
                              static_cast<unsigned char>(text[i]), i, vocabulary));
    w.tokens[i] = v;
  }
  return w;
}

TextModelInfo text_model_info(const std::string& model_path, const std::string& option) {
  const auto m = load_module(model_path, option);
  TextModelInfo info;
  const std::string process = string_attr(m, "process");
  require(process == "categorical" || process == "autoregressive", option,
          fmt::format("{}: expected a pmm-train --process categorical network or a pmm-text train-ar model, "
                      "found process '{}'", model_path, process));
  info.kind = process == "categorical" ? "pmm" : "autoregressive";
  std::vector<std::int64_t> shape;
  if (m.hasattr("event_shape") && m.attr("event_shape").isIntList()) shape = m.attr("event_shape").toIntVector();
  require(shape.size() == 2, option, model_path + ": needs an event_shape attribute [L, V]");
  info.length = static_cast<int>(shape[0]);
  info.vocab = static_cast<int>(shape[1]);
  info.vocabulary = module_vocabulary(m, model_path);
  info.schedule = string_attr(m, "schedule");
  info.parameters = count_parameters(m);
  return info;
}

BpcTerms pmm_bpc_terms(const std::string& model_path, const TokenWindows& data, const BpcOptions& o,
                       const std::string& schedule_spec) {
  require(o.passes >= 1, "--passes", fmt::format("must be >= 1, got {}", o.passes));
  require(o.batch >= 1, "--batch", fmt::format("must be >= 1, got {}", o.batch));
  const auto t_start = std::chrono::steady_clock::now();
  auto m = load_module(model_path, "--model");
  const auto info = text_model_info(model_path);
  require(info.kind == "pmm", "--model", model_path + ": not a PMM network (use the autoregressive evaluation)");
  const int C = info.length, V = info.vocab;
  check_windows(data, C, V, model_path);
  const std::string spec = schedule_spec.empty() ? info.schedule : schedule_spec;
  require(!spec.empty(), "--schedule", model_path + " has no schedule attribute; give --schedule");
  const SchedulePtr sched = parse_schedule(spec, "--schedule");
  const double F1 = sched->F(1.0), keep = -std::expm1(-F1);  // 1 - e^{-F(1)}
  const torch::Device device = text_device(o.device);
  m.to(device);
  m.eval();
  const bool has_log_probs = m.find_method("log_probs").has_value();
  torch::NoGradGuard no_grad;
  BpcTerms r;
  r.windows = data.n;
  std::mt19937_64 rng(o.seed);
  std::uniform_real_distribution<double> unif(0.0, 1.0);
  for (int pass = 0; pass < o.passes; ++pass) {
    for (std::int64_t first = 0; first < data.n; first += o.batch) {
      const std::int64_t rows = std::min(o.batch, data.n - first);
      std::vector<int> masked_tokens(data.tokens.begin() + first * C, data.tokens.begin() + (first + rows) * C);
      std::vector<double> t(static_cast<size_t>(rows)), w(static_cast<size_t>(rows));
      for (std::int64_t j = 0; j < rows; ++j) {
        // Stratum `pass` of the masked fraction m = e^{-F(t)}, uniform on [e^{-F(1)}, 1].
        const double u = (pass + unif(rng)) / o.passes;
        const double F = -std::log1p(-u * keep);  // F(t) in [0, F(1)]
        t[static_cast<size_t>(j)] = inverse_F(*sched, F);
        w[static_cast<size_t>(j)] = keep * std::exp(F);
        const double p_masked = std::exp(-F);
        for (int c = 0; c < C; ++c)
          if (unif(rng) < p_masked) masked_tokens[static_cast<size_t>(j * C + c)] = V;
      }
      auto mu = TorchScriptTokenPredictor::one_hot_mu(masked_tokens.data(), rows, C, V).to(device);
      auto tt = torch::tensor(t, torch::kFloat64).to(torch::kFloat32).to(device);
      torch::Tensor lp;
      try {
        lp = has_log_probs ? m.get_method("log_probs")({mu, tt}).toTensor()
                           : torch::log(m.forward({mu, tt}).toTensor().clamp_min(1e-30));
      } catch (const std::exception& e) {
        throw Error(fmt::format("--model: {}: evaluation failed: {}", model_path, first_line(e.what())));
      }
      auto x = window_tensor(data, first, rows).to(device);
      auto nll = (-lp.gather(-1, x.unsqueeze(-1)).squeeze(-1)).to(torch::kCPU, torch::kFloat64).contiguous();
      const double* pn = nll.data_ptr<double>();
      for (std::int64_t j = 0; j < rows; ++j) {
        double num = 0, den = 0;
        for (int c = 0; c < C; ++c) {
          if (masked_tokens[static_cast<size_t>(j * C + c)] != V) continue;
          r.nll.push_back(pn[j * C + c]);
          r.weight.push_back(w[static_cast<size_t>(j)]);
          num += w[static_cast<size_t>(j)] * pn[j * C + c];
          den += w[static_cast<size_t>(j)];
        }
        r.unit_num.push_back(num);
        r.unit_den.push_back(den);
      }
      r.evaluations += rows;
    }
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  return r;
}

BpcTerms autoregressive_bpc_terms(const std::string& model_path, const TokenWindows& data, const BpcOptions& o) {
  require(o.batch >= 1, "--batch", fmt::format("must be >= 1, got {}", o.batch));
  const auto t_start = std::chrono::steady_clock::now();
  auto m = load_module(model_path, "--model");
  const auto info = text_model_info(model_path);
  require(info.kind == "autoregressive", "--model", model_path + ": not an autoregressive model");
  const int C = info.length;
  check_windows(data, C, info.vocab, model_path);
  const torch::Device device = text_device(o.device);
  m.to(device);
  m.eval();
  torch::NoGradGuard no_grad;
  BpcTerms r;
  r.windows = data.n;
  for (std::int64_t first = 0; first < data.n; first += o.batch) {
    const std::int64_t rows = std::min(o.batch, data.n - first);
    auto x = window_tensor(data, first, rows).to(device);
    auto lp = m.get_method("log_probs_ar")({x}).toTensor();
    auto nll = (-lp.gather(-1, x.unsqueeze(-1)).squeeze(-1)).to(torch::kCPU, torch::kFloat64).contiguous();
    const double* pn = nll.data_ptr<double>();
    for (std::int64_t j = 0; j < rows; ++j) {
      double num = 0;
      for (int c = 0; c < C; ++c) {
        r.nll.push_back(pn[j * C + c]);
        r.weight.push_back(1.0);
        num += pn[j * C + c];
      }
      r.unit_num.push_back(num);
      r.unit_den.push_back(C);
    }
    r.evaluations += rows;
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  return r;
}

ArTrainResult train_autoregressive(const ArConfig& config, const TokenWindows& data, const ArTrainOptions& o,
                                   const std::function<void(std::int64_t, double)>& on_step) {
  require(o.steps >= 1, "--steps", fmt::format("must be >= 1, got {}", o.steps));
  require(o.batch >= 1, "--batch", fmt::format("must be >= 1, got {}", o.batch));
  require(o.lr > 0 && std::isfinite(o.lr), "--lr", "must be > 0");
  require(o.ema >= 0 && o.ema < 1, "--ema", fmt::format("must be in [0, 1), got {}", o.ema));
  require(o.log_every >= 1, "--log-every", "must be >= 1");
  require(!o.out.empty(), "--out", "needs an output directory");
  require(data.length == config.length, "--seq-len", "windows and model length differ");
  const torch::Device device = text_device(o.device);
  auto module = build_autoregressive(config, o.seed);  // validates the configuration before anything is written
  std::filesystem::create_directories(o.out);
  module.to(device);
  module.train();
  std::vector<torch::Tensor> params;
  for (const auto& p : module.parameters()) params.push_back(p), params.back().requires_grad_(true);
  std::vector<torch::Tensor> ema;
  for (const auto& p : params) ema.push_back(p.detach().clone());
  torch::optim::Adam opt(params, torch::optim::AdamOptions(o.lr));
  torch::jit::Method log_probs = module.get_method("log_probs_ar");

  ArTrainResult res;
  res.parameters = count_parameters(module);
  res.model_path = (std::filesystem::path(o.out) / "model.pt").string();
  res.log_path = (std::filesystem::path(o.out) / "loss.csv").string();
  std::ostringstream log;
  log << "step,loss,samples_per_s,seconds\n";
  const auto t0 = std::chrono::steady_clock::now();
  auto window_t0 = t0;
  double window_loss = 0;
  std::int64_t window_n = 0;
  const std::int64_t C = config.length;
  for (std::int64_t step = 0; step < o.steps; ++step) {
    const auto idx = draw_indices(data.n, o.batch, o.seed, static_cast<std::uint32_t>(step));
    auto x = torch::empty({o.batch, C}, torch::kLong);
    auto* px = x.data_ptr<std::int64_t>();
    for (std::int64_t j = 0; j < o.batch; ++j)
      for (std::int64_t c = 0; c < C; ++c) px[j * C + c] = data.tokens[static_cast<size_t>(idx[static_cast<size_t>(j)] * C + c)];
    x = x.to(device);
    opt.zero_grad();
    auto lp = log_probs({x}).toTensor();
    auto loss = -lp.gather(-1, x.unsqueeze(-1)).mean();
    loss.backward();
    if (o.clip > 0) torch::nn::utils::clip_grad_norm_(params, o.clip);
    opt.step();
    update_ema(ema, params, o.ema, step);
    const double lv = loss.item<double>();
    require(std::isfinite(lv), "training", fmt::format("loss is {} at step {} (try a smaller --lr)", lv, step + 1));
    window_loss += lv, ++window_n;
    const auto now = std::chrono::steady_clock::now();
    if ((step + 1) % o.log_every == 0 || step + 1 == o.steps) {
      const double wsec = std::chrono::duration<double>(now - window_t0).count();
      res.last_loss = window_loss / static_cast<double>(window_n);
      log << step + 1 << "," << fmt::format("{:.9g}", res.last_loss) << ","
          << fmt::format("{:.1f}", wsec > 0 ? static_cast<double>(window_n * o.batch) / wsec : 0.0) << ","
          << fmt::format("{:.3f}", std::chrono::duration<double>(now - t0).count()) << "\n";
      window_loss = 0, window_n = 0, window_t0 = now;
    }
    if (on_step) on_step(step + 1, lv);
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  res.samples_per_s = static_cast<double>(o.steps * o.batch) / std::max(res.seconds, 1e-9);
  {
    torch::NoGradGuard no_grad;
    auto out = module.clone();
    size_t i = 0;
    for (auto p : out.parameters()) p.copy_(ema[i++]);
    out.eval();
    atomic_save_module(out, res.model_path);
  }
  const std::string tmp = res.log_path + ".tmp";
  {
    std::ofstream f(tmp);
    f << log.str();
    require(static_cast<bool>(f.flush()), "--out", "cannot write " + res.log_path);
  }
  require(std::rename(tmp.c_str(), res.log_path.c_str()) == 0, "--out", "cannot rename " + tmp);
  return res;
}

std::vector<int> sample_autoregressive(const std::string& model_path, std::int64_t n, std::uint64_t seed,
                                       const std::string& device_name) {
  require(n >= 1, "--paths", "must be >= 1");
  auto m = load_module(model_path, "--model");
  const auto info = text_model_info(model_path);
  require(info.kind == "autoregressive", "--model", model_path + ": not an autoregressive model");
  const torch::Device device = text_device(device_name);
  m.to(device);
  m.eval();
  torch::NoGradGuard no_grad;
  const int C = info.length;
  auto x = torch::zeros({n, C}, torch::kLong).to(device);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unif(0.0, 1.0);
  for (int c = 0; c < C; ++c) {
    // Causal attention: positions >= c do not influence p(x_c | x_<c), so the zeros there are harmless.
    auto p = m.get_method("log_probs_ar")({x}).toTensor().select(1, c).exp().to(torch::kCPU, torch::kFloat64).contiguous();
    const double* pp = p.data_ptr<double>();
    auto col = torch::empty({n}, torch::kLong);
    for (std::int64_t j = 0; j < n; ++j) {
      double u = unif(rng), acc = 0, total = 0;
      for (int v = 0; v < info.vocab; ++v) total += pp[j * info.vocab + v];
      u *= total;
      int pick = info.vocab - 1;
      for (int v = 0; v < info.vocab; ++v) {
        acc += pp[j * info.vocab + v];
        if (u < acc) {
          pick = v;
          break;
        }
      }
      col[j] = pick;
    }
    x.select(1, c).copy_(col.to(device));
  }
  auto cpu = x.to(torch::kCPU).contiguous();
  return std::vector<int>(cpu.data_ptr<std::int64_t>(), cpu.data_ptr<std::int64_t>() + n * C);
}

}  // namespace pmm
