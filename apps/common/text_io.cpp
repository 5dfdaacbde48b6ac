// Text and .npy token I/O: alphabets, text8 normalisation, line/window splitting, the file-backed targets.
#include "apps/common/text_io.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>

#include <pmm/io/atomic_file.hpp>
#include <pmm/io/npy.hpp>
#include <pmm/models/oracles/sequence_set.hpp>
#include <pmm/processes/dirichlet_categorical.hpp>
#include <pmm/core/error.hpp>

namespace pmm {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string describe_char(char ch) {
  const auto u = static_cast<unsigned char>(ch);
  if (u >= 0x20 && u < 0x7f) return fmt::format("'{}' (0x{:02x})", ch, u);
  return fmt::format("byte 0x{:02x}", u);
}

std::string read_whole_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  require(in.good(), what, path + ": cannot open file");
  std::ostringstream ss;
  ss << in.rdbuf();
  require(!in.bad(), what, path + ": read error");
  return ss.str();
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    pos = nl + 1;
  }
  return lines;
}

}  // namespace

Alphabet::Alphabet(std::string symbols, char mask_symbol) : symbols_(std::move(symbols)), mask_(mask_symbol) {
  std::fill(std::begin(index_), std::end(index_), -1);
  require(!symbols_.empty(), "alphabet", "needs at least one symbol");
  for (size_t i = 0; i < symbols_.size(); ++i) {
    const char ch = symbols_[i];
    require(ch != '\n' && ch != '\r', "alphabet", "symbols cannot be line breaks");
    require(index_[static_cast<unsigned char>(ch)] < 0, "alphabet",
            fmt::format("symbol {} appears twice", describe_char(ch)));
    index_[static_cast<unsigned char>(ch)] = static_cast<int>(i);
  }
  require(index_[static_cast<unsigned char>(mask_)] < 0, "alphabet",
          fmt::format("mask symbol {} is also a symbol", describe_char(mask_)));
}

char Alphabet::symbol(int id) const {
  if (id == size()) return mask_;
  require(id >= 0 && id < size(), "alphabet", fmt::format("token id {} is out of range [0, {}]", id, size()));
  return symbols_[static_cast<size_t>(id)];
}

Alphabet text8_alphabet() { return Alphabet("abcdefghijklmnopqrstuvwxyz "); }

Alphabet parse_alphabet(const std::string& spec, const std::string& option) {
  if (spec == "text8") return text8_alphabet();
  if (spec.rfind("chars:", 0) == 0) {
    try {
      return Alphabet(spec.substr(6));
    } catch (const Error& e) {
      throw Error(option + ": " + e.what());
    }
  }
  throw Error(option + ": unknown alphabet '" + spec + "' (expected text8 or chars:SYMBOLS)");
}

std::string normalize_text8(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (char ch : raw) {
    char c = ch;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (!(c >= 'a' && c <= 'z')) c = ' ';
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out.push_back(c);
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::vector<int> encode_text(std::string_view text, const Alphabet& a, const std::string& what) {
  std::vector<int> ids(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const int id = a.id(text[i]);
    if (id < 0)
      throw Error(fmt::format("{}: character {} at offset {} is not in the alphabet \"{}\"", what,
                              describe_char(text[i]), i, a.symbols()));
    ids[i] = id;
  }
  return ids;
}

std::string decode_tokens(const int* ids, Index count, const Alphabet& a) {
  std::string out(static_cast<size_t>(count), ' ');
  for (Index i = 0; i < count; ++i) out[static_cast<size_t>(i)] = a.symbol(ids[i]);
  return out;
}

TokenSequences read_token_npy(const std::string& path, int vocab, int length, const std::string& what) {
  std::vector<std::int64_t> shape;
  const auto values = read_npy_int(path, what, &shape);
  require(
      shape.size() == 2 && shape[0] >= 1 && shape[1] >= 1, what,
      fmt::format("{}: expected a 2-D integer array [n, C] with n, C >= 1, got shape {}", path, format_shape(shape)));
  require(length == 0 || shape[1] == length, what,
          fmt::format("{}: sequences have length {}, expected {}", path, shape[1], length));
  require(shape[1] < (1 << 24), what, fmt::format("{}: sequence length {} must be < 2^24", path, shape[1]));
  TokenSequences s;
  s.n = shape[0];
  s.length = static_cast<int>(shape[1]);
  s.tokens.resize(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i] < 0 || values[i] >= vocab)
      throw Error(
          fmt::format("{}: {}: token id {} at row {}, position {} is out of range [0, {}) (vocabulary mismatch?)", what,
                      path, values[i], i / s.length, i % s.length, vocab));
    s.tokens[i] = static_cast<int>(values[i]);
  }
  return s;
}

