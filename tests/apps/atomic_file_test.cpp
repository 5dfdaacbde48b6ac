// Tests of apps/common/atomic_file and matrix_file: the target is either the old file or the whole
// new one, and no "<path>.tmp.<pid>" survives an exception, a failed write (file size limit in a
// child process), a failed rename, or a missing directory.
#include <pmm/io/atomic_file.hpp>

#include <doctest/doctest.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

#include <pmm/io/npy.hpp>
#include <pmm/core/error.hpp>
#include "tests/apps/test_files.hpp"

using pmm::test::read_bytes;
using pmm::test::TempDir;

TEST_CASE("atomic_file: write_file_atomic creates and replaces and leaves only the target") {
  TempDir dir;
  const std::string path = dir.file("out.txt");
  pmm::write_file_atomic(path, "first");
  CHECK(read_bytes(path) == "first");
  pmm::write_file_atomic(path, std::string("second\0binary", 13));
  CHECK(read_bytes(path) == std::string("second\0binary", 13));
  pmm::write_file_atomic(path, "");
  CHECK(read_bytes(path).empty());
  CHECK(dir.entries() == std::vector<std::string>{"out.txt"});
}

TEST_CASE("atomic_file: bytes and stream output keep their order over many small writes and one large") {
  TempDir dir;
  const std::string path = dir.file("mixed.txt");
  std::string expected;
  {
    pmm::AtomicFile file(path);
    CHECK(file.temp_path() == path + ".tmp." + std::to_string(::getpid()));
    for (int i = 0; i < 20000; ++i) {
      if (i % 2) {
        file.write("ab\n");
        expected += "ab\n";
      } else {
        file.stream() << i << ' ';
        expected += std::to_string(i) + ' ';
      }
    }
    const std::string large(300000, 'z');  // bigger than the buffer: written directly
    file.write(large.data(), large.size());
    expected += large;
    file.stream() << "end";
    expected += "end";
    CHECK(!std::filesystem::exists(path));  // nothing visible before commit
    file.commit();
  }
  CHECK(read_bytes(path) == expected);
  CHECK(dir.entries() == std::vector<std::string>{"mixed.txt"});
}

TEST_CASE("atomic_file: an exception before commit keeps the old file and removes the temporary") {
  TempDir dir;
  const std::string path = dir.file("keep.txt");
  pmm::write_file_atomic(path, "old contents");
  try {
    pmm::AtomicFile file(path);
    file.write("new contents, half written");
    CHECK(std::filesystem::exists(file.temp_path()));
    throw std::runtime_error("simulated failure");
  } catch (const std::runtime_error&) {
  }
  CHECK(read_bytes(path) == "old contents");
  CHECK(dir.entries() == std::vector<std::string>{"keep.txt"});

  {  // destroyed without commit, no exception: same outcome
    pmm::AtomicFile file(dir.file("never.txt"));
    file.write("x");
  }
  CHECK(dir.entries() == std::vector<std::string>{"keep.txt"});
}

TEST_CASE("atomic_file: missing directory and failed rename are pmm::Error naming the path") {
  TempDir dir;
  const std::string missing = dir.file("no/such/dir/out.txt");
  try {
    pmm::write_file_atomic(missing, "x");
    FAIL("expected pmm::Error");
  } catch (const pmm::Error& e) {
    CHECK(std::string(e.what()).rfind(missing + ": cannot create file", 0) == 0);
  }
  // rename() cannot replace a non-empty directory.
  const std::string busy = dir.file("busy");
  std::filesystem::create_directories(busy + "/inside");
  try {
    pmm::write_file_atomic(busy, "x");
    FAIL("expected pmm::Error");
  } catch (const pmm::Error& e) {
    CHECK(std::string(e.what()).rfind(busy + ": rename failed", 0) == 0);
  }
  CHECK(dir.entries() == std::vector<std::string>{"busy"});
  CHECK(std::filesystem::exists(busy + "/inside"));
  CHECK_THROWS_AS(pmm::AtomicFile(""), pmm::Error);
}

