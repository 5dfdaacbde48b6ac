// Text <-> token ids for the Dirichlet-Categorical process. An alphabet maps each of V characters to ids 0..V-1;
// the mask id V prints as a mask symbol. text8 convention: 27 symbols "abcdefghijklmnopqrstuvwxyz " (a = 0 .. z = 25,
// space = 26). Sequences are [n, C] token arrays: .npy integer files or text files (one or more sequences per line).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include <pmm/models/oracles/markov_chain.hpp>
#include <pmm/models/token_predictor.hpp>

namespace pmm {

class Alphabet {
 public:
  // Distinct printable characters, at least one; mask_symbol must not be one of them.
  explicit Alphabet(std::string symbols, char mask_symbol = '_');
  int size() const { return static_cast<int>(symbols_.size()); }
  const std::string& symbols() const { return symbols_; }
  char mask_symbol() const { return mask_; }
  int id(char ch) const { return index_[static_cast<unsigned char>(ch)]; }  // -1 when absent
  char symbol(int id) const;  // mask id V -> mask symbol; throws pmm::Error when out of [0, V]

 private:
  std::string symbols_;
  char mask_;
  int index_[256];
};

Alphabet text8_alphabet();
// "text8" or "chars:SYMBOLS" (e.g. "chars:ab"). Throws pmm::Error naming option.
Alphabet parse_alphabet(const std::string& spec, const std::string& option = "--alphabet");

// text8 cleaning of arbitrary text: A-Z lowered, every other non-letter byte becomes a space, runs of spaces
// collapse to one, leading and trailing spaces are dropped.
std::string normalize_text8(std::string_view raw);

// Each character must be in the alphabet: "<what>: character 'X' (0x58) at offset 12 is not in the alphabet".
std::vector<int> encode_text(std::string_view text, const Alphabet& alphabet, const std::string& what);
// Ids in [0, V] (V prints as the mask symbol); throws pmm::Error otherwise.
std::string decode_tokens(const int* ids, Index count, const Alphabet& alphabet);

struct TokenSequences {
  std::vector<int> tokens;  // [n, length] row-major
  Index n = 0;
  int length = 0;
};

// .npy: a 2-D integer array [n, C] with ids in [0, vocab). length 0: take C from the file; otherwise it must match.
TokenSequences read_token_npy(const std::string& path, int vocab, int length, const std::string& what);
// Text: each line ('\n', optional '\r') is cut into consecutive windows of `length` characters (a shorter tail is
// dropped); lines shorter than length are an error; empty lines are skipped. length 0: each line is one sequence
// and all lines must have the same length. normalize: apply normalize_text8 to each line first.
TokenSequences read_token_text(const std::string& path, const Alphabet& alphabet, int length, const std::string& what,
                               bool normalize = false);
// By extension: ".npy" -> read_token_npy (vocab = alphabet.size()), anything else -> read_token_text.
TokenSequences read_token_sequences(const std::string& path, const Alphabet& alphabet, int length,
                                    const std::string& what, bool normalize = false);

// One sequence per line.
std::string format_token_sequences(const std::vector<int>& tokens, Index n, int length, const Alphabet& alphabet);
// Atomic. ".npy": int32 [n, C]; ".txt" (or any other extension): one sequence per line.
void write_token_sequences(const std::string& path, const std::vector<int>& tokens, Index n, int length,
                           const Alphabet& alphabet, const std::string& what);

// Markov chain estimated from a text or .npy file: transition counts within each line (text, whole lines, after
// normalize_text8 when normalize) or each row (.npy), plus `smoothing` per transition.
MarkovChain markov_chain_from_file(const std::string& path, const Alphabet& alphabet, double smoothing,
                                   const std::string& what, bool normalize = false);

// Target of the dirichlet-categorical process from a spec: "markov:FILE" (chain estimated from FILE, smoothing 1)
// or "markov:FILE,smoothing=S", or "FILE.npy" / text FILE (a sequence set, uniform weights, sequences of `length`).
TokenOraclePtr load_token_target(const std::string& spec, const Alphabet& alphabet, int length,
                                 const std::string& option = "--target", bool normalize = false);

}  // namespace pmm
