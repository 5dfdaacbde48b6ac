// TorchScript source for the MLP, U-Net and adaptive-layer-norm transformer bodies and the process heads
// (equations in networks.hpp). Source is generated per configuration (loops unrolled, shapes as literals),
// parameters are registered on a torch::jit::Module and trained in place; module.save() is the export.
#include <pmm/models/torch/networks.hpp>

#include <cmath>
#include <sstream>

#include <fmt/format.h>

#include <pmm/core/error.hpp>

namespace pmm {
namespace {

constexpr int kFrequencies = 8;  // time features: u, sin(pi 2^k u), cos(pi 2^k u), k < 8

std::int64_t embed_dim(const NetConfig& net) {
  if (net.kind == "mlp") return net.width;
  if (net.kind == "unet") return 4 * net.channels;
  return net.model_dim;
}

std::string lin(const std::string& x, const std::string& name) {
  return fmt::format("(torch.matmul({}, self.{}_w.t()) + self.{}_b)", x, name, name);
}

std::string conv(const std::string& x, const std::string& name, int pad) {
  return fmt::format("torch.conv2d({}, self.{}_w, self.{}_b, [1, 1], [{}, {}])", x, name, name, pad, pad);
}

std::string gn(const std::string& x, const std::string& name) {
  return fmt::format("torch.group_norm({}, 8, self.{}_w, self.{}_b, 1e-5)", x, name, name);
}

// ---- parameter registration ----
struct Registry {
  torch::jit::Module& m;
  void linear(const std::string& name, std::int64_t in, std::int64_t out, bool zero = false) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(in));
    auto w = zero ? torch::zeros({out, in}) : (torch::rand({out, in}) * 2 - 1) * bound;
    auto b = zero ? torch::zeros({out}) : (torch::rand({out}) * 2 - 1) * bound;
    m.register_parameter(name + "_w", w, false);
    m.register_parameter(name + "_b", b, false);
  }
  void conv(const std::string& name, std::int64_t in, std::int64_t out, std::int64_t k, bool zero = false) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(in * k * k));
    auto w = zero ? torch::zeros({out, in, k, k}) : (torch::rand({out, in, k, k}) * 2 - 1) * bound;
    auto b = zero ? torch::zeros({out}) : (torch::rand({out}) * 2 - 1) * bound;
    m.register_parameter(name + "_w", w, false);
    m.register_parameter(name + "_b", b, false);
  }
  void norm(const std::string& name, std::int64_t ch) {
    m.register_parameter(name + "_w", torch::ones({ch}), false);
    m.register_parameter(name + "_b", torch::zeros({ch}), false);
  }
  void tensor(const std::string& name, torch::Tensor v) { m.register_parameter(name, v, false); }
};

// ---- bodies: net(self, x, e) -> h, same shape as the head's input ----
std::string mlp_source(const NetConfig& net, std::int64_t D, Registry* reg) {
  std::ostringstream s;
  s << "def net(self, x: Tensor, e: Tensor) -> Tensor:\n";
  s << "    h = torch.silu(" << lin("x.reshape([x.size(0), -1])", "in") << " + " << lin("e", "t0") << ")\n";
  if (reg) {
    reg->linear("in", D, net.width);
    reg->linear("t0", net.width, net.width);
  }
  for (std::int64_t l = 1; l < net.depth; ++l) {
    const std::string h = fmt::format("h{}", l), t = fmt::format("t{}", l);
    s << "    h = torch.silu(" << lin("h", h) << " + " << lin("e", t) << ")\n";
    if (reg) {
      reg->linear(h, net.width, net.width);
      reg->linear(t, net.width, net.width);
    }
  }
  s << "    return " << lin("h", "out") << ".reshape(x.size())\n";
  if (reg) reg->linear("out", net.width, D, /*zero=*/true);
  return s.str();
}

