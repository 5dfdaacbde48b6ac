// Data readers for pmm-train (formats in train_data.hpp). Every error names the file and what was expected.
#include <pmm/models/torch/train_data.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <set>
#include <unistd.h>

#include <fmt/format.h>

#include <pmm/models/oracles/builtin.hpp>
#include <pmm/core/error.hpp>
#include <pmm/random/random.hpp>

namespace pmm {
namespace {

std::vector<unsigned char> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  require(static_cast<bool>(in), "--data", path + ": cannot open for reading");
  return std::vector<unsigned char>(std::istreambuf_iterator<char>(in), {});
}

std::uint32_t big_endian32(const unsigned char* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

// Opening of "Alice's Adventures in Wonderland" (Lewis Carroll, 1865; public domain).
const char* kBuiltinText =
    "alice was beginning to get very tired of sitting by her sister on the bank, and of having nothing to do: "
    "once or twice she had peeped into the book her sister was reading, but it had no pictures or conversations "
    "in it, and what is the use of a book, thought alice, without pictures or conversations? so she was "
    "considering in her own mind (as well as she could, for the hot day made her feel very sleepy and stupid), "
    "whether the pleasure of making a daisy-chain would be worth the trouble of getting up and picking the "
    "daisies, when suddenly a white rabbit with pink eyes ran close by her. there was nothing so very remarkable "
    "in that; nor did alice think it so very much out of the way to hear the rabbit say to itself, oh dear! oh "
    "dear! i shall be late! but when the rabbit actually took a watch out of its waistcoat-pocket, and looked at "
    "it, and then hurried on, alice started to her feet, for it flashed across her mind that she had never "
    "before seen a rabbit with either a waistcoat-pocket, or a watch to take out of it, and burning with "
    "curiosity, she ran across the field after it, and fortunately was just in time to see it pop down a large "
    "rabbit-hole under the hedge. in another moment down went alice after it, never once considering how in the "
    "world she was to get out again. ";

}  // namespace

TrainData load_idx_images(const std::string& path) {
  const auto b = read_bytes(path);
  require(!(b.size() >= 2 && b[0] == 0x1f && b[1] == 0x8b), "--data", path + ": gzip-compressed; run gunzip on it first");
  require(b.size() >= 8 && b[0] == 0 && b[1] == 0 && b[2] == 0x08, "--data",
          path + ": not an unsigned-byte IDX file (expected magic 0x0000080N)");
  const int rank = b[3];
  require(rank >= 1 && rank <= 3, "--data", fmt::format("{}: IDX rank {} (expected 1 to 3)", path, rank));
  require(b.size() >= 4 + 4 * static_cast<size_t>(rank), "--data", path + ": truncated header");
  std::vector<std::int64_t> dims;
  for (int i = 0; i < rank; ++i) dims.push_back(big_endian32(&b[4 + 4 * i]));
  const std::int64_t n = dims[0], H = rank >= 2 ? dims[1] : 1, W = rank >= 3 ? dims[2] : 1;
  const size_t need = 4 + 4 * static_cast<size_t>(rank) + static_cast<size_t>(n * H * W);
  require(b.size() >= need && n >= 1, "--data",
          fmt::format("{}: {} bytes, the header promises {}", path, b.size(), need));
  TrainData d;
  d.name = path;
  d.event_shape = rank == 3 ? std::vector<std::int64_t>{1, H, W} : std::vector<std::int64_t>{H * W};
  d.x.resize(H * W, n);
  const unsigned char* p = b.data() + 4 + 4 * rank;
  for (std::int64_t j = 0; j < n; ++j)
    for (std::int64_t i = 0; i < H * W; ++i) d.x(i, j) = p[j * H * W + i];
  return d;
}

TrainData load_cifar_batches(const std::vector<std::string>& paths) {
  std::vector<unsigned char> all;
  for (const auto& path : paths) {
    const auto b = read_bytes(path);
    require(!b.empty() && b.size() % 3073 == 0, "--data",
            fmt::format("{}: {} bytes is not a whole number of CIFAR-10 records (3073 bytes each)", path, b.size()));
    all.insert(all.end(), b.begin(), b.end());
  }
  const std::int64_t n = static_cast<std::int64_t>(all.size() / 3073);
  TrainData d;
  d.name = paths.size() == 1 ? paths[0] : paths[0] + " (+" + std::to_string(paths.size() - 1) + " more)";
  d.event_shape = {3, 32, 32};
  d.x.resize(3072, n);
  for (std::int64_t j = 0; j < n; ++j)
    for (std::int64_t i = 0; i < 3072; ++i) d.x(i, j) = all[static_cast<size_t>(j * 3073 + 1 + i)];
  return d;
}

TrainData text_dataset(const std::string& text, std::int64_t seq_len, const std::string& name,
                       std::string* vocab_out) {
  require(seq_len >= 1, "--seq-len", fmt::format("must be >= 1, got {}", seq_len));
  const std::int64_t n = static_cast<std::int64_t>(text.size()) / seq_len;
  require(n >= 1, "--data", fmt::format("{}: {} characters, fewer than --seq-len {}", name, text.size(), seq_len));
  const std::set<unsigned char> chars(text.begin(), text.end());
  const std::string vocab(chars.begin(), chars.end());
  require(vocab.size() >= 2, "--data", name + ": needs at least 2 distinct characters");
  int id[256];
  for (size_t i = 0; i < vocab.size(); ++i) id[static_cast<unsigned char>(vocab[i])] = static_cast<int>(i);
  TrainData d;
  d.name = name;
  d.event_shape = {seq_len, static_cast<std::int64_t>(vocab.size())};
  d.x.resize(seq_len, n);
  for (std::int64_t j = 0; j < n; ++j)
    for (std::int64_t c = 0; c < seq_len; ++c) d.x(c, j) = id[static_cast<unsigned char>(text[static_cast<size_t>(j * seq_len + c)])];
  if (vocab_out) *vocab_out = vocab;
  return d;
}

TrainData load_text(const std::string& path, std::int64_t seq_len, std::string* vocab_out) {
  const auto b = read_bytes(path);
  return text_dataset(std::string(b.begin(), b.end()), seq_len, path, vocab_out);
}

TrainData synthetic_shapes(std::int64_t n, std::int64_t channels, std::int64_t size, std::uint64_t seed) {
  TrainData d;
  d.name = fmt::format("builtin:shapes({}x{}x{})", channels, size, size);
  d.event_shape = {channels, size, size};
  d.x.setZero(channels * size * size, n);
  const double S = static_cast<double>(size);
  for (std::int64_t j = 0; j < n; ++j) {
    UniformStream u(seed, static_cast<std::uint64_t>(j), 0, Stream::kInit, 0);
    const int kind = std::min(3, static_cast<int>(u.next() * 4));
    const double r = S * (0.18 + 0.14 * u.next());
    const double cx = r + 2 + u.next() * (S - 2 * r - 4), cy = r + 2 + u.next() * (S - 2 * r - 4);
    double colour[3] = {1, 1, 1};
    if (channels == 3) {
      const int hue = std::min(2, static_cast<int>(u.next() * 3));  // red, green or blue dominant
      for (int c = 0; c < 3; ++c) colour[c] = c == hue ? 1.0 : 0.25;
    }
    for (std::int64_t yy = 0; yy < size; ++yy)
      for (std::int64_t xx = 0; xx < size; ++xx) {
        const double dx = xx + 0.5 - cx, dy = yy + 0.5 - cy, rho = std::hypot(dx, dy);
        bool on = false;
        switch (kind) {
          case 0: on = std::abs(dx) < r * 0.8 && std::abs(dy) < r * 0.8; break;              // square
          case 1: on = rho < r; break;                                                         // disk
          case 2: on = (std::abs(dx) < r * 0.25 || std::abs(dy) < r * 0.25) && std::max(std::abs(dx), std::abs(dy)) < r; break;  // cross
          default: on = rho < r && rho > r * 0.6; break;                                       // ring
        }
        if (!on) continue;
        for (std::int64_t c = 0; c < channels; ++c) d.x((c * size + yy) * size + xx, j) = 255.0 * colour[c];
      }
  }
  return d;
}

std::vector<std::string> builtin_datasets() {
  return {"gmm2d", "ring8", "atoms3", "counts3", "gamma-mix", "shapes", "shapes-rgb", "text"};
}

TrainData builtin_dataset(const std::string& name, const LawParams& law, std::int64_t seq_len,
                          std::string* vocab_out) {
  const bool normal = law.process == TrainProcess::kNormal, gp = law.process == TrainProcess::kGammaPoisson;
  auto wrong = [&](const std::string& fits) {
    return Error(fmt::format("--data: builtin:{} fits --process {}, not {}", name, fits, train_process_name(law.process)));
  };
  if (name == "gmm2d" || name == "ring8" || name == "atoms3") {
    if (!normal) throw wrong("normal");
    const auto oracle = builtin_oracle(NormalProcess{law.b, law.schedule}, name);
    TrainData d{oracle->sample(20000, 12345), {oracle->dim()}, "builtin:" + name};
    return d;
  }
  if (name == "counts3" || name == "gamma-mix") {
    if (!gp) throw wrong("gamma-poisson");
    const auto oracle = builtin_oracle(GammaPoissonProcess{law.beta1, law.beta2, law.schedule}, name);
    TrainData d{oracle->sample(20000, 12345), {oracle->dim()}, "builtin:" + name};
    return d;
  }
  if (name == "shapes" || name == "shapes-rgb") {
    require(law.process != TrainProcess::kCategorical, "--data", "builtin:" + name + " holds images, not tokens");
    auto d = name == "shapes" ? synthetic_shapes(10000, 1, 28, 777) : synthetic_shapes(10000, 3, 32, 777);
    map_pixels(d, law.process);
    return d;
  }
  if (name == "text") {
    require(law.process == TrainProcess::kCategorical, "--data", "builtin:text fits --process categorical");
    return text_dataset(kBuiltinText, seq_len, "builtin:text", vocab_out);
  }
  std::string list;
  for (const auto& s : builtin_datasets()) list += (list.empty() ? "" : ", ") + s;
  throw Error("--data: unknown built-in data set 'builtin:" + name + "' (expected one of: " + list + ")");
}

void map_pixels(TrainData& data, TrainProcess process) {
  switch (process) {
    case TrainProcess::kNormal: data.x = data.x * (2.0 / 255.0) - 1.0; break;
    case TrainProcess::kGammaPoisson: data.x = data.x / 255.0; break;
    case TrainProcess::kInverseGammaGamma: data.x = (data.x + 1.0) / 256.0; break;
    case TrainProcess::kCategorical: throw Error("--data: images cannot be used with --process categorical");
  }
}

double unmap_pixel(double v, TrainProcess process) {
  switch (process) {
    case TrainProcess::kNormal: return (v + 1.0) * 127.5;
    case TrainProcess::kGammaPoisson: return v * 255.0;
    case TrainProcess::kInverseGammaGamma: return v * 256.0 - 1.0;
    case TrainProcess::kCategorical: break;
  }
  return v;
}

void write_image_grid(const std::string& path, const Batch& samples, const std::vector<std::int64_t>& shape,
                      TrainProcess process, std::int64_t cols) {
  require(shape.size() == 3 && (shape[0] == 1 || shape[0] == 3), "image grid",
          "needs [1 or 3, H, W] images");
  const std::int64_t C = shape[0], H = shape[1], W = shape[2], n = samples.cols();
  require(samples.rows() == C * H * W && n >= 1 && cols >= 1, "image grid", "samples do not match the image shape");
  const std::int64_t rows = (n + cols - 1) / cols, GW = cols * (W + 1) + 1, GH = rows * (H + 1) + 1;
  std::string img(static_cast<size_t>(GW * GH * C), static_cast<char>(64));
  for (std::int64_t k = 0; k < n; ++k) {
    const std::int64_t r0 = 1 + (k / cols) * (H + 1), c0 = 1 + (k % cols) * (W + 1);
    for (std::int64_t y = 0; y < H; ++y)
      for (std::int64_t x = 0; x < W; ++x)
        for (std::int64_t c = 0; c < C; ++c) {
          const double v = std::clamp(unmap_pixel(samples((c * H + y) * W + x, k), process), 0.0, 255.0);
          img[static_cast<size_t>(((r0 + y) * GW + (c0 + x)) * C + c)] = static_cast<char>(std::lround(v));
        }
  }
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    out << (C == 1 ? "P5" : "P6") << "\n" << GW << " " << GH << "\n255\n" << img;
    if (!out.flush()) {
      std::remove(tmp.c_str());
      throw Error(path + ": cannot write the image grid");
    }
  }
  require(std::rename(tmp.c_str(), path.c_str()) == 0, path, "cannot rename the image grid into place");
}

}  // namespace pmm