TokenSequences read_token_text(const std::string& path, const Alphabet& a, int length, const std::string& what,
                               bool normalize) {
  require(length >= 0, what, fmt::format("sequence length must be >= 0, got {}", length));
  const auto lines = split_lines(read_whole_file(path, what));
  TokenSequences s;
  s.length = length;
  for (size_t k = 0; k < lines.size(); ++k) {
    const std::string line = normalize ? normalize_text8(lines[k]) : lines[k];
    if (line.empty()) continue;
    const std::string where = fmt::format("{}: {}: line {}", what, path, k + 1);
    if (s.length == 0) s.length = static_cast<int>(line.size());
    if (length == 0)
      require(
          static_cast<int>(line.size()) == s.length, where,
          fmt::format("has {} characters; every line must have {} (the first line's length)", line.size(), s.length));
    require(static_cast<int>(line.size()) >= s.length, where,
            fmt::format("has {} characters, fewer than the sequence length {}", line.size(), s.length));
    const auto ids = encode_text(line, a, where);
    const size_t windows = ids.size() / static_cast<size_t>(s.length);
    s.tokens.insert(s.tokens.end(), ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(windows * s.length));
    s.n += static_cast<Index>(windows);
  }
  require(s.n >= 1, what, path + ": no sequences (the file is empty)");
  return s;
}

TokenSequences read_token_sequences(const std::string& path, const Alphabet& a, int length, const std::string& what,
                                    bool normalize) {
  if (ends_with(path, ".npy")) return read_token_npy(path, a.size(), length, what);
  return read_token_text(path, a, length, what, normalize);
}

std::string format_token_sequences(const std::vector<int>& tokens, Index n, int length, const Alphabet& a) {
  require(static_cast<Index>(tokens.size()) == n * length, "sequences",
          fmt::format("expected {} x {} token ids, got {}", n, length, tokens.size()));
  std::string out;
  out.reserve(static_cast<size_t>(n) * (length + 1));
  for (Index j = 0; j < n; ++j) {
    out += decode_tokens(tokens.data() + j * length, length, a);
    out += '\n';
  }
  return out;
}

void write_token_sequences(const std::string& path, const std::vector<int>& tokens, Index n, int length,
                           const Alphabet& a, const std::string& what) {
  require(static_cast<Index>(tokens.size()) == n * length, what,
          fmt::format("expected {} x {} token ids, got {}", n, length, tokens.size()));
  if (ends_with(path, ".npy")) {
    check_token_ids(tokens.data(), n * length, a.size(), length, true, what);
    std::vector<std::int32_t> data(tokens.begin(), tokens.end());
    write_npy_int32(path, data.data(), {n, length});
    return;
  }
  std::string text;
  try {
    text = format_token_sequences(tokens, n, length, a);
  } catch (const Error& e) {
    throw Error(what + ": " + e.what());
  }
  write_file_atomic(path, text);
}

MarkovChain markov_chain_from_file(const std::string& path, const Alphabet& a, double smoothing,
                                   const std::string& what, bool normalize) {
  const int V = a.size();
  require(std::isfinite(smoothing) && smoothing >= 0, what, fmt::format("smoothing must be >= 0, got {}", smoothing));
  Eigen::MatrixXd counts = Eigen::MatrixXd::Constant(V, V, smoothing);
  auto count_row = [&](const int* x, Index len) {
    for (Index c = 1; c < len; ++c) counts(x[c - 1], x[c]) += 1.0;
  };
  if (ends_with(path, ".npy")) {
    const auto s = read_token_npy(path, V, 0, what);
    for (Index j = 0; j < s.n; ++j) count_row(s.tokens.data() + j * s.length, s.length);
  } else {
    const auto lines = split_lines(read_whole_file(path, what));
    bool any = false;
    for (size_t k = 0; k < lines.size(); ++k) {
      const std::string line = normalize ? normalize_text8(lines[k]) : lines[k];
      if (line.empty()) continue;
      any = true;
      const auto ids = encode_text(line, a, fmt::format("{}: {}: line {}", what, path, k + 1));
      count_row(ids.data(), static_cast<Index>(ids.size()));
    }
    require(any, what, path + ": no text (the file is empty)");
  }
  for (Index r = 0; r < V; ++r) {
    const double s = counts.row(r).sum();
    if (s > 0)
      counts.row(r) /= s;
    else
      counts.row(r).setConstant(1.0 / V);
  }
  return markov_chain(std::move(counts), {}, what + ": " + path);
}

TokenOraclePtr load_token_target(const std::string& spec, const Alphabet& a, int length, const std::string& option,
                                 bool normalize) {
  require(!spec.empty(), option, "needs markov:FILE[,smoothing=S], FILE.npy or a text FILE");
  require(length >= 1, option, fmt::format("sequence length must be >= 1, got {}", length));
  if (spec.rfind("markov:", 0) == 0) {
    std::string path = spec.substr(7);
    double smoothing = 1.0;
    const auto comma = path.rfind(",smoothing=");
    if (comma != std::string::npos) {
      const std::string value = path.substr(comma + 11);
      std::size_t used = 0;
      try {
        smoothing = std::stod(value, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      require(used > 0 && used == value.size(), option, fmt::format("smoothing needs a number, got '{}'", value));
      path.resize(comma);
    }
    require(!path.empty(), option, "markov: needs a file, markov:FILE");
    return markov_chain_oracle(markov_chain_from_file(path, a, smoothing, option, normalize), length);
  }
  auto s = read_token_sequences(spec, a, length, option, normalize);
  try {
    return sequence_set_oracle(std::move(s.tokens), s.n, s.length, a.size());
  } catch (const Error& e) {
    throw Error(option + ": " + spec + ": " + e.what());
  }
}

}  // namespace pmm