// Residual block with time conditioning: h = conv(silu(gn(x))) + W e; h = conv(silu(gn(h))); x' = skip(x) + h.
void res_block(std::ostringstream& s, Registry* reg, const std::string& name, const std::string& x,
               const std::string& out, std::int64_t cin, std::int64_t cout, std::int64_t E) {
  s << "    r = " << conv("torch.silu(" + gn(x, name + "_n1") + ")", name + "_c1", 1) << "\n";
  s << "    r = r + " << lin("e", name + "_t") << "[:, :, None, None]\n";
  s << "    r = " << conv("torch.silu(" + gn("r", name + "_n2") + ")", name + "_c2", 1) << "\n";
  if (cin == cout)
    s << "    " << out << " = " << x << " + r\n";
  else
    s << "    " << out << " = " << conv(x, name + "_s", 0) << " + r\n";
  if (reg) {
    reg->norm(name + "_n1", cin);
    reg->conv(name + "_c1", cin, cout, 3);
    reg->linear(name + "_t", E, cout);
    reg->norm(name + "_n2", cout);
    reg->conv(name + "_c2", cout, cout, 3, /*zero=*/true);
    if (cin != cout) reg->conv(name + "_s", cin, cout, 1);
  }
}

std::string unet_source(const NetConfig& net, const std::vector<std::int64_t>& shape, Registry* reg) {
  const std::int64_t C = shape[0], c1 = net.channels, c2 = 2 * net.channels, E = embed_dim(net);
  std::ostringstream s;
  s << "def net(self, x: Tensor, e: Tensor) -> Tensor:\n";
  s << "    h0 = " << conv("x", "cin", 1) << "\n";
  if (reg) reg->conv("cin", C, c1, 3);
  res_block(s, reg, "r1", "h0", "h1", c1, c1, E);
  s << "    d1 = torch.conv2d(h1, self.down1_w, self.down1_b, [2, 2], [1, 1])\n";
  if (reg) reg->conv("down1", c1, c2, 3);
  res_block(s, reg, "r2", "d1", "h2", c2, c2, E);
  s << "    d2 = torch.conv2d(h2, self.down2_w, self.down2_b, [2, 2], [1, 1])\n";
  if (reg) reg->conv("down2", c2, c2, 3);
  res_block(s, reg, "m1", "d2", "m", c2, c2, E);
  res_block(s, reg, "m2", "m", "m", c2, c2, E);
  s << "    u2 = torch.cat([m.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3), h2], 1)\n";
  res_block(s, reg, "u2", "u2", "v2", 2 * c2, c2, E);
  s << "    u1 = torch.cat([v2.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3), h1], 1)\n";
  res_block(s, reg, "u1", "u1", "v1", c2 + c1, c1, E);
  s << "    return " << conv("torch.silu(" + gn("v1", "nout") + ")", "cout", 1) << "\n";
  if (reg) {
    reg->norm("nout", c1);
    reg->conv("cout", c1, C, 3, /*zero=*/true);
  }
  return s.str();
}

