// Tests of apps/common/report: run metadata keys and formats, shell quoting of the command line,
// and the atomic JSON writer (NaN as null, invalid UTF-8 replaced instead of thrown on).
#include "apps/common/report.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <regex>

#include "tests/apps/test_files.hpp"

using pmm::test::TempDir;

TEST_CASE("report: run_metadata records the command and time and host and versions") {
  const char* argv[] = {"pmm-solve", "--name", "a b", "--x=it's", nullptr};
  const nlohmann::json m = pmm::run_metadata(4, argv);
  CHECK(m.at("command") == nlohmann::json({"pmm-solve", "--name", "a b", "--x=it's"}));
  CHECK(m.at("command_line") == "pmm-solve --name 'a b' '--x=it'\\''s'");
  CHECK(std::regex_match(m.at("date").get<std::string>(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  CHECK(!m.at("hostname").get<std::string>().empty());
  CHECK(m.at("pmm_version") == PMM_VERSION);
  CHECK(std::regex_match(m.at("eigen_version").get<std::string>(), std::regex(R"(\d+\.\d+\.\d+)")));
  CHECK(!m.at("compiler").get<std::string>().empty());
  CHECK(m.at("hardware_concurrency").get<unsigned>() >= 1);
  CHECK(m.contains("build"));
  CHECK(pmm::run_metadata(0, nullptr).at("command").empty());
}

TEST_CASE("report: write_json_atomic writes parseable JSON with NaN as null and bad UTF-8 replaced") {
  TempDir dir;
  const std::string path = dir.file("report.json");
  nlohmann::json report = {{"error", 0.125}, {"nan", std::nan("")}, {"bytes", std::string("\xff\xfe ok")}};
  report["run"] = pmm::run_metadata(0, nullptr);
  pmm::write_json_atomic(path, report);
  const std::string text = pmm::test::read_bytes(path);
  CHECK(text.back() == '\n');
  const nlohmann::json back = nlohmann::json::parse(text);
  CHECK(back.at("error") == 0.125);
  CHECK(back.at("nan").is_null());
  CHECK(back.at("bytes").get<std::string>().find(" ok") != std::string::npos);
  CHECK(dir.entries() == std::vector<std::string>{"report.json"});
}
