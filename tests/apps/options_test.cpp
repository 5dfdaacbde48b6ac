// Tests of apps/common/options: list and key=value parsing with every error naming the option,
// the CLI11 validators, and run_app's exit statuses and one-line "pmm-<app>: error:" messages.
#include "apps/common/options.hpp"

#include <doctest/doctest.h>

#include <stdexcept>

#include <pmm/core/error.hpp>
#include "tests/apps/test_files.hpp"

using pmm::test::TempDir;

namespace {

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const pmm::Error& e) {
    return e.what();
  }
  return "(no error)";
}

// Runs run_app with argv {"pmm-test", args...}; returns the status and what went to stdout/stderr.
struct AppResult {
  int status;
  std::string out, err;
};
AppResult run(const std::vector<std::string>& args, const std::function<int(int, char**)>& body) {
  TempDir dir;
  std::vector<std::string> storage = {"/usr/local/bin/pmm-test"};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  pmm::test::CapturedFd out(1, dir.file("out")), err(2, dir.file("err"));
  const int status = pmm::run_app(static_cast<int>(storage.size()), argv.data(), body);
  return {status, out.text(), err.text()};
}

}  // namespace

TEST_CASE("options: parse_kv_list") {
  const std::set<std::string> keys = {"b", "beta1"};
  const auto kv = pmm::parse_kv_list("b=2, beta1 = 0.1", "--params", keys);
  CHECK(kv == std::map<std::string, double>{{"b", 2.0}, {"beta1", 0.1}});
  CHECK(pmm::parse_kv_list("  ", "--params", keys).empty());
  CHECK(pmm::parse_kv_list("beta1=-1e-3", "--params", keys).at("beta1") == -1e-3);

  CHECK(error_of([&] { pmm::parse_kv_list("b2", "--params", keys); }) ==
        "--params: expected key=value pairs separated by commas, got 'b2'");
  CHECK(error_of([&] { pmm::parse_kv_list("=3", "--params", keys); }) == "--params: expected key=value, got '=3' with no key");
  CHECK(error_of([&] { pmm::parse_kv_list("c=1", "--params", keys); }) == "--params: unknown key 'c' (allowed: b, beta1)");
  CHECK(error_of([&] { pmm::parse_kv_list("b=1,b=2", "--params", keys); }) == "--params: key 'b' given twice");
  CHECK(error_of([&] { pmm::parse_kv_list("b=abc", "--params", keys); }) == "--params: expected a number for 'b', got 'abc'");
  CHECK(error_of([&] { pmm::parse_kv_list("b=", "--params", keys); }) == "--params: expected a number for 'b', got ''");
  CHECK(error_of([&] { pmm::parse_kv_list("b=1x", "--params", keys); }) == "--params: expected a number for 'b', got '1x'");
  CHECK(error_of([&] { pmm::parse_kv_list("b=inf", "--params", keys); }) == "--params: expected a finite number for 'b', got 'inf'");
  CHECK(error_of([&] { pmm::parse_kv_list("b=nan", "--params", keys); }) == "--params: expected a finite number for 'b', got 'nan'");
  CHECK(error_of([&] { pmm::parse_kv_list("b=1e999", "--params", keys); }) == "--params: expected a number for 'b', got '1e999'");
  CHECK(error_of([&] { pmm::parse_kv_list("b=1,,beta1=2", "--params", keys); }).rfind("--params: expected a comma-separated list", 0) == 0);
}

TEST_CASE("options: int and double and string lists") {
  CHECK(pmm::parse_int_list("10,20,50", "--steps") == std::vector<std::int64_t>{10, 20, 50});
  CHECK(pmm::parse_int_list(" 7 ", "--steps") == std::vector<std::int64_t>{7});
  CHECK(pmm::parse_int_list("-3,+4", "--steps") == std::vector<std::int64_t>{-3, 4});
  CHECK(error_of([] { pmm::parse_int_list("10,,20", "--steps"); }).rfind("--steps: expected a comma-separated list such as '10,20,50' without empty items", 0) == 0);
  CHECK(error_of([] { pmm::parse_int_list("10,", "--steps"); }).rfind("--steps: expected a comma-separated list", 0) == 0);
  CHECK(error_of([] { pmm::parse_int_list("", "--steps"); }) == "--steps: expected a comma-separated list such as '10,20,50', got an empty string");
  CHECK(error_of([] { pmm::parse_int_list("1.5", "--steps"); }) == "--steps: expected integers separated by commas, got '1.5'");
  CHECK(error_of([] { pmm::parse_int_list("99999999999999999999", "--steps"); }) ==
        "--steps: expected integers separated by commas, got '99999999999999999999'");

  CHECK(pmm::parse_double_list("0.1, 1e-3", "--dt") == std::vector<double>{0.1, 1e-3});
  CHECK(error_of([] { pmm::parse_double_list("0.1,inf", "--dt"); }) == "--dt: expected finite numbers, got 'inf'");
  CHECK(error_of([] { pmm::parse_double_list("0.1,x", "--dt"); }) == "--dt: expected numbers separated by commas, got 'x'");

  CHECK(pmm::parse_string_list("euler, heun ,rk4", "--solvers") == std::vector<std::string>{"euler", "heun", "rk4"});
  CHECK_THROWS_AS(pmm::parse_string_list("euler,", "--solvers"), pmm::Error);
}

