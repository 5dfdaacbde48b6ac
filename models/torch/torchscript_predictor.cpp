// TorchScript predictor: wraps a loaded or freshly trained module behind pmm::Predictor; the only place where
// solver batches (Eigen, double, dim x B) become torch tensors (float32, [B, ...]) and back. Forward runs a frozen
// copy of the module under InferenceMode on reused input buffers (issue 18: docs/benchmarks.md).
#include <pmm/models/torch/torchscript_predictor.hpp>

#include <cctype>
#include <cstdlib>
#include <mutex>
#include <sstream>

#include <dlfcn.h>

#include <fmt/format.h>
#include <torch/cuda.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/utils.h>

#include <pmm/models/torch/load_predictor.hpp>
#include <pmm/models/torch/torch_common.hpp>
#include <pmm/core/error.hpp>

namespace pmm {
namespace {

std::string shape_text(c10::IntArrayRef s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

}  // namespace

std::vector<std::int64_t> module_event_shape(const torch::jit::Module& m) {
  if (!m.hasattr("event_shape")) return {};
  const auto v = m.attr("event_shape");
  if (!v.isIntList()) return {};
  return v.toIntVector();
}

TorchScriptPredictor::TorchScriptPredictor(torch::jit::Module module, const std::string& device,
                                           std::vector<std::int64_t> event_shape, std::string source)
    : module_(std::move(module)), device_(parse_torch_device(device)), event_shape_(std::move(event_shape)),
      source_(std::move(source)) {
  dim_ = event_size(event_shape_, source_);
  module_.to(device_);
  module_.eval();
  if (device_.is_cpu()) keep_freed_tensor_memory();
  // The frozen copy runs forward: parameters and attributes become constants of one inlined graph (no attribute
  // look-ups, precision()/embed() inlined). A module that cannot be frozen (e.g. one that mutates its attributes)
  // runs as it is. The unfrozen module_ keeps the attributes that describe() reads.
  try {
    frozen_ = torch::jit::freeze(module_, c10::nullopt, /*optimize_numerics=*/false);  // bitwise the same forward
  } catch (const std::exception&) {
    frozen_ = module_;
  }
}

void TorchScriptPredictor::predict(const Batch& mu, double t, Index, Batch& out) const {
  c10::InferenceMode inference;
  const std::int64_t B = mu.cols(), D = static_cast<std::int64_t>(dim_);
  std::vector<std::int64_t> shape{B};
  shape.insert(shape.end(), event_shape_.begin(), event_shape_.end());
  // Input buffers reused while B stays the same (one chunk size per run): mu converted to float32 in one pass
  // straight into the tensor the network reads, t filled in place. No allocation outside the network.
  if (!in_.defined() || in_.size(0) != B) {
    in_ = torch::empty(shape, torch::kFloat32);
    t_ = torch::empty({B}, torch::kFloat32);
  }
  {
    const double* src = mu.data();
    float* dst = in_.data_ptr<float>();
    const std::int64_t n = B * D;
    for (std::int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(src[i]);
    t_.fill_(t);
  }
  torch::Tensor g;
  try {
    if (device_.is_cpu())
      g = frozen_.forward({in_, t_}).toTensor();
    else
      g = frozen_.forward({in_.to(device_), t_.to(device_)}).toTensor();
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: forward(mu {}, t [{}]) failed: {}", source_, shape_text(shape), B,
                            first_line(e.what())));
  }
  if (g.sizes() != c10::IntArrayRef(shape))
    throw Error(fmt::format("{}: forward(mu {}, t [{}]) returned {}, expected {}", source_, shape_text(shape), B,
                            shape_text(g.sizes()), shape_text(shape)));
  out.resize(dim_, B);
  double* dst = out.data();
  const std::int64_t n = B * D;
  if (g.device().is_cpu() && g.scalar_type() == torch::kFloat32 && g.is_contiguous()) {
    const float* src = g.data_ptr<float>();  // the common case: one pass, no temporary
    for (std::int64_t i = 0; i < n; ++i) dst[i] = static_cast<double>(src[i]);
  } else {
    auto cpu = g.to(torch::kCPU, torch::kFloat64).contiguous();
    std::copy(cpu.data_ptr<double>(), cpu.data_ptr<double>() + n, dst);
  }
}

void TorchScriptPredictor::check_signature() const {
  Batch zero = Batch::Zero(dim_, 2), out;
  predict(zero, 0.5, 0, out);
}

std::string TorchScriptPredictor::describe() const {
  std::string s = "torchscript(" + source_ + ", event_shape=" + shape_text(event_shape_);
  if (module_.hasattr("process") && module_.attr("process").isString())
    s += ", process=" + module_.attr("process").toStringRef();
  if (module_.hasattr("schedule") && module_.attr("schedule").isString())
    s += ", schedule=" + module_.attr("schedule").toStringRef();
  return s + ", device=" + device_.str() + ")";
}

ModelInfo read_model_info(const std::string& path, const std::string& option) {
  torch::jit::Module m;
  try {
    m = torch::jit::load(path);
  } catch (const std::exception& e) {
    throw Error(fmt::format("{}: {}: not a loadable TorchScript module ({})", option, path, first_line(e.what())));
  }
  auto text = [&](const char* name) {
    return m.hasattr(name) && m.attr(name).isString() ? m.attr(name).toStringRef() : std::string();
  };
  auto number = [&](const char* name, double& out) {
    if (!m.hasattr(name) || !m.attr(name).isDouble()) return false;
    out = m.attr(name).toDouble();
    return true;
  };
  ModelInfo info;
  info.process = text("process");
  info.schedule = text("schedule");
  info.parametrisation = text("parametrisation");
  info.has_prior = number("b", info.b) && number("beta1", info.beta1) && number("beta2", info.beta2);
  info.event_shape = module_event_shape(m);
  info.has_range = number("data_min", info.data_min) && number("data_max", info.data_max);
  return info;
}

std::string describe_model_info(const ModelInfo& info) {
  std::string s;
  auto add = [&](const std::string& item) { s += (s.empty() ? "" : " ") + item; };
  if (!info.process.empty()) add("process=" + info.process);
  if (info.has_prior)
    add(info.process == "normal" ? fmt::format("prior=b={}", info.b)
                                 : fmt::format("prior=beta1={},beta2={}", info.beta1, info.beta2));
  if (!info.schedule.empty()) add("schedule=" + info.schedule);
  if (!info.parametrisation.empty()) add("param=" + info.parametrisation);
  if (!info.event_shape.empty()) add("event_shape=" + shape_text(info.event_shape));
  if (info.has_range) add(fmt::format("data range [{:.4g}, {:.4g}]", info.data_min, info.data_max));
  return s;
}

void set_torch_threads(int threads) {
  require(threads >= 1, "--threads", "must be >= 1");
  torch::set_num_threads(threads);
  // LibTorch sets OpenMP's count but not OpenBLAS's own thread pool (Debian: libopenblas0-pthread), which otherwise
  // runs one thread per core and spins in sched_yield beside a one-thread run (perf, issue 18). Looked up at run
  // time: absent with another BLAS.
  using SetThreads = void (*)(int);
  if (auto* set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(threads);
}

std::string blas_core_advice(const std::string& core, bool avx2, bool avx512f) {
  // OpenBLAS's x86 core names without AVX2 kernels (driver/others/dynamic.c: corename[]).
  static const char* const kOld[] = {"unknown",  "katmai",    "coppermine",   "northwood", "prescott",
                                     "banias",   "atom",      "core2",        "penryn",    "dunnington",
                                     "nehalem",  "athlon",    "opteron",      "opteron_sse3", "barcelona",
                                     "nano",     "sandybridge", "bobcat",     "bulldozer", "piledriver"};
  if (!avx2) return "";
  std::string lower = core;
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (const char* old : kOld)
    if (lower == old) return avx512f ? "SkylakeX" : "Haswell";
  return "";
}

std::string blas_kernel_warning() {
  const char* set = std::getenv("OPENBLAS_CORETYPE");
  if (set != nullptr && *set != 0) return "";
  using CoreName = char* (*)();
  auto* name = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  if (name == nullptr || name() == nullptr) return "";
  const std::string core = name();
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") != 0, avx512f = __builtin_cpu_supports("avx512f") != 0;
#else
  const bool avx2 = false, avx512f = false;
#endif
  const std::string advice = blas_core_advice(core, avx2, avx512f);
  if (advice.empty()) return "";
  return fmt::format(
      "warning: OpenBLAS runs its {} kernels on this CPU, which has {} (this OpenBLAS predates the CPU model), so the "
      "network's matrix products run several times slower than they could (3.5x measured, docs/benchmarks.md); "
      "start with OPENBLAS_CORETYPE={} set",
      core, avx512f ? "AVX-512" : "AVX2", advice);
}

void warn_slow_blas(const std::string& app, const std::string& device) {
  static std::once_flag once;
  if (device != "cpu") return;
  std::call_once(once, [&] {
    if (const std::string w = blas_kernel_warning(); !w.empty()) fmt::print(stderr, "{}: {}\n", app, w);
  });
}

PredictorPtr load_torchscript_predictor(const std::string& path, const std::string& device, Index expected_dim) {
  require(expected_dim >= 0, "expected_dim", "must be >= 0");
  torch::jit::Module m;
  try {
    m = torch::jit::load(path);
  } catch (const std::exception& e) {
    throw Error(fmt::format("--model: {}: not a loadable TorchScript module ({})", path, first_line(e.what())));
  }
  const auto method = m.find_method("forward");
  require(method.has_value(), "--model", path + ": the module has no forward(mu, t) method");
  const auto& schema = method->function().getSchema();
  // Arguments include self.
  std::ostringstream found;
  found << schema;
  require(schema.arguments().size() == 3, "--model",
          fmt::format("{}: forward must take (mu: Tensor[B, ...], t: Tensor[B]) and return Tensor[B, ...]; found {}",
                      path, found.str()));
  auto shape = module_event_shape(m);
  if (shape.empty()) {
    require(expected_dim > 0, "--model",
            path + ": the module has no event_shape attribute; give the dimension (the target's dim) to infer it");
    shape = {static_cast<std::int64_t>(expected_dim)};
  }
  const Index d = event_size(shape, "--model: " + path);
  if (expected_dim > 0)
    require(d == expected_dim, "--model",
            fmt::format("{}: event_shape {} has {} coordinates, the target has {}", path, shape_text(shape), d,
                        expected_dim));
  auto pred = std::make_shared<TorchScriptPredictor>(std::move(m), device, shape, path);
  pred->check_signature();
  return pred;
}

}  // namespace pmm