// Transformer with adaptive layer norm (DiT-style): per block, (shift, scale, gate) x 2 from the time embedding.
std::string transformer_source(const NetConfig& net, const std::vector<std::int64_t>& shape, Registry* reg) {
  const std::int64_t L = shape[0], V = shape[1], d = net.model_dim, H = net.heads, dh = d / H;
  std::ostringstream s;
  s << "def net(self, x: Tensor, e: Tensor) -> Tensor:\n";
  s << "    B = x.size(0)\n";
  s << "    masked = (torch.amax(x, -1, keepdim=True) < 0.5).float()\n";
  s << "    z = torch.matmul(x, self.tok_w) + masked * self.mask_v + self.pos[None, :, :]\n";
  s << "    c = torch.silu(e)\n";
  if (reg) {
    reg->tensor("tok_w", torch::randn({V, d}) * 0.02);
    reg->tensor("mask_v", torch::randn({d}) * 0.02);
    reg->tensor("pos", torch::randn({L, d}) * 0.02);
  }
  for (std::int64_t l = 0; l < net.layers; ++l) {
    const std::string p = fmt::format("b{}", l);
    s << "    a = " << lin("c", p + "_ada") << ".chunk(6, 1)\n";
    s << fmt::format("    y = torch.layer_norm(z, [{}]) * (1.0 + a[1][:, None, :]) + a[0][:, None, :]\n", d);
    s << "    qkv = " << lin("y", p + "_qkv") << fmt::format(".reshape([B, {}, 3, {}, {}]).permute([2, 0, 3, 1, 4])\n", L, H, dh);
    s << fmt::format("    att = torch.softmax(torch.matmul(self.rope(qkv[0]), self.rope(qkv[1]).transpose(-2, -1)) * {:.17g}, -1)\n",
                     1.0 / std::sqrt(static_cast<double>(dh)));
    s << fmt::format("    o = torch.matmul(att, qkv[2]).transpose(1, 2).reshape([B, {}, {}])\n", L, d);
    s << "    z = z + a[2][:, None, :] * " << lin("o", p + "_o") << "\n";
    s << fmt::format("    y = torch.layer_norm(z, [{}]) * (1.0 + a[4][:, None, :]) + a[3][:, None, :]\n", d);
    s << "    z = z + a[5][:, None, :] * " << lin("torch.gelu(" + lin("y", p + "_f1") + ")", p + "_f2") << "\n";
    if (reg) {
      reg->linear(p + "_ada", d, 6 * d, /*zero=*/true);
      reg->linear(p + "_qkv", d, 3 * d);
      reg->linear(p + "_o", d, d);
      reg->linear(p + "_f1", d, 4 * d);
      reg->linear(p + "_f2", 4 * d, d);
    }
  }
  s << "    a = " << lin("c", "fin_ada") << ".chunk(2, 1)\n";
  s << fmt::format("    y = torch.layer_norm(z, [{}]) * (1.0 + a[1][:, None, :]) + a[0][:, None, :]\n", d);
  s << "    return " << lin("y", "head") << "\n";
  // Rotary position embedding of queries and keys (x [B, H, L, dh], halves rotated by angle pos * 10000^(-2i/dh)):
  // attention scores then depend on relative positions. With learned absolute positions alone (0.02 init) the
  // masked-token loss on 64-character windows stayed at the unigram level for 6,000 steps: without a causal shift
  // there is no bigram shortcut, and locality has to be found by attention (measured, docs/results.md).
  s << "\ndef rope(self, x: Tensor) -> Tensor:\n";
  s << fmt::format("    x1 = x[:, :, :, :{}]\n    x2 = x[:, :, :, {}:]\n", dh / 2, dh / 2);
  s << "    return torch.cat([x1 * self.rope_cos - x2 * self.rope_sin, x1 * self.rope_sin + x2 * self.rope_cos], -1)\n";
  if (reg) {
    reg->linear("fin_ada", d, 2 * d, /*zero=*/true);
    reg->linear("head", d, V, /*zero=*/true);
    auto angle = torch::arange(L, torch::kFloat64).unsqueeze(1) *
                 torch::pow(10000.0, -torch::arange(dh / 2, torch::kFloat64) * 2.0 / static_cast<double>(dh)).unsqueeze(0);
    reg->m.register_buffer("rope_cos", torch::cos(angle).to(torch::kFloat32));
    reg->m.register_buffer("rope_sin", torch::sin(angle).to(torch::kFloat32));
  }
  return s.str();
}

std::string common_source() {
  return R"(
def precision(self, t: Tensor) -> Tensor:
    n = self.log_kF.size(0)
    s = t.double().clamp(0.0, 1.0) * (n - 1)
    i = s.floor().clamp(0, n - 2).long()
    w = s - i.double()
    lk = self.log_kF[i] * (1.0 - w) + self.log_kF[i + 1] * w
    return (torch.exp(lk) - self.kappa).clamp(min=0.0)

def embed(self, A: Tensor) -> Tensor:
    u = (torch.log1p(A / self.kappa) / self.u_scale).float()[:, None]
    z = u * self.freqs[None, :]
    f = torch.cat([u, torch.sin(z), torch.cos(z)], 1)
    h = torch.silu(torch.matmul(f, self.emb1_w.t()) + self.emb1_b)
    return torch.silu(torch.matmul(h, self.emb2_w.t()) + self.emb2_b)
)";
}

