// Tests of io/output_lock: a second lock on the same output is refused naming the file, the option and the
// holder's pid; releasing removes the lock file and frees the output; a directory is locked in place; a lock
// file left by a dead process (kill -9) is taken over.
#include <pmm/io/output_lock.hpp>

#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include <pmm/core/error.hpp>
#include "tests/apps/test_files.hpp"

using pmm::test::TempDir;

namespace {
std::string refusal(const std::string& path, const std::string& option) {
  try {
    pmm::OutputLock second(path, option);
  } catch (const pmm::Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("output_lock: one writer per file, the second refused naming it; released on destruction") {
  TempDir dir;
  const std::string path = dir.file("out.npy");
  {
    pmm::OutputLock lock(path, "--out");
    CHECK(lock.lock_path() == path + ".lock");
    const std::string e = refusal(path, "--out");
    INFO(e);
    CHECK(e.find("--out: " + path + " is in use by another run (pid " + std::to_string(::getpid()) + ")") == 0);
    pmm::OutputLock moved = std::move(lock);  // a moved lock still holds
    CHECK(!refusal(path, "--out").empty());
  }
  CHECK(dir.entries().empty());  // the lock file is gone
  pmm::OutputLock again(path, "--out");
  CHECK(refusal(dir.file("other.npy"), "--out").empty());  // other outputs are not affected
}

TEST_CASE("output_lock: a directory is locked in place, without a lock file") {
  TempDir dir;
  pmm::OutputLock lock(dir.path(), "--out");
  CHECK(lock.lock_path().empty());
  CHECK(refusal(dir.path(), "--out").find("is in use by another run") != std::string::npos);
  CHECK(dir.entries().empty());
}

TEST_CASE("output_lock: a lock file left by a killed process is taken over") {
  TempDir dir;
  const std::string path = dir.file("s.csv");
  const pid_t child = ::fork();
  if (child == 0) {
    pmm::OutputLock lock(path, "--out");
    ::_exit(0);  // no destructor: the lock file stays, its flock dies with the process
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(dir.entries() == std::vector<std::string>{"s.csv.lock"});
  pmm::OutputLock lock(path, "--out");
  CHECK(refusal(path, "--out").find("(pid " + std::to_string(::getpid()) + ")") != std::string::npos);
}
