// Tests of apps/common/progress: the rendered line (percent, count, rate, ETA, extra text, width),
// silence for a short run when the output is not a terminal, plain lines for a long one, counting from several threads, throttled redraws and
// the single final newline.
#include "apps/common/progress.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "tests/apps/test_files.hpp"

using pmm::test::read_bytes;
using pmm::test::TempDir;

namespace {

int open_output(const std::string& path) { return ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644); }

}  // namespace

TEST_CASE("progress: render shows percent and count and rate and ETA and extra text within the width") {
  const std::string line = pmm::ProgressBar::render("solve", 420, 1000, 12.0, "loss 0.031", 100);
  CHECK(line.find("solve") == 0);
  CHECK(line.find(" 42% [") != std::string::npos);
  CHECK(line.find("420/1000") != std::string::npos);
  CHECK(line.find("35/s") != std::string::npos);       // 420 / 12 s
  CHECK(line.find("ETA 0:17") != std::string::npos);   // 580 / 35 per s = 16.6 s
  CHECK(line.find("loss 0.031") != std::string::npos);
  CHECK(line.size() <= 100);
  CHECK(pmm::ProgressBar::render("solve", 420, 1000, 12.0, "loss 0.031", 30).size() == 30);
  const std::string done = pmm::ProgressBar::render("", 1000, 1000, 3725.0, "", 100);
  CHECK(done.find("100%") != std::string::npos);
  CHECK(done.find("1:02:05") != std::string::npos);  // elapsed once finished
  const std::string unknown = pmm::ProgressBar::render("epochs", 7, 0, 2.0, "", 80);
  CHECK(unknown == "epochs  7  3.5/s  0:02");
}

TEST_CASE("progress: prints nothing when the output is not a terminal and the run is shorter than an interval") {
  TempDir dir;
  const int fd = open_output(dir.file("log"));
  {
    pmm::ProgressBar bar(100, {"quiet", pmm::ProgressMode::automatic, fd, 0.0, 0, 3600.0});
    CHECK(bar.plain());
    auto callback = bar.callback();
    for (int i = 0; i < 100; ++i) callback(1);
    bar.set_extra("loss 1");
    CHECK(bar.count() == 100);
  }
  {
    pmm::ProgressBar bar(10, {"never", pmm::ProgressMode::never, fd, 0.0});
    bar.advance(10);
  }
  ::close(fd);
  CHECK(read_bytes(dir.file("log")).empty());
}

TEST_CASE("progress: not a terminal: plain lines (no carriage return, no escape) every interval and a final one") {
  TempDir dir;
  const int fd = open_output(dir.file("log"));
  {
    pmm::ProgressBar bar(10, {"train", pmm::ProgressMode::automatic, fd, 0.0, 0, 0.05});
    REQUIRE(bar.plain());
    bar.advance(4);
    bar.set_extra("loss 0.5");
    // Nothing advances for 0.3 s (one long unit of work): the ticker still prints.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    bar.advance(6);
  }
  ::close(fd);
  const std::string log = read_bytes(dir.file("log"));
  CHECK(log.find('\r') == std::string::npos);
  CHECK(log.find('\x1b') == std::string::npos);
  CHECK(log.find("train   40%  4/10") != std::string::npos);
  CHECK(log.find("loss 0.5") != std::string::npos);
  CHECK(log.size() >= 2);
  CHECK(log.substr(log.rfind('\n', log.size() - 2) + 1).rfind("train  100%  10/10", 0) == 0);  // final line
}

TEST_CASE("progress: PMM_PROGRESS_SECONDS sets the plain interval, 0 turns plain lines off") {
  ::setenv("PMM_PROGRESS_SECONDS", "0", 1);
  CHECK(pmm::default_plain_interval() == 0.0);
  TempDir dir;
  const int fd = open_output(dir.file("log"));
  {
    pmm::ProgressBar bar(10, {"off", pmm::ProgressMode::automatic, fd});
    CHECK(!bar.enabled());
  }
  ::close(fd);
  ::setenv("PMM_PROGRESS_SECONDS", "2.5", 1);
  CHECK(pmm::default_plain_interval() == 2.5);
  ::setenv("PMM_PROGRESS_SECONDS", "soon", 1);
  CHECK(pmm::default_plain_interval() == 5.0);
  ::unsetenv("PMM_PROGRESS_SECONDS");
  CHECK(pmm::default_plain_interval() == 5.0);
}

TEST_CASE("progress: forced bar counts from several threads and ends with one newline") {
  TempDir dir;
  const int fd = open_output(dir.file("bar"));
  {
    pmm::ProgressBar bar(4000, {"paths", pmm::ProgressMode::always, fd, 0.0, 120});
    CHECK(bar.enabled());
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&bar] {
        for (int i = 0; i < 1000; ++i) bar.advance();
      });
    for (auto& th : threads) th.join();
    bar.set_extra("loss 0.5");
    bar.finish();
    bar.finish();  // idempotent
    CHECK(bar.count() == 4000);
  }
  ::close(fd);
  const std::string out = read_bytes(dir.file("bar"));
  REQUIRE(!out.empty());
  CHECK(std::count(out.begin(), out.end(), '\n') == 1);
  CHECK(out.back() == '\n');
  const std::string last = out.substr(out.rfind('\r'));
  CHECK(last.find("100%") != std::string::npos);
  CHECK(last.find("4000/4000") != std::string::npos);
  CHECK(last.find("loss 0.5") != std::string::npos);
}

TEST_CASE("progress: redraws are throttled to the interval") {
  TempDir dir;
  const int fd = open_output(dir.file("bar"));
  {
    pmm::ProgressBar bar(100000, {"", pmm::ProgressMode::always, fd, 3600.0, 80});
    for (int i = 0; i < 100000; ++i) bar.advance();
  }  // the destructor finishes
  ::close(fd);
  const std::string out = read_bytes(dir.file("bar"));
  CHECK(std::count(out.begin(), out.end(), '\r') == 2);  // the first advance and the final state
  CHECK(out.back() == '\n');
}