std::string head_source(const HeadConfig& head) {
  std::string bshape = "[-1";
  for (size_t i = 0; i < head.event_shape.size(); ++i) bshape += ", 1";
  bshape += "]";
  std::ostringstream s;
  s << "\ndef forward(self, mu: Tensor, t: Tensor) -> Tensor:\n";
  if (head.law.process != TrainProcess::kCategorical)
    // A sampler's call has one t for the whole batch: the time embedding (and, in the body, its projections) then
    // runs on one row that broadcasts, 4 of the MLP's 6 width x width products a sample saved. Training's batches
    // (a t per sample) take the other branch and are unchanged.
    s << "    if t.size(0) > 1 and bool((t == t[0]).all()):\n        t = t[:1]\n";
  s << "    A = self.precision(t)\n    e = self.embed(A)\n";
  switch (head.law.process) {
    case TrainProcess::kNormal:
      s << "    a = A.clamp(min=1e-6)\n    r = 1.0 + a * self.sd * self.sd\n";
      s << "    cin = ((self.b + a) / torch.sqrt(a * r)).float().reshape(" << bshape << ")\n";
      s << "    h = self.net(mu.float() * cin, e)\n";
      if (head.parametrisation == "x")
        s << "    return self.mean + self.sd * h\n";
      else if (head.parametrisation == "eps")
        s << "    return ((self.b + a) / a).float().reshape(" << bshape << ") * mu - h / torch.sqrt(a).float().reshape("
          << bshape << ")\n";
      else
        s << "    return (self.sd * self.sd * (self.b + a) / r).float().reshape(" << bshape
          << ") * mu + (self.sd / torch.sqrt(r)).float().reshape(" << bshape << ") * h\n";
      break;
    case TrainProcess::kGammaPoisson:
    case TrainProcess::kInverseGammaGamma:
      s << "    h = self.net(torch.sqrt(mu.float().clamp(min=0.0) / self.mean) - 1.0, e) + 0.5413\n";
      s << "    return self.mean * (torch.relu(h) + torch.log1p(torch.exp(-torch.abs(h))))\n";
      break;
    case TrainProcess::kCategorical:
      s << "    lp = self.log_probs(mu, t)\n";
      s << "    revealed = torch.amax(mu, -1, keepdim=True) > 0.5\n";
      s << "    return torch.where(revealed, mu.float(), torch.exp(lp))\n";
      s << "\ndef log_probs(self, mu: Tensor, t: Tensor) -> Tensor:\n";
      s << "    e = self.embed(self.precision(t))\n";
      s << "    return torch.log_softmax(self.net(mu.float(), e), -1)\n";
      break;
  }
  return s.str();
}

void validate_head(const NetConfig& net, const HeadConfig& head) {
  head.law.validate();
  const auto& sh = head.event_shape;
  const bool normal = head.law.process == TrainProcess::kNormal;
  require(head.parametrisation == "x" || (normal && (head.parametrisation == "eps" || head.parametrisation == "edm")),
          "--param", normal ? "expected x, eps or edm, got '" + head.parametrisation + "'"
                            : "only x (positive output) fits the " + train_process_name(head.law.process) + " process");
  require(head.data_std > 0 && std::isfinite(head.data_std), "data", "standard deviation must be > 0");
  if (!normal && head.law.process != TrainProcess::kCategorical)
    require(head.data_mean > 0, "data", "mean must be > 0 for a positive process");
  require(!sh.empty(), "data", "empty event shape");
  for (auto v : sh) require(v >= 1, "data", "event shape entries must be >= 1");
  const bool tokens = head.law.process == TrainProcess::kCategorical;
  if (net.kind == "transformer") {
    require(tokens, "--net", "transformer fits token sequences (--process categorical)");
    require(sh.size() == 2 && sh[1] == head.law.vocab, "data", "transformer needs event shape [L, V]");
  } else {
    require(!tokens, "--net", "token sequences need --net transformer");
  }
  if (net.kind == "unet") {
    require(sh.size() == 3, "--net", fmt::format("unet needs images [C, H, W], got rank {} data", sh.size()));
    require(sh[1] % 4 == 0 && sh[2] % 4 == 0, "--net",
            fmt::format("unet needs H and W divisible by 4, got {}x{}", sh[1], sh[2]));
  }
  require(head.table_points >= 2, "table_points", "must be >= 2");
}

}  // namespace

