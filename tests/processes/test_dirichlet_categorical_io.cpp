// Text and .npy I/O of token sequences (apps/common/text_io): the text8 alphabet, normalisation, encode/decode
// round trips, line/window splitting, .npy round trips, the Markov-chain estimate from a text file, the target
// loader, and clear errors for characters outside the alphabet, ids out of range and vocabulary mismatches.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <pmm/io/npy.hpp>
#include "apps/common/text_io.hpp"
#include <pmm/core/error.hpp>

using namespace pmm;

namespace {

struct Scratch {
  std::string dir;
  Scratch() {
    char name[] = "/tmp/pmm_text_io.XXXXXX";
    REQUIRE(::mkdtemp(name) != nullptr);
    dir = name;
  }
  ~Scratch() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  std::string write(const std::string& name, const std::string& text) const {
    const std::string path = dir + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
};

}  // namespace

TEST_CASE("text io: text8 alphabet, normalisation and round trips") {
  const auto a = text8_alphabet();
  CHECK(a.size() == 27);
  CHECK(a.id('a') == 0);
  CHECK(a.id('z') == 25);
  CHECK(a.id(' ') == 26);
  CHECK(a.id('A') == -1);
  CHECK(a.symbol(27) == '_');  // the mask id
  CHECK(normalize_text8("  Hello, World!\n2 cats  ") == "hello world cats");
  const auto ids = encode_text("the cat", a, "text");
  CHECK(ids == std::vector<int>{19, 7, 4, 26, 2, 0, 19});
  CHECK(decode_tokens(ids.data(), static_cast<Index>(ids.size()), a) == "the cat");
  const std::vector<int> masked = {19, 27, 4};
  CHECK(decode_tokens(masked.data(), 3, a) == "t_e");
  CHECK(parse_alphabet("chars:ab").size() == 2);
  CHECK_THROWS_WITH_AS(
      encode_text("the Cat", a, "--target"),
      "--target: character 'C' (0x43) at offset 4 is not in the alphabet \"abcdefghijklmnopqrstuvwxyz \"", Error);
  CHECK_THROWS_AS(decode_tokens(std::vector<int>{28}.data(), 1, a), Error);
  CHECK_THROWS_AS(parse_alphabet("chars:aa"), Error);
  CHECK_THROWS_AS(parse_alphabet("chars:a_"), Error);  // '_' is the mask symbol
  CHECK_THROWS_AS(parse_alphabet("bytes"), Error);
}

TEST_CASE("text io: sequences from text lines and .npy, written back") {
  Scratch s;
  const auto a = text8_alphabet();
  // One long line is cut into windows of C = 4 (tail "ab" dropped); a line of exactly 4 is one sequence.
  const auto path = s.write("corpus.txt", "abcdefghab\r\n\nzz z\n");
  const auto seq = read_token_sequences(path, a, 4, "--target");
  CHECK(seq.n == 3);
  CHECK(seq.length == 4);
  CHECK(format_token_sequences(seq.tokens, seq.n, seq.length, a) == "abcd\nefgh\nzz z\n");
  // length 0: each line is a sequence, all of the same length.
  const auto lines = read_token_text(s.write("lines.txt", "ab\nba\n"), a, 0, "--target");
  CHECK(lines.n == 2);
  CHECK(lines.length == 2);
  CHECK_THROWS_AS(read_token_text(s.write("ragged.txt", "ab\nbab\n"), a, 0, "--target"), Error);
  CHECK_THROWS_AS(read_token_text(s.write("short.txt", "ab\n"), a, 4, "--target"), Error);
  CHECK_THROWS_AS(read_token_text(s.write("empty.txt", "\n\n"), a, 4, "--target"), Error);
  CHECK_THROWS_AS(read_token_text(s.write("upper.txt", "ABCD\n"), a, 4, "--target"), Error);
  CHECK(read_token_text(s.write("upper2.txt", "AB, CD\n"), a, 4, "--target", true).tokens ==
        encode_text("ab c", a, "x"));
  // .npy round trip (int32 [n, C]) and text output.
  const std::string npy = s.dir + "/seq.npy", txt = s.dir + "/out.txt";
  write_token_sequences(npy, seq.tokens, seq.n, seq.length, a, "--out");
  const auto back = read_token_sequences(npy, a, 0, "--target");
  CHECK(back.tokens == seq.tokens);
  CHECK(back.n == 3);
  write_token_sequences(txt, seq.tokens, seq.n, seq.length, a, "--out");
  CHECK(read_token_text(txt, a, 4, "x").tokens == seq.tokens);
  // Ids out of range for the vocabulary (a 27-token file read with a 2-symbol alphabet), wrong length, float arrays.
  const std::string expected =
      "--target: " + npy + ": token id 2 at row 0, position 2 is out of range [0, 2) (vocabulary mismatch?)";
  CHECK_THROWS_WITH_AS(read_token_sequences(npy, parse_alphabet("chars:ab"), 0, "--target"), expected.c_str(), Error);
  CHECK_THROWS_AS(read_token_npy(npy, 27, 5, "--target"), Error);
  const std::string f8 = s.dir + "/float.npy";
  const double vals[2] = {0, 1};
  write_npy(f8, vals, {1, 2});
  CHECK_THROWS_AS(read_token_npy(f8, 27, 0, "--target"), Error);
  const std::int64_t neg[2] = {0, -1};
  const std::string negp = s.dir + "/neg.npy";
  write_npy_int64(negp, neg, {1, 2});
  CHECK_THROWS_AS(read_token_npy(negp, 27, 0, "--target"), Error);
}

TEST_CASE("text io: Markov chain from a text file and the target loader") {
  Scratch s;
  const auto a = parse_alphabet("chars:ab");
  // Lines "aab" and "ba": transitions a->a, a->b (line 1), b->a (line 2); smoothing 1.
  const auto path = s.write("chain.txt", "aab\nba\n");
  const auto m = markov_chain_from_file(path, a, 1.0, "--target");
  CHECK(m.transition(0, 0) == doctest::Approx(2.0 / 4.0));
  CHECK(m.transition(0, 1) == doctest::Approx(2.0 / 4.0));
  CHECK(m.transition(1, 0) == doctest::Approx(2.0 / 3.0));
  CHECK(m.transition(1, 1) == doctest::Approx(1.0 / 3.0));
  const auto chain = load_token_target("markov:" + path + ",smoothing=0.5", a, 6);
  CHECK(chain->vocab() == 2);
  CHECK(chain->length() == 6);
  const auto set = load_token_target(path, a, 2);  // sequences "aa", "ba" (the "b" tail of line 1 is dropped)
  CHECK(set->sample(1, 0).size() == 2);
  CHECK_THROWS_AS(load_token_target("markov:", a, 6), Error);
  CHECK_THROWS_AS(load_token_target("markov:" + path + ",smoothing=x", a, 6), Error);
  CHECK_THROWS_AS(load_token_target(s.dir + "/missing.txt", a, 6), Error);
  CHECK_THROWS_AS(markov_chain_from_file(s.write("c.txt", "abc\n"), a, 1.0, "--target"), Error);
}