TEST_CASE("options: CLI11 validators") {
  TempDir dir;
  pmm::test::write_bytes(dir.file("data.npy"), "x");
  CHECK(pmm::positive_int()("12").empty());
  CHECK(pmm::positive_int()("0") == "expected a positive integer, got '0'");
  CHECK(pmm::positive_int()("1.5") == "expected a positive integer, got '1.5'");
  CHECK(pmm::non_negative_int()("0").empty());
  CHECK(!pmm::non_negative_int()("-1").empty());
  CHECK(pmm::finite_double()("-1e-3").empty());
  CHECK(pmm::finite_double()("nan") == "expected a finite number, got 'nan'");
  CHECK(!pmm::finite_double()("inf").empty());
  CHECK(pmm::positive_double()("0.5").empty());
  CHECK(!pmm::positive_double()("0").empty());
  CHECK(pmm::readable_file()(dir.file("data.npy")).empty());
  CHECK(pmm::readable_file()(dir.file("none.npy")) == "file not found: '" + dir.file("none.npy") + "'");
  CHECK(pmm::readable_file()(dir.path()) == "expected a regular file, got '" + dir.path() + "'");
  CHECK(pmm::matrix_file_name()("out.csv").empty());
  CHECK(!pmm::matrix_file_name()("out.txt").empty());

  CLI::App app("test");
  int steps = 0;
  app.add_option("--steps", steps)->check(pmm::positive_int());
  try {
    app.parse("--steps 0");
    FAIL("expected CLI::ValidationError");
  } catch (const CLI::ValidationError& e) {
    CHECK(std::string(e.what()) == "--steps: expected a positive integer, got '0'");
  }
}

TEST_CASE("options: run_app statuses and one-line messages") {
  auto r = run({}, [](int, char**) { return 0; });
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  CHECK(run({}, [](int, char**) { return 5; }).status == 5);

  r = run({}, [](int, char**) -> int { throw pmm::Error("--steps: expected a positive integer, got -3"); });
  CHECK(r.status == 2);
  CHECK(r.err == "pmm-test: error: --steps: expected a positive integer, got -3\n");

  r = run({}, [](int, char**) -> int { throw std::runtime_error("disk on fire\nsecond line\n"); });
  CHECK(r.status == 1);
  CHECK(r.err == "pmm-test: error: disk on fire second line\n");

  r = run({}, [](int, char**) -> int { throw 42; });
  CHECK(r.status == 1);
  CHECK(r.err == "pmm-test: error: unknown exception\n");

  auto cli_body = [](int argc, char** argv) {
    CLI::App app("A test app.", "pmm-test");
    int steps = 1;
    app.add_option("--steps", steps, "number of steps")->check(pmm::positive_int());
    pmm::parse_args(app, argc, argv);
    return steps == 7 ? 0 : 3;
  };
  CHECK(run({"--steps", "7"}, cli_body).status == 0);
  r = run({"--bogus"}, cli_body);
  CHECK(r.status == 2);
  CHECK(r.err == "pmm-test: error: --bogus: unknown option (pmm-test --help lists the options)\n");
  // a typo is named with the nearest option, and its value is not reported as a second stray argument
  r = run({"--stpes", "7"}, cli_body);
  CHECK(r.status == 2);
  CHECK(r.err == "pmm-test: error: --stpes: unknown option; did you mean --steps?\n");
  r = run({"--step=7"}, cli_body);
  CHECK(r.err == "pmm-test: error: --step: unknown option; did you mean --steps?\n");
  r = run({"7"}, cli_body);
  CHECK(r.err == "pmm-test: error: unexpected argument '7' (options start with --) (pmm-test --help lists the options)\n");
  // every app gets --version
  r = run({"--version"}, cli_body);
  CHECK(r.status == 0);
  CHECK(r.out == pmm::version_text() + "\n");
  r = run({"--steps", "0"}, cli_body);
  CHECK(r.status == 2);
  CHECK(r.err == "pmm-test: error: --steps: expected a positive integer, got '0'\n");
  r = run({"--help"}, cli_body);
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  CHECK(r.out.find("A test app.") != std::string::npos);
  CHECK(r.out.find("--steps") != std::string::npos);

  r = run({}, [](int, char**) -> int { throw CLI::RuntimeError(4); });
  CHECK(r.status == 4);
  CHECK(r.err.empty());
}