void NetConfig::validate() const {
  require(kind == "mlp" || kind == "unet" || kind == "transformer", "--net",
          "expected mlp, unet or transformer, got '" + kind + "'");
  require(width >= 1 && width <= 65536, "--width", fmt::format("must be in [1, 65536], got {}", width));
  require(depth >= 1 && depth <= 64, "--depth", fmt::format("must be in [1, 64], got {}", depth));
  require(channels >= 8 && channels % 8 == 0, "--channels", fmt::format("must be a positive multiple of 8, got {}", channels));
  require(heads >= 1, "--heads", fmt::format("must be >= 1, got {}", heads));
  require(model_dim >= heads && model_dim % heads == 0, "--model-dim",
          fmt::format("must be a positive multiple of --heads ({}), got {}", heads, model_dim));
  require(layers >= 1 && layers <= 64, "--layers", fmt::format("must be in [1, 64], got {}", layers));
  if (kind == "transformer")
    require((model_dim / heads) % 2 == 0, "--model-dim",
            fmt::format("--model-dim / --heads must be even (rotary positions rotate pairs), got {} / {}", model_dim, heads));
}

static std::string body_source(const NetConfig& net, const HeadConfig& head, Registry* reg) {
  std::int64_t D = 1;
  for (auto v : head.event_shape) D *= v;
  if (net.kind == "mlp") return mlp_source(net, D, reg);
  if (net.kind == "unet") return unet_source(net, head.event_shape, reg);
  return transformer_source(net, head.event_shape, reg);
}

std::string predictor_source(const NetConfig& net, const HeadConfig& head) {
  net.validate();
  validate_head(net, head);
  return common_source() + "\n" + body_source(net, head, nullptr) + head_source(head);
}

torch::jit::Module build_predictor(const NetConfig& net, const HeadConfig& head, std::uint64_t seed) {
  net.validate();
  validate_head(net, head);
  torch::manual_seed(seed);
  torch::jit::Module m("pmm_predictor");
  Registry reg{m};
  const std::int64_t E = embed_dim(net);
  reg.linear("emb1", 1 + 2 * kFrequencies, E);
  reg.linear("emb2", E, E);
  const std::string body = body_source(net, head, &reg);

  const LawParams& law = head.law;
  const double kappa = law.kappa();
  auto table = torch::empty({head.table_points}, torch::kFloat64);
  auto acc = table.accessor<double, 1>();
  for (int i = 0; i < head.table_points; ++i)
    acc[i] = std::log(kappa + law.schedule->F(static_cast<double>(i) / (head.table_points - 1)));
  m.register_buffer("log_kF", table);
  auto freqs = torch::empty({kFrequencies});
  for (int k = 0; k < kFrequencies; ++k) freqs[k] = M_PI * std::ldexp(1.0, k);
  m.register_buffer("freqs", freqs);

  m.register_attribute("kappa", c10::FloatType::get(), kappa, false);
  m.register_attribute("u_scale", c10::FloatType::get(), std::log1p(law.schedule->F(1.0) / kappa), false);
  m.register_attribute("b", c10::FloatType::get(), law.b, false);
  m.register_attribute("beta1", c10::FloatType::get(), law.beta1, false);
  m.register_attribute("beta2", c10::FloatType::get(), law.beta2, false);
  m.register_attribute("mean", c10::FloatType::get(), head.data_mean, false);
  m.register_attribute("sd", c10::FloatType::get(), head.data_std, false);
  m.register_attribute("data_min", c10::FloatType::get(), head.data_min, false);
  m.register_attribute("data_max", c10::FloatType::get(), head.data_max, false);
  m.register_attribute("event_shape", c10::ListType::ofInts(), c10::List<std::int64_t>(head.event_shape), false);
  m.register_attribute("process", c10::StringType::get(), train_process_name(law.process), false);
  m.register_attribute("parametrisation", c10::StringType::get(), head.parametrisation, false);
  m.register_attribute("schedule", c10::StringType::get(), law.schedule->describe(), false);
  m.register_attribute("net_kind", c10::StringType::get(), net.kind, false);
  try {
    m.define(common_source() + "\n" + body + head_source(head));
  } catch (const std::exception& e) {
    throw Error(std::string("build_predictor: TorchScript compilation failed (a bug): ") + e.what());
  }
  for (auto p : m.parameters()) p.requires_grad_(true);
  return m;
}

std::vector<torch::Tensor> module_parameters(const torch::jit::Module& m) {
  std::vector<torch::Tensor> out;
  for (const auto& p : m.parameters()) out.push_back(p);
  return out;
}

}  // namespace pmm