TEST_CASE("atomic_file: a write failing midway (file size limit) leaves the old file and no temporary") {
  TempDir dir;
  const std::string text_path = dir.file("text.txt");
  const std::string npy_path = dir.file("data.npy");
  pmm::write_file_atomic(text_path, "old text");
  const double old_value = 1.0;
  pmm::write_npy(npy_path, &old_value, {1});
  const std::string old_npy = read_bytes(npy_path);

  // In a child: RLIMIT_FSIZE makes write() fail with EFBIG after 64 KiB (SIGXFSZ ignored).
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{65536, 65536};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    int failures = 0;
    try {
      pmm::write_file_atomic(text_path, std::string(1 << 20, 'n'));
    } catch (const pmm::Error& e) {
      failures += std::string(e.what()).rfind(text_path + ": write failed", 0) == 0;
    }
    try {
      const std::vector<double> big(100000, 2.0);
      pmm::write_npy(npy_path, big.data(), {100000});
    } catch (const pmm::Error& e) {
      failures += std::string(e.what()).rfind(npy_path + ": write failed", 0) == 0;
    }
    ::_exit(failures == 2 ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(read_bytes(text_path) == "old text");
  CHECK(read_bytes(npy_path) == old_npy);
  CHECK(dir.entries() == std::vector<std::string>{"data.npy", "text.txt"});
}

TEST_CASE("matrix_file: write_matrix and read_matrix dispatch on .npy and .csv and reject other names") {
  TempDir dir;
  pmm::Batch x(2, 3);
  x << 0.1, -2.5e-300, 1.0 / 3, 4, 5e300, -0.0;
  for (const char* name : {"x.npy", "x.csv"}) {
    CAPTURE(name);
    pmm::write_matrix(dir.file(name), x, "--out");
    const pmm::Batch y = pmm::read_matrix(dir.file(name), "--data");
    REQUIRE(y.rows() == 2);
    REQUIRE(y.cols() == 3);
    CHECK((y == x).all());
  }
  for (const char* name : {"x.txt", "x", "x.npy.gz"}) {
    try {
      pmm::write_matrix(dir.file(name), x, "--out");
      FAIL("expected pmm::Error");
    } catch (const pmm::Error& e) {
      CHECK(std::string(e.what()).rfind("--out: expected a file name ending in .npy or .csv", 0) == 0);
    }
    CHECK_THROWS_AS(pmm::read_matrix(dir.file(name), "--data"), pmm::Error);
  }
  CHECK(dir.entries() == std::vector<std::string>{"x.csv", "x.npy"});
}

TEST_CASE("atomic_file: an OutputTransaction renames all outputs together or none") {
  TempDir dir;
  pmm::write_file_atomic(dir.file("a.txt"), "old a");
  pmm::write_file_atomic(dir.file("b.txt"), "old b");
  {
    pmm::OutputTransaction t;
    pmm::write_file_atomic(dir.file("a.txt"), "new a");
    CHECK(read_bytes(dir.file("a.txt")) == "old a");  // staged, not yet in place
    CHECK_THROWS_AS(pmm::write_file_atomic(dir.file("nodir/b.txt"), "x"), pmm::Error);
  }  // the run failed: no commit
  CHECK(read_bytes(dir.file("a.txt")) == "old a");
  CHECK(dir.entries() == std::vector<std::string>{"a.txt", "b.txt"});
  {
    pmm::OutputTransaction t;
    pmm::write_file_atomic(dir.file("a.txt"), "new a");
    pmm::write_file_atomic(dir.file("b.txt"), "new b");
    t.commit();
  }
  CHECK(read_bytes(dir.file("a.txt")) == "new a");
  CHECK(read_bytes(dir.file("b.txt")) == "new b");
  CHECK(dir.entries() == std::vector<std::string>{"a.txt", "b.txt"});
}

TEST_CASE("atomic_file: SIGTERM or SIGINT while writing removes the temporary; stale ones of dead processes go") {
  TempDir dir;
  const std::string path = dir.file("out.npy");
  pmm::write_file_atomic(path, "old");
  for (const int sig : {SIGTERM, SIGINT}) {
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::signal(sig, SIG_DFL);  // doctest's own handler is not the program's
      pmm::AtomicFile file(path);
      file.write("half of the new");
      ::raise(sig);
      ::_exit(3);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == sig);
    CHECK(dir.entries() == std::vector<std::string>{"out.npy"});
  }
  // kill -9 cannot be caught: the temporary stays until the next write to the same target.
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    pmm::AtomicFile file(path);
    file.write("half");
    ::raise(SIGKILL);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(dir.entries() == std::vector<std::string>{"out.npy", "out.npy.tmp." + std::to_string(child)});
  pmm::write_npy_matrix(dir.file("other.npy"), pmm::Batch::Zero(1, 1));  // another target: not touched
  CHECK(dir.entries().size() == 3);
  pmm::write_file_atomic(path, "new");
  CHECK(dir.entries() == std::vector<std::string>{"other.npy", "out.npy"});
  CHECK(read_bytes(path) == "new");
  // A temporary of a live process (this one's parent) is kept.
  pmm::test::write_bytes(path + ".tmp." + std::to_string(::getppid()), "busy");
  CHECK(pmm::remove_stale_temporaries(path) == 0);
}
